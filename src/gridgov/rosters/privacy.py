"""Personal data on the rosters: what is personal, the sensitive special groups, and the
rosters' names for the shared rules of :mod:`gridgov.core.pii`.

Every page, API response and export shows the stored masks (``id_number_masked``,
``phone_masked``) and :func:`display_name` (the name of a member of a sensitive special group
is masked). The clear values come only from :func:`unmask` (:func:`gridgov.core.pii.unmask`:
ROSTER_UNMASK at the record's area, a reason, one ``PERSONAL_DATA_VIEWED`` audit entry — never
the values). Exports report themselves through :func:`gridgov.core.pii.record_export`.
"""

from __future__ import annotations

from typing import Any

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import pii

# The personal fields of a resident (``Resident.PERSONAL_DATA``), all revealed by default.
UNMASK_FIELDS: tuple[str, ...] = ("name", "id_number", "phone")
MAX_REASON = pii.MAX_REASON

can_unmask = pii.can_unmask  # ROSTER_UNMASK at the path: the one rule for every app
record_export = pii.record_export


def display_name(obj: Any) -> str:
    """The name as shown by default: masked (``张*``) when ``obj.sensitive``."""
    name = str(getattr(obj, "name", "") or "")
    return pii.mask_name(name) if getattr(obj, "sensitive", False) else name


def can_see_sensitive(actor: Any, area_path: str) -> bool:
    """May ``actor`` see sensitive special groups at ``area_path`` (ROSTER_SENSITIVE there)?"""
    if scoping.is_global(actor):
        return True
    if not area_path:
        return False
    return any(
        area_path.startswith(p) for p in scoping.jurisdiction_paths(actor, Perm.ROSTER_SENSITIVE)
    )


def unmask(
    *, actor: Any, obj: Any, reason: str, fields: tuple[str, ...] | list[str] = UNMASK_FIELDS
) -> dict[str, str]:
    """:func:`gridgov.core.pii.unmask` of a resident (or any row declaring ``PERSONAL_DATA``),
    the audit naming it as shown (:func:`display_name`)."""
    return pii.unmask(
        actor=actor, obj=obj, reason=reason, fields=fields, target_repr=display_name(obj)
    )
