"""/api/v1/cases: reporting, photos, duplicates, dispatch proposals and the 12345 import.

* ``POST /report`` — JSON; photos as a list of base64 strings (or add them afterwards with
  ``POST /{id}/photos``, multipart). Send an ``Idempotency-Key`` header to make retries safe:
  the first answer is 201, a retry with the same key and body answers 200 with the same case,
  the same key with another body is 409 ``idempotency_key_reused``.
* ``GET /{id}/duplicates`` and ``GET /{id}/proposal`` — for dispatchers (the case must be
  visible to you).
* ``POST /import/hotline`` (multipart ``file`` + ``mode``) and ``GET /import/hotline/template``.
* ``GET /import/hotline/results?date_from=&date_to=`` — 办理结果回传 (.xlsx) of the imported
  work orders that ended in those days.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.areas.models import Area
from gridgov.cases import routing, selectors
from gridgov.cases.api import DepartmentRef
from gridgov.cases.duplicates import likely_duplicates
from gridgov.cases.exports import hotline as hotline_results
from gridgov.cases.import_kinds import KIND as HOTLINE_KIND
from gridgov.cases.importers import hotline
from gridgov.cases.models import Case
from gridgov.cases.photos import max_bytes, max_count
from gridgov.cases.services import intake
from gridgov.cases.states import Source
from gridgov.core.errors import Conflict, ValidationFailed
from gridgov.core.params import Day, DbId
from gridgov.core.pii import mask_text
from gridgov.core.schemas import RowErrorOut
from gridgov.kernel.imports import services as import_jobs

router = Router(tags=["case intake"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportIn(Schema):
    source: str = Source.RESIDENT.value
    category: DbId | str
    title: str = ""
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    area_id: DbId | None = None
    extra: dict[str, Any] = {}
    photos: list[str] = []
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    resolved_on_spot: bool = False
    on_spot_reply: str = ""


class ReceiptOut(Schema):
    id: int
    number: str
    token: str
    status: str
    version: int
    area: AreaRef
    outside_grids: bool
    created: bool
    photos: int


class PhotosOut(Schema):
    id: int
    version: int
    photos: int


class DuplicateOut(Schema):
    id: int
    number: str
    title: str
    status: str
    category: str
    reported_at: datetime
    score: float


class ProposalOut(Schema):
    area: AreaRef | None
    department: DepartmentRef | None
    level: int
    reason: str


class HotlineImportOut(Schema):
    mode: str
    total: int
    created: int
    existing: int
    failed_rows: int
    errors: list[RowErrorOut]
    numbers: list[str]
    error_report_base64: str = ""
    job_id: int | None = None  # the import job (GET /api/v1/imports/jobs/{job_id})


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _decode_photos(items: list[str]) -> list[bytes]:
    if len(items) > max_count():
        msg = _("At most %(n)s photos may be attached at a time.") % {"n": max_count()}
        raise ValidationFailed(msg, code="too_many_photos", fields={"photos": msg})
    limit = max_bytes() * 4 // 3 + 1024
    out = []
    for item in items:
        text = item.split(",", 1)[1] if item.startswith("data:") else item  # data: URLs too
        if len(text) > limit:
            msg = _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // 1024 // 1024}
            raise ValidationFailed(msg, code="bad_photo", fields={"photos": msg})
        try:
            out.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError) as exc:
            msg = _("A photo is not valid base64.")
            raise ValidationFailed(msg, code="bad_photo", fields={"photos": msg}) from exc
    return out


def _receipt(case: Case, created: bool) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "token": case.token,
        "status": case.status,
        "version": case.version,
        "area": case.area,
        "outside_grids": case.outside_grids,
        "created": created,
        "photos": case.attachments.count(),
    }


@router.post("/report", response={200: ReceiptOut, 201: ReceiptOut, codes_4xx: ErrorOut})
def case_report(request: HttpRequest, payload: ReportIn) -> tuple[int, dict[str, Any]]:
    """Report a case. Send ``Idempotency-Key`` to make retries safe (201 first, 200 retry).

    ``photos`` are base64 strings (or ``data:`` URLs), at most 9 of up to 10 MB each once
    decoded — but the whole JSON body must stay under the server's request body limit
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB by default) or the answer is 413
    ``request_too_large``. For larger photos, report without them and upload them as multipart
    files with ``POST /api/v1/cases/{id}/photos``."""
    actor = _actor(request)
    area: Area | None = None
    if payload.area_id is not None:
        area = Area.objects.filter(pk=payload.area_id, is_active=True).first()
        if area is None:
            raise ValidationFailed(_("Unknown area."), fields={"area_id": _("Unknown area.")})
    key = (request.headers.get("Idempotency-Key") or "").strip()
    result = intake.case_report(
        actor=actor,
        source=payload.source,
        category=payload.category,
        title=payload.title,
        description=payload.description,
        lon=payload.lon,
        lat=payload.lat,
        address=payload.address,
        area=area,
        extra=payload.extra,
        photos=_decode_photos(payload.photos),
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        anonymous=payload.anonymous,
        resolved_on_spot=payload.resolved_on_spot,
        on_spot_reply=payload.on_spot_reply,
        idempotency_scope=f"api:user:{actor.pk}" if key else "",
        idempotency_key=key,
    )
    return (201 if result.created else 200), _receipt(result.case, result.created)


@router.post("/{int:case_id}/photos", response={201: PhotosOut, codes_4xx: ErrorOut})
def case_photos(
    request: HttpRequest, case_id: int, files: File[list[UploadedFile]]
) -> tuple[int, dict[str, Any]]:
    """Add photos (multipart field ``files``, JPEG/PNG/WebP) to an open case."""
    actor = _actor(request)
    case = selectors.case_get_for(actor=actor, pk=case_id)
    intake.case_add_photos(actor=actor, case=case, files=list(files))
    return 201, {"id": case.pk, "version": case.version, "photos": case.attachments.count()}


@router.get("/{int:case_id}/duplicates", response={200: list[DuplicateOut], codes_4xx: ErrorOut})
def case_duplicates(
    request: HttpRequest, case_id: int, limit: int = Query(5, ge=1, le=20)
) -> list[dict[str, Any]]:
    """Open cases nearby, recent and with similar text (best first)."""
    actor = _actor(request)
    case = selectors.case_get_for(actor=actor, pk=case_id)
    found = likely_duplicates(case=case, limit=max(1, min(limit, 20)), visible_to=actor)
    return [
        {
            "id": c.pk,
            "number": c.number,
            "title": mask_text(c.title),
            "status": c.status,
            "category": c.category.name,
            "reported_at": c.reported_at,
            "score": s,
        }
        for c, s in found
    ]


@router.get("/{int:case_id}/proposal", response={200: ProposalOut, codes_4xx: ErrorOut})
def case_proposal(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The unit the case's category suggests (grid / community / street / county or a
    department), with the reason."""
    actor = _actor(request)
    case = selectors.case_get_for(actor=actor, pk=case_id)
    scoping.require(actor, Perm.CASE_TRIAGE, case.area, what="case_proposal")  # audited
    p = routing.propose(case=case)
    return {"area": p.area, "department": p.department, "level": p.level, "reason": p.reason}


@router.post("/import/hotline", response={200: HotlineImportOut, codes_4xx: ErrorOut})
def import_hotline(
    request: HttpRequest, file: File[UploadedFile], mode: Form[str] = "valid"
) -> dict[str, Any]:
    """Import 12345 work orders (.xlsx in the template's format). ``mode``: ``valid`` imports
    the rows that pass, ``all`` imports nothing unless every row passes. The answer lists every
    problem (row, column, reason) and, when there are any, the error sheet as base64.

    Limits: at most 20 MB, 10 000 data rows (``GRIDGOV_HOTLINE_MAX_ROWS``) and 100 MB unpacked;
    a file over them, a zip bomb, damaged XML or XML with a document type or entities is a 400
    (``file_too_large``, ``too_many_rows``, ``damaged_file``, ``unsafe_file``, ``not_excel``,
    ``bad_headers``) and nothing is written. A cell holding a control character is a row
    error."""
    actor = _actor(request)
    hotline.require_importer(actor)
    if file.size and file.size > hotline.MAX_FILE_BYTES:
        raise hotline.too_large()
    # An import job run during the request (the same file again answers the same job);
    # POST /api/v1/imports/jobs leaves it to the background worker instead.
    job = import_jobs.job_start(
        actor=actor,
        kind=HOTLINE_KIND,
        filename=file.name or "",
        data=file.read(),
        mode=mode,
        sync_rows=hotline.max_rows(),
    )
    if job.status == job.Status.FAILED:
        raise import_jobs.failure_error(job)
    if job.running:  # another request is importing this file now
        raise Conflict(_("This file is being imported; try again shortly."), code="import_running")
    r = job.result or {}
    return {
        "mode": job.mode,
        "total": job.total_rows,
        "created": job.created_count,
        "existing": int(r.get("existing") or 0),
        "failed_rows": job.error_count,
        "errors": r.get("errors") or [],
        "numbers": r.get("numbers") or [],
        "error_report_base64": (
            base64.b64encode(bytes(job.error_sheet)).decode("ascii") if job.error_sheet else ""
        ),
        "job_id": job.pk,
    }


@router.get("/import/hotline/template", response={200: None, codes_4xx: ErrorOut})
def import_hotline_template(request: HttpRequest) -> HttpResponse:
    """The .xlsx template (header row, example row, notes with the categories)."""
    hotline.require_importer(_actor(request))
    response = HttpResponse(hotline.build_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="12345-template.xlsx"'
    return response


@router.get("/import/hotline/results", response={200: None, codes_4xx: ErrorOut})
def import_hotline_results(
    request: HttpRequest,
    date_from: Day | None = None,
    date_to: Day | None = None,
    unmasked: bool = False,
    reason: str = "",
) -> HttpResponse:
    """办理结果回传: the imported work orders that ended (closed, rejected, merged) between
    ``date_from`` and ``date_to`` (inclusive), in the jurisdiction, as .xlsx in the hotline's
    layout. Replies are masked; ``unmasked=true`` with a ``reason`` needs roster.unmask."""
    export = hotline_results.export_results(
        actor=_actor(request),
        date_from=date_from,
        date_to=date_to,
        unmasked=unmasked,
        reason=reason,
    )
    response = HttpResponse(export.data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
