"""The dispute services (writes): one function per action, keyword-only, actor first, each one
transaction through the kernel's :func:`~gridgov.kernel.workflow.apply_transition` (the target
from the table, version check, timeline entry, counters), raising
:class:`~gridgov.core.errors.DomainError` subclasses. Split by topic: :mod:`.register`
(registration, numbers, parties), :mod:`.lifecycle` (accept … close, risk) and
:mod:`.supervision` (extensions, urging)."""

from gridgov.mediation.disputes.services.common import PartyIn
from gridgov.mediation.disputes.services.lifecycle import (
    dispute_accept,
    dispute_assign,
    dispute_close,
    dispute_follow_up,
    dispute_outcome,
    dispute_refer,
    dispute_session_add,
    dispute_set_risk,
)
from gridgov.mediation.disputes.services.register import (
    dispute_party_add,
    dispute_register,
    next_dispute_number,
)
from gridgov.mediation.disputes.services.supervision import (
    dispute_decide_extension,
    dispute_request_extension,
    dispute_urge,
)

__all__ = [
    "PartyIn",
    "dispute_accept",
    "dispute_assign",
    "dispute_close",
    "dispute_decide_extension",
    "dispute_follow_up",
    "dispute_outcome",
    "dispute_party_add",
    "dispute_refer",
    "dispute_register",
    "dispute_request_extension",
    "dispute_session_add",
    "dispute_set_risk",
    "dispute_urge",
    "next_dispute_number",
]
