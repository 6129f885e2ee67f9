"""Roster import jobs and exports.

:func:`import_start` checks the upload at once (permission, not an Excel file, too large, wrong
header row, a declared row count above ``GRIDGOV_EXCEL_MAX_ROWS`` — a per-file error, no job)
and records a kernel :class:`~gridgov.kernel.imports.models.ImportJob` (the roster sheets are
registered as kinds in :mod:`gridgov.rosters.import_kinds`). Small files are imported straight
away; larger ones by the background worker (:func:`gridgov.kernel.imports.tasks.run_import_job`,
enqueued on commit), whose progress (``processed_rows`` of ``total_rows``) the job page polls.

Modes: ``valid`` writes the rows that pass and reports the others; ``all`` writes nothing
unless every row passes (one transaction). Every non-blank row ends up created, updated or in
the error sheet — nothing is dropped silently.

The error sheet repeats the user's rows exactly as uploaded (ID and phone numbers included, so
they can be corrected and uploaded again); it is only given to the user who uploaded it. Error
messages, logs, RosterEvents and the audit entry never hold an ID or phone number.

A client token (``client_token``) makes an upload idempotent: the same user sending the same
token again gets the first job back instead of a second import; so does sending the same file
(same kind and mode) again, unless ``again`` asks for a new import on purpose.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import excel
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.kernel.imports import selectors as job_selectors
from gridgov.kernel.imports import services as jobs
from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters.excel import LABELS, SHEETS

logger = logging.getLogger("gridgov.rosters.imports")

MODES = ("valid", "all")
# Files declaring at most this many rows are imported during the upload request.
SYNC_ROWS = 2000
MAX_TOKEN = jobs.MAX_TOKEN


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
    return jobs.job_for_token(actor, token)


def import_start(
    *,
    actor: Any,
    kind: str,
    filename: str,
    data: bytes,
    mode: str,
    client_token: str = "",
    again: bool = False,
) -> ImportJob:
    """Check the file and record the job (:func:`gridgov.kernel.imports.services.job_start`);
    files of at most :data:`SYNC_ROWS` rows are imported before this returns."""
    require_importer(actor)
    check_kind(kind)
    return jobs.job_start(
        actor=actor,
        kind=kind,
        filename=filename,
        data=data,
        mode=mode,
        client_token=client_token,
        again=again,
        sync_rows=SYNC_ROWS,
    )


def import_run(job_id: int) -> None:
    """Run one waiting job (:func:`gridgov.kernel.imports.services.job_run`)."""
    jobs.job_run(job_id)


def job_get_for(*, actor: Any, pk: Any) -> ImportJob:
    """One of the actor's own import jobs (another user's is not found)."""
    return job_selectors.job_get_for(actor=actor, pk=pk)


def job_error_sheet(*, actor: Any, pk: Any) -> bytes:
    """The error sheet of one of the actor's own jobs (the rows as they uploaded them)."""
    return job_selectors.job_error_sheet(actor=actor, pk=pk)


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
