"""/api/v1/rosters: Excel templates, imports and exports.

* ``GET templates/{kind}`` — the .xlsx template (``residents``, ``buildings``, ``tags``).
* ``POST imports`` — multipart ``file`` + ``kind`` + ``mode`` (``valid`` / ``all``). Send
  ``Idempotency-Key`` (or the form field ``client_token``): a retried upload returns the first
  job (200) instead of importing again (201). Small files are done when this answers; larger
  ones run in the background — poll ``GET imports/{id}``.
* ``GET imports/{id}`` — status, progress and counts of one of your own imports.
* ``GET imports/{id}/errors`` — the error sheet (.xlsx; ``?format=json`` for the list of
  ``{row, column, reason}``).
* ``GET exports/{kind}`` — the filtered roster in the template layout; masked unless
  ``unmasked=true`` with a ``reason`` (ROSTER_UNMASK; audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from gridgov.areas.api import ErrorOut
from gridgov.core.errors import ValidationFailed
from gridgov.core.excel import XLSX, max_bytes
from gridgov.core.params import DbId
from gridgov.core.schemas import RowErrorOut
from gridgov.kernel.imports import selectors as job_selectors
from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters.services import imports
from gridgov.rosters.views_import import export_filters

router = Router(tags=["rosters: excel"])
ERRORS_JSON_MAX = 1000


class JobOut(Schema):
    id: int
    kind: str
    mode: str
    filename: str
    status: str
    total_rows: int
    processed_rows: int
    created: int
    updated: int
    errors: int
    message: str
    has_error_sheet: bool
    created_at: datetime
    finished_at: datetime | None


class ExportQuery(Schema):
    q: str = ""
    area: DbId | None = None
    tag: str = ""
    household_type: str = ""
    status: str = ""
    residence_type: str = ""
    unmasked: bool = False
    reason: str = ""


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _job(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "mode": job.mode,
        "filename": job.filename,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "errors": job.error_count,
        "message": job.message,
        "has_error_sheet": bool(job.error_count),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get("/templates/{kind}", response={200: None, codes_4xx: ErrorOut})
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """The .xlsx template: Chinese header row, an example row, notes (needs roster.edit)."""
    imports.require_importer(_actor(request))
    return _xlsx(imports.template_bytes(kind), f"template-{kind}.xlsx")


@router.post("/imports", response={200: JobOut, 201: JobOut, codes_4xx: ErrorOut})
def import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str] = "residents",
    mode: Form[str] = "valid",
    client_token: Form[str] = "",
) -> tuple[int, dict[str, Any]]:
    """Upload a roster workbook (needs roster.edit; rows outside your jurisdiction are row
    errors). Per-file problems (not Excel, wrong headers, too many rows) are a 400."""
    actor = _actor(request)
    imports.require_importer(actor)
    token = (request.headers.get("Idempotency-Key") or client_token or "").strip()
    if token:
        earlier = imports.job_for_token(actor, token)
        if earlier is not None:
            return 200, _job(earlier)
    if file.size and file.size > max_bytes():
        msg = _("The file is too large.")
        raise ValidationFailed(msg, code="file_too_large", fields={"file": msg})
    job = imports.import_start(
        actor=actor,
        kind=kind,
        filename=file.name or "",
        data=file.read(),
        mode=mode,
        client_token=token,
    )
    return 201, _job(job)


@router.get("/imports/{int:job_id}", response={200: JobOut, codes_4xx: ErrorOut})
def import_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """One of your own imports (another user's is a 404)."""
    return _job(imports.job_get_for(actor=_actor(request), pk=job_id))


@router.get(
    "/imports/{int:job_id}/errors",
    response={200: list[RowErrorOut], codes_4xx: ErrorOut},
)
def import_errors(request: HttpRequest, job_id: int, format: str = "xlsx") -> Any:
    """The rows with problems as uploaded plus 错误行号/错误列/错误原因 (.xlsx), or with
    ``format=json`` the first 1000 problems as ``{row, column, reason}``."""
    if format != "json":
        data = imports.job_error_sheet(actor=_actor(request), pk=job_id)
        return _xlsx(data, f"import-{job_id}-errors.xlsx")
    return job_selectors.job_errors(actor=_actor(request), pk=job_id, limit=ERRORS_JSON_MAX)


@router.get("/exports/{kind}", response={200: None, codes_4xx: ErrorOut})
def export(request: HttpRequest, kind: str, filters: Query[ExportQuery]) -> HttpResponse:
    """The filtered roster in the template layout (needs roster.export; unmasked needs
    roster.unmask and a reason). Audited as PERSONAL_DATA_EXPORTED."""
    actor = _actor(request)
    query = {k: v for k, v in filters.dict().items() if k not in ("unmasked", "reason") and v}
    data = imports.export_sheet(
        actor=actor,
        kind=kind,
        filters=export_filters(actor, query),
        unmasked=filters.unmasked,
        reason=filters.reason,
    )
    return _xlsx(data, f"export-{kind}.xlsx")
