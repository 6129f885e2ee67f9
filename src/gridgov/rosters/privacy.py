"""Personal data on the rosters: masking by default, unmasking with a reason, and the audit.

Every page, API response and export shows the stored masks (``id_number_masked``,
``phone_masked``) and :func:`display_name` (the name of a member of a sensitive special group
is masked). The clear values come only from :func:`unmask`, which needs ROSTER_UNMASK at the
record's area and a reason, and writes one ``PERSONAL_DATA_VIEWED`` audit entry (who, whose
record, which fields, why) — never the values themselves. Exports report themselves through
:func:`record_export`.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, NoReturn

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import crypto, pii
from gridgov.core.errors import PermissionDenied, ValidationFailed

UNMASK_FIELDS: tuple[str, ...] = ("name", "id_number", "phone")
MAX_REASON = pii.MAX_REASON


def display_name(obj: Any) -> str:
    """The name as shown by default: masked (``张*``) when ``obj.sensitive``."""
    name = str(getattr(obj, "name", "") or "")
    return crypto.mask_name(name) if getattr(obj, "sensitive", False) else name


def _has_at_path(actor: Any, perm: str, area_path: str) -> bool:
    if scoping.is_global(actor):
        return True
    if not area_path:
        return False
    return any(area_path.startswith(p) for p in scoping.jurisdiction_paths(actor, perm))


can_unmask = pii.can_unmask  # ROSTER_UNMASK at the path: the one rule for every app


def can_see_sensitive(actor: Any, area_path: str) -> bool:
    """May ``actor`` see sensitive special groups at ``area_path`` (ROSTER_SENSITIVE there)?"""
    return _has_at_path(actor, Perm.ROSTER_SENSITIVE, area_path)


def _deny(actor: Any, perm: str, area_path: str, what: str) -> NoReturn:
    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        area=SimpleNamespace(path=area_path),
        detail={"perm": perm, "what": what},
    )
    raise PermissionDenied(_("You do not have permission to do this in this area."))


_clean_reason = pii.clean_reason


def _clear_value(obj: Any, field: str) -> str:
    if field == "name":
        return str(getattr(obj, "name", "") or "")
    token = getattr(obj, f"{field}_enc", "") or ""
    try:
        return crypto.decrypt(token)
    except ValueError:
        return ""


def unmask(
    *, actor: Any, obj: Any, reason: str, fields: tuple[str, ...] | list[str] = UNMASK_FIELDS
) -> dict[str, str]:
    """The clear values of ``fields`` of ``obj`` (a Resident, PartyMember, DualReport …: any
    row with ``*_enc`` columns and ``area_path``), audited.

    Needs ROSTER_UNMASK at ``obj.area_path`` (else PermissionDenied, itself audited) and a
    non-empty reason (else ValidationFailed on ``reason``). Fields the object does not have are
    refused; the audit entry names the fields and the reason, never the values.
    """
    area_path = str(getattr(obj, "area_path", "") or "")
    if not can_unmask(actor, area_path):
        _deny(actor, Perm.ROSTER_UNMASK, area_path, "unmask")
    clean_reason = _clean_reason(reason)
    wanted: list[str] = []
    for field in fields or UNMASK_FIELDS:
        has = hasattr(obj, "name") if field == "name" else hasattr(obj, f"{field}_enc")
        if field not in UNMASK_FIELDS or not has:
            msg = _("This field cannot be shown.")
            raise ValidationFailed(msg, code="unknown_field", fields={"fields": msg})
        if field not in wanted:
            wanted.append(field)
    values = {f: _clear_value(obj, f) for f in wanted}
    with transaction.atomic():
        audit_record(
            event=Event.PERSONAL_DATA_VIEWED,
            actor=actor,
            target=obj,
            target_repr=display_name(obj),
            area=SimpleNamespace(path=area_path),
            detail={"fields": wanted, "reason": clean_reason},
        )
    return values


_DIGITS = re.compile(r"\d{4,}")


def _safe_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters of an export as recorded: a search term holding a number is hidden."""
    safe: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if isinstance(value, str) and _DIGITS.search(value):
            value = "***"
        elif not isinstance(value, (str, int, float, bool, type(None))):
            value = str(getattr(value, "pk", value))
        safe[str(key)] = value
    return safe


def record_export(
    *,
    actor: Any,
    kind: str,
    count: int,
    unmasked: bool,
    reason: str,
    filters: dict[str, Any],
    area_path: str = "",
) -> None:
    """Write the ``PERSONAL_DATA_EXPORTED`` audit entry of one export.

    The caller has checked ROSTER_EXPORT at the filter's area. An unmasked export needs a
    reason and ROSTER_UNMASK at ``area_path`` (the filter's area; without it, anywhere — the
    caller then scopes the rows by ROSTER_UNMASK). Filter values holding numbers (a searched
    ID or phone number) are not written.
    """
    if unmasked:
        allowed = (
            can_unmask(actor, area_path)
            if area_path
            else scoping.has_perm_anywhere(actor, Perm.ROSTER_UNMASK)
        )
        if not allowed:
            _deny(actor, Perm.ROSTER_UNMASK, area_path, f"export:{kind}")
        reason = _clean_reason(reason)
    else:
        reason = " ".join((reason or "").split())[:MAX_REASON]
    audit_record(
        event=Event.PERSONAL_DATA_EXPORTED,
        actor=actor,
        target_repr=str(kind)[:200],
        area=SimpleNamespace(path=area_path),
        detail={
            "kind": str(kind),
            "count": int(count),
            "unmasked": bool(unmasked),
            "reason": reason,
            "filters": _safe_filters(filters),
        },
    )
