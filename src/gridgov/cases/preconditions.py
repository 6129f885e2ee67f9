"""Preconditions of case transitions beyond the state (the ``guard`` of a row of
:data:`gridgov.cases.states.TRANSITIONS`): each takes the case and the moment and returns the
refusal, or ``None``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.errors import Conflict, DomainError


def no_request_pending(case: Any, now: datetime | None) -> DomainError | None:
    """申请延期/挂起: none waiting already, and only before the handling deadline."""
    if case.pending_delay:
        return Conflict(
            _("A request for this case is already waiting for a decision."),
            code="delay_pending",
        )
    moment = now or timezone.now()
    if case.handle_due_at is not None and moment >= case.handle_due_at:
        return Conflict(
            _("An extension can only be requested before the handling deadline."),
            code="deadline_passed",
        )
    return None


def request_pending(case: Any, now: datetime | None) -> DomainError | None:
    """批准/驳回: there must be a request to decide."""
    if not case.pending_delay:
        return Conflict(_("There is no request to decide."), code="no_delay_request")
    return None
