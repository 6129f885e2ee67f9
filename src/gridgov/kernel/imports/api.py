"""/api/v1/imports: the import jobs of every sheet kind.

* ``GET kinds`` — the kinds you may import (key, label, template address).
* ``GET kinds/{kind}/template`` — the .xlsx template of a kind.
* ``POST jobs`` — multipart ``file`` + ``kind`` + ``mode`` (``valid`` / ``all``) + the kind's
  parameters (``org`` for ``party_members``). Answers at once: 201 with the new job, or 200 with
  the job of the same submission (same file, kind, area, mode — or the same
  ``Idempotency-Key``), which is never imported twice. Per-file problems are a 400 and make no
  job. Poll ``GET jobs/{id}`` until ``status`` is ``done`` or ``failed``.
* ``GET jobs`` — your recent jobs; ``GET jobs/{id}`` — status, progress and counts.
* ``GET jobs/{id}/errors`` — the error sheet (.xlsx), or with ``format=json`` the first 1000
  problems as ``{row, column, reason}``.
* ``POST jobs/{id}/retry`` — run a failed job again.

Only your own jobs, and only where you may still import that kind: any other is a 404. The
kind-specific paths (``/rosters/imports``, ``/party/members/import``,
``/cases/import/hotline``) stay and run through the same jobs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.core.errors import ValidationFailed
from gridgov.core.excel import max_bytes
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut, RowErrorOut
from gridgov.kernel.imports import registry, selectors, services
from gridgov.kernel.imports.models import ImportJob
from gridgov.kernel.imports.views import xlsx

router = Router(tags=["imports"])
ERRORS_JSON_MAX = 1000


class KindOut(Schema):
    key: str
    label: str
    template: str


class ImportJobOut(Schema):
    id: int
    kind: str
    mode: str
    area_id: int | None
    filename: str
    status: str
    total_rows: int
    processed_rows: int
    percent: int
    created: int
    updated: int
    errors: int
    message: str
    has_error_sheet: bool
    result: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def job_out(job: ImportJob) -> dict[str, Any]:
    result = {k: v for k, v in (job.result or {}).items() if k != "errors"}
    return {
        "id": job.pk,
        "kind": job.kind,
        "mode": job.mode,
        "area_id": job.area_id,
        "filename": job.filename,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "percent": job.percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "errors": job.error_count,
        "message": job.message,
        "has_error_sheet": bool(job.error_count),
        "result": result,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.get("/kinds", response={200: list[KindOut], codes_4xx: ErrorOut})
def kinds(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _actor(request)
    return [
        {"key": k.key, "label": str(k.label), "template": f"/api/v1/imports/kinds/{k.key}/template"}
        for k in registry.all_kinds()
        if scoping.has_perm_anywhere(actor, k.perm)
    ]


@router.get("/kinds/{kind}/template", response={200: None, codes_4xx: ErrorOut})
def kind_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = registry.get(kind)
    spec.require(_actor(request), None, {})
    return xlsx(spec.template(), spec.template_name)


@router.post("/jobs", response={200: ImportJobOut, 201: ImportJobOut, codes_4xx: ErrorOut})
def job_create(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str],
    mode: Form[str] = "valid",
    org: Form[DbId | None] = None,
    client_token: Form[str] = "",
) -> tuple[int, dict[str, Any]]:
    """Upload a workbook of one kind; the background worker imports it (see the module text)."""
    actor = _actor(request)
    spec = registry.get(kind)
    params: dict[str, Any] = {"org": org} if org is not None else {}
    spec.require(actor, spec.resolve_area(actor, params), params)
    if file.size and file.size > max_bytes():
        msg = _("The file is too large.")
        raise ValidationFailed(msg, code="file_too_large", fields={"file": msg})
    token = (request.headers.get("Idempotency-Key") or client_token or "").strip()
    job, new = services.job_submit(
        actor=actor,
        kind=kind,
        filename=file.name or "",
        data=file.read(),
        mode=mode,
        params=params,
        client_token=token,
        sync_rows=0,
    )
    return (201 if new else 200), job_out(job)


@router.get("/jobs", response={200: list[ImportJobOut], codes_4xx: ErrorOut})
def job_list(request: HttpRequest, kind: str | None = None) -> list[dict[str, Any]]:
    actor = _actor(request)
    jobs = selectors.jobs_for(actor=actor, kind=kind)[:50]
    return [job_out(j) for j in jobs if selectors.may_see(actor, j)]


@router.get("/jobs/{int:job_id}", response={200: ImportJobOut, codes_4xx: ErrorOut})
def job_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(selectors.job_get_for(actor=_actor(request), pk=job_id))


@router.get("/jobs/{int:job_id}/errors", response={200: list[RowErrorOut], codes_4xx: ErrorOut})
def job_errors(request: HttpRequest, job_id: int, format: str = "xlsx") -> Any:
    if format != "json":
        data = selectors.job_error_sheet(actor=_actor(request), pk=job_id)
        return xlsx(data, f"import-{job_id}-errors.xlsx")
    return selectors.job_errors(actor=_actor(request), pk=job_id, limit=ERRORS_JSON_MAX)


@router.post("/jobs/{int:job_id}/retry", response={200: ImportJobOut, codes_4xx: ErrorOut})
def job_retry(request: HttpRequest, job_id: int) -> dict[str, Any]:
    return job_out(services.job_retry(actor=_actor(request), pk=job_id))
