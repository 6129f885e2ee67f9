"""The disputes workflow, declared on the kernel (:mod:`gridgov.kernel.workflow`): the table of
:mod:`gridgov.mediation.disputes.states`, the timeline
(:class:`~gridgov.mediation.models.DisputeEvent`), who may act (:func:`authorize`: the
permission the table names, held at the dispute's area, and ``mediation.sensitive`` there for a
sensitive dispute), the refusals naming the dispute number, and the counters hooks
(:mod:`gridgov.mediation.numbers.counting`, when that module provides them)."""

from __future__ import annotations

import functools
import importlib
from typing import Any

from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core.errors import Conflict, DomainError, PermissionDenied
from gridgov.kernel.workflow import Transition, Workflow
from gridgov.mediation.disputes.states import SYSTEM_TRANSITIONS, TRANSITIONS, Action
from gridgov.mediation.models import Dispute, DisputeEvent


def action_label(action: str) -> str:
    return str(Action(action).label) if action in Action.values else action


def not_allowed(dispute: Any, action: str) -> Conflict:
    return Conflict(
        _("“%(action)s” is not possible for dispute %(number)s in its current state.")
        % {"action": action_label(action), "number": dispute.number},
        code="action_not_allowed",
    )


def stale(dispute: Any) -> Conflict:
    return Conflict(
        _(
            "Dispute %(number)s was changed by someone else since you opened it. "
            "Reload it and try again."
        )
        % {"number": dispute.number},
        code="stale_version",
    )


def in_jurisdiction(user: Any, perm: str, dispute: Any) -> bool:
    """Does ``user`` hold ``perm`` at the dispute's area (and, for a sensitive dispute,
    ``mediation.sensitive`` there)? The rule of ``Dispute.objects.visible_to``."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not scoping.can_path(user, perm, dispute.area_path):
        return False
    return not dispute.sensitive or scoping.can_path(
        user, Perm.MEDIATION_SENSITIVE, dispute.area_path
    )


def authorize(dispute: Any, user: Any, transition: Transition) -> DomainError | None:
    """Who may take ``transition`` (its state and guard already hold)."""
    if transition.perm is None or not in_jurisdiction(user, transition.perm, dispute):
        return PermissionDenied(_("You may not do this on this dispute."))
    return None


COUNTING = "gridgov.mediation.numbers.counting"


@functools.cache
def _counting(name: str) -> Any:
    """The counters hook ``name`` of :mod:`gridgov.mediation.numbers.counting`, or None while
    that module (the numbers part) does not provide it (looked up once per process)."""
    try:
        counting = importlib.import_module(COUNTING)
    except ModuleNotFoundError as exc:
        if exc.name != COUNTING:
            raise
        return None
    return getattr(counting, name, None)


def on_event(dispute: Any, event: Any) -> None:
    hook = _counting("on_event")
    if hook is not None:
        hook(dispute, event)


def on_events(pairs: list[tuple[Any, Any]]) -> None:
    hook = _counting("on_events")
    if hook is not None:
        hook(pairs)


DISPUTES = Workflow(
    name="disputes",
    model=Dispute,
    entry_model=DisputeEvent,
    subject_field="dispute",
    transitions=TRANSITIONS,
    system=SYSTEM_TRANSITIONS,
    authorize=authorize,
    not_allowed=not_allowed,
    stale=stale,
    on_event=on_event,
    on_events=on_events,
)
