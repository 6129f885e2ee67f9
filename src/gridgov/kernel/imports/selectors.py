"""Reading import jobs: only one's own; a job that belongs to an area (e.g. the party
organisation's) only while one may still import that kind there — another area's job, or one
whose permission there was withdrawn, is not found. A job without an area (rosters and 12345,
whose rows name their own areas) stays its uploader's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.core.errors import NotFound
from gridgov.kernel.imports import registry
from gridgov.kernel.imports.models import ImportJob


def may_see(actor: Any, job: ImportJob) -> bool:
    if actor is None or job.actor_id != getattr(actor, "pk", None):
        return False
    if job.area_id is None:
        return True
    try:
        kind = registry.get(job.kind)
    except NotFound:
        return False
    return scoping.can(actor, kind.perm, job.area)


def jobs_for(*, actor: Any, kind: str | None = None) -> QuerySet[ImportJob]:
    """The actor's jobs, newest first, without the file and the error sheet."""
    qs = ImportJob.objects.filter(actor_id=getattr(actor, "pk", None)).defer(
        "content", "error_sheet"
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("area")


def job_get_for(*, actor: Any, pk: Any) -> ImportJob:
    """One job the actor may see (see the module text), else :class:`NotFound`."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    job = jobs_for(actor=actor).filter(pk=pk).first()
    if job is None or not may_see(actor, job):
        raise NotFound(_("Import not found."))
    return job


def job_error_sheet(*, actor: Any, pk: Any) -> bytes:
    """The rows with problems as uploaded, plus row, column and reason (.xlsx)."""
    job = job_get_for(actor=actor, pk=pk)
    data = ImportJob.objects.filter(pk=job.pk).values_list("error_sheet", flat=True).first()
    if not data:
        raise NotFound(_("There is no error sheet for this import."))
    return bytes(data)


def job_errors(*, actor: Any, pk: Any, limit: int = 1000) -> list[dict[str, Any]]:
    """The first ``limit`` problems of a job as ``{row, column, reason}``: those the kind kept
    with the job, else read back from the error sheet's 错误行号/错误列/错误原因 columns."""
    job = job_get_for(actor=actor, pk=pk)
    kept = (job.result or {}).get("errors")
    if kept:
        return list(kept[:limit])
    return _sheet_errors(job_error_sheet(actor=actor, pk=pk), limit)


def _sheet_errors(data: bytes, limit: int) -> list[dict[str, Any]]:
    import io

    from openpyxl import load_workbook

    from gridgov.core.excel import ERROR_HEADERS

    wb = load_workbook(io.BytesIO(data), read_only=True)
    found: list[dict[str, Any]] = []
    try:
        for values in wb.worksheets[0].iter_rows(min_row=2, values_only=True):
            row, columns, reasons = values[-len(ERROR_HEADERS) :]
            for column, reason in zip(
                str(columns or "").split("\n"), str(reasons or "").split("\n"), strict=False
            ):
                found.append(
                    {"row": int(str(row or 0)), "column": column.strip("—"), "reason": reason}
                )
            if len(found) >= limit:
                break
    finally:
        wb.close()
    return found[:limit]
