"""Showing a case's typed-in personal data unmasked: with a reason, audited.

Titles, descriptions, addresses, notes, replies and rating comments are stored as typed and
masked whenever they are shown (:func:`gridgov.core.pii.mask_text`). Staff holding
``roster.unmask`` (Show and export personal data unmasked) in the case's jurisdiction may see
them in clear, together with the reporter's name and phone number, once per request through
:func:`case_unmask`, which writes a ``personal_data_viewed`` audit entry (who, which case, why —
never the values).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.cases.models import Case
from gridgov.core import pii
from gridgov.core.errors import PermissionDenied

# What an unmask of a case reveals (the audit entry names these).
FIELDS = ("text", "reporter")


def can_unmask_case(actor: Any, case: Case) -> bool:
    """May ``actor`` reveal this case's personal data (``roster.unmask`` at the case's area)?"""
    return pii.can_unmask(actor, case.area_path)


def case_unmask(*, actor: Any, case: Case, reason: str) -> None:
    """Allow one clear view of ``case`` to ``actor``: permission at the case's area first (a
    refusal is audited and a PermissionDenied), then a reason (ValidationFailed on ``reason``
    when empty), then one ``personal_data_viewed`` entry. The caller then renders with
    ``pii.masker(reveal=True)`` for this response only."""
    if not can_unmask_case(actor, case):
        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=actor,
            target=case,
            target_repr=case.number,
            area=case.area,
            detail={"perm": str(Perm.ROSTER_UNMASK), "what": "case_unmask"},
        )
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    clean = pii.clean_reason(reason)
    with transaction.atomic():
        audit_record(
            event=Event.PERSONAL_DATA_VIEWED,
            actor=actor,
            target=case,
            target_repr=case.number,
            area=case.area,
            detail={"fields": list(FIELDS), "reason": clean},
        )
