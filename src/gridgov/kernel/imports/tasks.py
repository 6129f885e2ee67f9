"""The background worker's side of import jobs (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> None:
    """Run one waiting import job (:func:`gridgov.kernel.imports.services.job_run`), enqueued
    on commit by :func:`~gridgov.kernel.imports.services.job_start`. A job already taken is
    left alone, so a task delivered twice imports once."""
    from gridgov.kernel.imports.services import job_run

    job_run(job_id)
