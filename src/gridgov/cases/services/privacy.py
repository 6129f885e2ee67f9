"""Showing a case's typed-in personal data unmasked: with a reason, audited.

Titles, descriptions, addresses, notes, replies and rating comments are stored as typed and
masked whenever they are shown (:func:`gridgov.core.pii.mask_text`). Staff holding
``roster.unmask`` (Show and export personal data unmasked) in the case's jurisdiction may see
them in clear, together with the reporter's name and phone number, once per request through
:func:`case_unmask`, which writes a ``personal_data_viewed`` audit entry (who, which case, why —
never the values) through :mod:`gridgov.core.pii`.
"""

from __future__ import annotations

from typing import Any

from gridgov.cases.models import Case
from gridgov.core import pii

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
        pii.refuse(
            actor,
            what="case_unmask",
            area_path=case.area_path,
            target=case,
            target_repr=case.number,
        )
    pii.record_viewed(
        actor=actor,
        target=case,
        target_repr=case.number,
        area_path=case.area_path,
        fields=FIELDS,
        reason=pii.clean_reason(reason),
    )
