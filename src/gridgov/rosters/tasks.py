"""Background tasks of the rosters. Imports now run as kernel import jobs
(:func:`gridgov.kernel.imports.tasks.run_import_job`); this task stays so that a job enqueued
before the upgrade is still run."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    """Run one waiting import job (see :func:`gridgov.kernel.imports.services.job_run`)."""
    from gridgov.kernel.imports.services import job_run

    job_run(job_id)
