"""Shared steps of the dispute services: the party input, text checks, the guard with the
version the actor saw (state table, precondition, permission at the dispute's area — a refusal
of who is audited), and the one call into the kernel that changes a dispute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.errors import Code, PermissionDenied, ValidationFailed
from gridgov.kernel.workflow import apply_transition
from gridgov.mediation.disputes.workflow import DISPUTES
from gridgov.mediation.models import Dispute, DisputeEvent

MAX_TEXT = 4000
MAX_NOTE = 2000


@dataclass
class PartyIn:
    """One party as typed in: a roster resident (``resident``) or an outsider."""

    name: str
    role: str = "applicant"
    id_number: str = ""
    phone: str = ""
    address: str = ""
    resident: Any = None


def clean_text(
    value: str | None, field: str, *, required: bool = False, limit: int = MAX_NOTE
) -> str:
    text = (value or "").strip()
    if required and not text:
        msg = _("This field is required.")
        raise ValidationFailed(msg, code=Code.REQUIRED, fields={field: msg})
    if len(text) > limit:
        msg = _("At most %(n)d characters.") % {"n": limit}
        raise ValidationFailed(_("The text is too long."), code=Code.TOO_LONG, fields={field: msg})
    return text


def choice(value: str | None, field: str, allowed: list[str], *, required: bool = True) -> str:
    text = str(value or "").strip()
    if not text and not required:
        return ""
    if text not in allowed:
        msg = _("Choose one of the listed values.")
        raise ValidationFailed(msg, fields={field: msg})
    return text


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def guard(dispute: Dispute, actor: Any, action: str, version: int | None, now: datetime) -> None:
    """Refuse before anything is read or written: a stale ``version`` (409 ``stale_version``),
    a wrong state (409 ``action_not_allowed``), a failed precondition, or an actor without the
    permission at the dispute's area (403, audited)."""
    if version is not None and dispute.version != version:
        raise DISPUTES.stale(dispute)
    error = DISPUTES.check(dispute, actor, str(action), now=now)
    if error is None:
        return
    if isinstance(error, PermissionDenied):
        from gridgov.audit.models import Event
        from gridgov.audit.services import audit_record

        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=actor,
            target=dispute,
            target_repr=dispute.number,
            detail={"perm": str(action), "what": "dispute_action"},
        )
    raise error


def apply(
    *,
    dispute: Dispute,
    action: str,
    actor: Any,
    version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    notify: Callable[[], Any] | None = None,
) -> DisputeEvent:
    """Take ``action`` on ``dispute`` through the kernel (target from the table, version
    checked and bumped, timeline entry, counters), inside the caller's transaction."""
    entry: DisputeEvent = apply_transition(
        workflow=DISPUTES,
        obj=dispute,
        action=action,
        actor=actor,
        expected_version=version,
        changes=changes,
        note=note,
        data=data,
        at=at,
        notify=notify,
    )
    return entry
