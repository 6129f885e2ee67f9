"""Background tasks of the rosters: a large Excel import runs here, not in the request."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    """Import one uploaded roster workbook (:func:`gridgov.rosters.services.imports.import_run`,
    enqueued on commit by ``import_start`` for files above ``SYNC_ROWS`` rows)."""
    from gridgov.rosters.services.imports import import_run

    import_run(job_id)
