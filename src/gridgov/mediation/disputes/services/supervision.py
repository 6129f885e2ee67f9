"""Supervision of disputes: extensions (requested by the mediator, decided by a supervisor with
``mediation.supervise``) and urging (督办). The deadline sweep is
:mod:`gridgov.mediation.disputes.sweep`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core.errors import Code, ValidationFailed
from gridgov.mediation.disputes import notify as notes
from gridgov.mediation.disputes.services.common import apply, clean_text, guard, now_or
from gridgov.mediation.disputes.services.lifecycle import deadline_changes
from gridgov.mediation.disputes.states import Action
from gridgov.mediation.models import Dispute
from gridgov.workcal import selectors as workcal

MAX_EXTENSION_DAYS = 30


def dispute_request_extension(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    days: int,
    reason: str,
    now: datetime | None = None,
) -> Dispute:
    """申请延期: 1–30 more working days, with the reason; a supervisor decides."""
    now = now_or(now)
    guard(dispute, actor, Action.REQUEST_EXTENSION, version, now)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        msg = _("Between 1 and %(max)d working days.") % {"max": MAX_EXTENSION_DAYS}
        raise ValidationFailed(msg, code=Code.OUT_OF_RANGE, fields={"days": msg})
    reason = clean_text(reason, "reason", required=True)
    request = {
        "days": days,
        "reason": reason,
        "by": getattr(actor, "pk", None),
        "at": now.isoformat(),
    }
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.REQUEST_EXTENSION,
            actor=actor,
            version=version,
            changes={"pending_extension": request},
            note=reason,
            data={"days": days},
            at=now,
        )
        notes.extension_requested(dispute, actor=actor, reason=reason)
    return dispute


def dispute_decide_extension(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> Dispute:
    """批准/驳回 the pending request. Approved: the deadline moves by the requested working days
    (from the current deadline) and an overdue mark is lifted. Refused: a note is required."""
    now = now_or(now)
    action = Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION
    guard(dispute, actor, action, version, now)
    note = clean_text(note, "note", required=not approve)
    request = dict(dispute.pending_extension or {})
    days = int(request.get("days") or 0)
    changes: dict[str, Any] = {"pending_extension": {}}
    if approve:
        due = workcal.add_working_time(dispute.due_at or now, days, "days")
        changes.update(deadline_changes(dispute, due))
        changes["extended_days"] = dispute.extended_days + days
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=action,
            actor=actor,
            version=version,
            changes=changes,
            note=note,
            data={"days": days, "approved": bool(approve)},
            at=now,
        )
        notes.extension_decided(dispute, actor=actor, approved=bool(approve), note=note)
    return dispute


def dispute_urge(
    *,
    actor: Any,
    dispute: Dispute,
    message: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Dispute:
    """督办: a supervisor presses the mediator. Without ``version`` it acts on the dispute as it
    is now (urging does not depend on what the supervisor saw)."""
    now = now_or(now)
    message = clean_text(message, "message", required=True)
    # Permission first, outside the transaction, so a refusal's audit entry is kept.
    guard(dispute, actor, Action.URGE, version, now)
    with transaction.atomic():
        if version is None:
            current = (
                Dispute.objects.select_for_update()
                .filter(pk=dispute.pk)
                .values_list("version", flat=True)
                .get()
            )
            if current != dispute.version:
                dispute.refresh_from_db()
                guard(dispute, actor, Action.URGE, None, now)
            version = current
        apply(
            dispute=dispute,
            action=Action.URGE,
            actor=actor,
            version=version,
            changes={"urge_count": dispute.urge_count + 1},
            note=message,
            data={"count": dispute.urge_count + 1},
            at=now,
        )
        notes.urged(dispute, actor=actor, message=message)
    return dispute
