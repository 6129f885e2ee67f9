"""Roster import jobs and exports.

:func:`import_start` checks the upload at once (permission, not an Excel file, too large, wrong
header row, a declared row count above ``GRIDGOV_EXCEL_MAX_ROWS`` — a per-file error, no job)
and records an :class:`~gridgov.rosters.models.ImportJob`. Small files are imported straight
away; larger ones by the background task :func:`gridgov.rosters.tasks.run_import` (enqueued on
commit), whose progress (``processed_rows`` of ``total_rows``) the job page polls.

Modes: ``valid`` writes the rows that pass and reports the others; ``all`` writes nothing
unless every row passes (one transaction). Every non-blank row ends up created, updated or in
the error sheet — nothing is dropped silently.

The error sheet repeats the user's rows exactly as uploaded (ID and phone numbers included, so
they can be corrected and uploaded again); it is only given to the user who uploaded it. Error
messages, logs, RosterEvents and the audit entry never hold an ID or phone number.

A client token (``client_token``) makes an upload idempotent: the same user sending the same
token again gets the first job back instead of a second import.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import excel
from gridgov.core.errors import NotFound, PermissionDenied, ValidationFailed
from gridgov.rosters.excel import LABELS, RUNNERS, SHEETS
from gridgov.rosters.excel.common import Context, Outcome
from gridgov.kernel.imports.models import ImportJob

logger = logging.getLogger("gridgov.rosters.imports")

MODES = ("valid", "all")
# Files declaring at most this many rows are imported during the upload request.
SYNC_ROWS = 2000
MAX_TOKEN = 64
_TOKEN_TTL = 24 * 3600


def _has_token_field() -> bool:
    return any(f.name == "client_token" for f in ImportJob._meta.get_fields())


def require_importer(actor: Any) -> None:
    """ROSTER_EDIT somewhere, or an audited 403 (before an upload is even looked at)."""
    if scoping.has_perm_anywhere(actor, Perm.ROSTER_EDIT):
        return
    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        detail={"perm": str(Perm.ROSTER_EDIT), "what": "roster_import"},
    )
    raise PermissionDenied(_("You may not import rosters."))


def check_kind(kind: str) -> str:
    if kind not in SHEETS:
        msg = _("Unknown roster.")
        raise ValidationFailed(msg, code="unknown_kind", fields={"kind": msg})
    return kind


def template_bytes(kind: str) -> bytes:
    """The .xlsx template of a roster: header row, example row, notes."""
    spec = SHEETS[check_kind(kind)]
    notes = spec.notes
    if kind == "tags":
        from gridgov.rosters.excel.tags import notes_with_types

        notes = notes_with_types()
    return excel.template(
        title=spec.title,
        headers=spec.headers,
        example=spec.example,
        notes=notes,
        text_columns=spec.text_columns,
    )


def job_for_token(actor: Any, token: str) -> ImportJob | None:
    """The actor's job uploaded with this client token, if any."""
    token = (token or "").strip()[:MAX_TOKEN]
    if not token:
        return None
    if _has_token_field():
        return ImportJob.objects.filter(actor=actor, **{"client_token": token}).first()
    pk = cache.get(f"rosters:import:{actor.pk}:{token}")
    return ImportJob.objects.filter(pk=pk, actor=actor).first() if pk else None


def import_start(
    *,
    actor: Any,
    kind: str,
    filename: str,
    data: bytes,
    mode: str,
    client_token: str = "",
) -> ImportJob:
    """Check the file and record the job; small files are imported before this returns."""
    require_importer(actor)
    check_kind(kind)
    if mode not in MODES:
        msg = _("Choose a mode.")
        raise ValidationFailed(_("Unknown import mode."), fields={"mode": msg})
    token = (client_token or "").strip()[:MAX_TOKEN]
    if token:
        earlier = job_for_token(actor, token)
        if earlier is not None:
            return earlier
    sheet = excel.Sheet(data, SHEETS[kind].headers)  # per-file errors raise here
    estimated = sheet.estimated_rows
    sheet.close()
    fields: dict[str, Any] = {"client_token": token} if token and _has_token_field() else {}
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=kind,
                mode=mode,
                actor=actor,
                filename=(filename or "upload.xlsx")[-200:],
                content=data,
                total_rows=estimated,
                **fields,
            )
    except IntegrityError:  # the same token sent twice at once: the other request won
        earlier = job_for_token(actor, token) if token else None
        if earlier is None:
            raise
        return earlier
    if token and not fields:
        cache.set(f"rosters:import:{actor.pk}:{token}", job.pk, _TOKEN_TTL)
    if estimated <= SYNC_ROWS:
        import_run(job.pk)
    else:
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    job.refresh_from_db()
    return job


def _enqueue(job_id: int) -> None:
    from gridgov.rosters.tasks import run_import

    run_import.enqueue(job_id=job_id)


def import_run(job_id: int) -> None:
    """Run one waiting job (the body of the background task). A job already taken is left
    alone, so a task delivered twice imports once."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    spec = SHEETS[job.kind]

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    ctx = Context(actor=job.actor, mode=job.mode, job_id=job.pk)
    outcome: Outcome | None = None
    message = ""
    try:
        sheet = excel.Sheet(bytes(job.content), spec.headers)
        try:
            outcome = RUNNERS[job.kind](ctx, sheet, progress)
        finally:
            sheet.close()
    except ValidationFailed as exc:
        message = exc.message
    except Exception:
        logger.exception("roster import job %s failed", job_id)  # no row data in the log
        message = _("The import failed unexpectedly; nothing more was written. Try again.")
    _finish(job, outcome, message)


def _finish(job: ImportJob, outcome: Outcome | None, message: str) -> None:
    now = timezone.now()
    if outcome is None:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=message, content=b"", finished_at=now
        )
        counts: dict[str, Any] = {"failed": True}
    else:
        errors = outcome.errors
        if job.mode == "all" and errors:
            message = _(
                "All or nothing: %(n)s rows have problems, so nothing was imported. "
                "Correct them in the error sheet and upload it again."
            ) % {"n": errors}
        sheet = (
            excel.error_sheet(
                title=SHEETS[job.kind].title, headers=SHEETS[job.kind].headers, rows=outcome.rows
            )
            if errors
            else None
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE,
            total_rows=outcome.total,
            processed_rows=outcome.total,
            created_count=outcome.created,
            updated_count=outcome.updated,
            error_count=errors,
            message=message,
            error_sheet=sheet,
            content=b"",
            finished_at=now,
        )
        counts = {
            "rows": outcome.total,
            "created": outcome.created,
            "updated": outcome.updated,
            "errors": errors,
        }
    audit_record(
        event=Event.ROSTER_IMPORTED,
        actor=job.actor,
        target=job,
        target_repr=f"{job.kind} #{job.pk}",
        detail={"kind": job.kind, "mode": job.mode, **counts},
    )


def job_get_for(*, actor: Any, pk: Any) -> ImportJob:
    """One of the actor's own import jobs (another user's is not found)."""
    job = ImportJob.objects.filter(pk=pk, actor=actor).defer("content", "error_sheet").first()
    if job is None:
        raise NotFound(_("Import not found."))
    return job


def job_error_sheet(*, actor: Any, pk: Any) -> bytes:
    """The error sheet of one of the actor's own jobs (the rows as they uploaded them)."""
    job = ImportJob.objects.filter(pk=pk, actor=actor).only("error_sheet").first()
    if job is None or not job.error_sheet:
        raise NotFound(_("There is no error sheet for this import."))
    return bytes(job.error_sheet)


def kind_label(kind: str) -> str:
    return str(LABELS.get(kind, kind))


# --- Export -----------------------------------------------------------------------------------


def export_sheet(
    *,
    actor: Any,
    kind: str,
    filters: dict[str, Any],
    unmasked: bool = False,
    reason: str = "",
) -> bytes:
    """The current filtered list in the template's layout (so it can be edited and imported
    again), masked unless ``unmasked`` (ROSTER_UNMASK + a reason: only the rows where the
    actor holds it). Needs ROSTER_EXPORT at the filter's area (or somewhere without one); rows
    are limited to the actor's ROSTER_EXPORT jurisdiction. Audited (PERSONAL_DATA_EXPORTED)."""
    from gridgov.rosters import privacy

    check_kind(kind)
    area = filters.get("area")
    if area is not None:
        scoping.require(actor, Perm.ROSTER_EXPORT, area, what=f"export:{kind}")
    elif not scoping.has_perm_anywhere(actor, Perm.ROSTER_EXPORT):
        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=actor,
            detail={"perm": str(Perm.ROSTER_EXPORT), "what": f"export:{kind}"},
        )
        raise PermissionDenied(_("You may not export rosters."))
    qs = _export_queryset(actor, kind, filters)
    qs = scoping.scope(qs, actor, Perm.ROSTER_EXPORT, path_field="area_path")
    if unmasked:
        qs = scoping.scope(qs, actor, Perm.ROSTER_UNMASK, path_field="area_path")
    count = qs.count()
    if count > excel.max_rows():
        msg = _("%(count)s rows match; narrow the filter to at most %(n)s.") % {
            "count": count,
            "n": excel.max_rows(),
        }
        raise ValidationFailed(msg, code="too_many_rows")
    privacy.record_export(  # checks ROSTER_UNMASK and the reason for an unmasked export
        actor=actor,
        kind=kind,
        count=count,
        unmasked=unmasked,
        reason=reason,
        filters=filters,
        area_path=getattr(area, "path", "") or "",
    )
    spec = SHEETS[kind]
    rows: Any
    if kind == "residents":
        from gridgov.rosters.excel.residents import export_rows

        rows = export_rows(qs.iterator(chunk_size=2000), unmask=unmasked)
    elif kind == "buildings":
        from gridgov.rosters.excel.buildings import export_rows as building_rows

        rows = building_rows(qs)
    else:
        from gridgov.rosters.excel.tags import export_rows as tag_rows

        rows = tag_rows(qs.iterator(chunk_size=2000), unmask=unmasked)
    return excel.write_rows(title=spec.title, headers=spec.headers, rows=rows)


def _export_queryset(actor: Any, kind: str, filters: dict[str, Any]) -> Any:
    from gridgov.areas.selectors import subtree_q
    from gridgov.rosters.models import Building, ResidentTag

    area = filters.get("area")
    if kind == "residents":
        from gridgov.rosters.selectors import resident_search_for

        allowed = {"q", "area", "tag", "household_type", "status", "residence_type"}
        qs = resident_search_for(actor=actor, **{k: v for k, v in filters.items() if k in allowed})
        return qs.select_related("area", "household__room__unit__building__estate").order_by(
            "area_path", "household_id", "relation", "id"
        )
    if kind == "buildings":
        from gridgov.rosters.excel.buildings import export_queryset

        bqs = scoping.scope(Building.objects.all(), actor, Perm.ROSTER_VIEW, path_field="area_path")
        if area is not None:
            bqs = bqs.filter(subtree_q(area.path, field="area_path"))
        return export_queryset(bqs.filter(is_active=True))
    tqs = scoping.scope(
        ResidentTag.objects.filter(end_on__isnull=True),
        actor,
        Perm.ROSTER_VIEW,
        path_field="area_path",
    )
    if area is not None:
        tqs = tqs.filter(subtree_q(area.path, field="area_path"))
    tag = filters.get("tag")
    if tag is not None:
        tqs = tqs.filter(tag_type=tag)
    # Sensitive groups only where the actor holds ROSTER_SENSITIVE.
    from django.db.models import Q

    tqs = tqs.filter(
        Q(tag_type__sensitive=False)
        | scoping.scope_q(actor, Perm.ROSTER_SENSITIVE, path_field="area_path")
    )
    return tqs.select_related("resident", "tag_type").order_by("area_path", "resident_id", "id")
