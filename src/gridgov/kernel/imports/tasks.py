"""The background worker's side of import jobs (django-tasks, database backend)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic


@task()
def run_import_job(job_id: int) -> None:
    """Run one waiting import job (:func:`gridgov.kernel.imports.services.job_run`), enqueued
    on commit by :func:`~gridgov.kernel.imports.services.job_start`. A job already taken is
    left alone, so a task delivered twice imports once."""
    from gridgov.kernel.imports.services import job_run

    job_run(job_id)


@periodic(every=timedelta(days=1), name="imports.tidy")
@task()
def tidy_import_jobs() -> dict[str, int]:
    """Interrupted jobs marked failed, lost tasks enqueued again, week-old failed uploads
    deleted (:func:`gridgov.kernel.imports.services.jobs_tidy`)."""
    from gridgov.kernel.imports.services import jobs_tidy

    return jobs_tidy()
