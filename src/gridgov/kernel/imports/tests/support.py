"""Test helpers for import jobs: run what the upload left to the background worker."""

from __future__ import annotations

from django.core.management import call_command

from gridgov.kernel.imports.models import ImportJob


def run_worker() -> None:
    """The real worker (django-tasks database backend) runs every enqueued task once."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def run_jobs() -> int:
    """Every waiting import job through the worker's task function; returns how many."""
    from gridgov.kernel.imports.tasks import run_import_job

    pks = list(
        ImportJob.objects.filter(status=ImportJob.Status.PENDING).values_list("pk", flat=True)
    )
    for pk in pks:
        run_import_job.call(job_id=pk)
    return len(pks)
