"""Helpers shared by the party services: the acting user for foreign keys, today's date, the
append-only :class:`~gridgov.party.models.PartyEvent`, and small field checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.core.errors import Code, ValidationFailed
from gridgov.party.models import PartyEvent, PartyMember, PartyOrg


def user_or_none(actor: Any) -> Any:
    """The actor as a user for a foreign key (``None`` for the system)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def today() -> date:
    return timezone.localdate()


def event(
    kind: str,
    *,
    actor: Any,
    org: PartyOrg | None = None,
    member: PartyMember | None = None,
    detail: dict[str, Any] | None = None,
) -> PartyEvent:
    """One history row. ``detail`` holds ids and field NAMES only, never ID or phone numbers."""
    return PartyEvent.objects.create(
        kind=kind, org=org, member=member, actor=user_or_none(actor), detail=detail or {}
    )


def required_text(value: str | None, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(_("This field is required."), fields={field: _("Required.")})
    if len(text) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise ValidationFailed(msg, fields={field: msg})
    return text


def optional_text(value: str | None, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise ValidationFailed(msg, fields={field: msg})
    return text


def not_future(day: date | None, *, field: str) -> None:
    if day is not None and day > today():
        msg = _("The date cannot be in the future.")
        raise ValidationFailed(msg, code=Code.DATE_IN_FUTURE, fields={field: msg})


# :func:`gridgov.accounts.scoping.require`, except for the system (``actor=None``).
require = scoping.require_unless_system
