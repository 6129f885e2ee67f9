"""Who may do what to a case, now. The services call :func:`require_action` before they change
anything; pages and the API call :func:`allowed_actions` so they never offer what the server
would refuse.

The checks, in order (the cases workflow, :data:`gridgov.cases.workflow.CASES`, runs 1 and 2
and asks :func:`authorize` for 3 and 4):

1. the state table (:data:`gridgov.cases.states.TRANSITIONS`) — the action must start from the
   case's status (otherwise :class:`~gridgov.core.errors.Conflict` ``action_not_allowed``);
2. action-specific preconditions, the table's guards (:mod:`gridgov.cases.preconditions`: a
   pending delay request to decide, none pending to ask for another, the handling deadline not
   yet passed for a delay request);
3. the permission the table names, held in the case's jurisdiction (its ``area_path``);
4. "is it my unit": CASE_HANDLE actions only for users of the assigned unit (a grant with
   CASE_HANDLE at ``assigned_area`` or an ancestor for area units, a department handler's
   grant in ``assigned_department`` for department units); RATE by the reporter themself or by
   staff with CASE_VERIFY recording a call-back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.cases import units, visibility
from gridgov.cases.models import Case
from gridgov.cases.states import Action
from gridgov.cases.workflow import CASES
from gridgov.core.errors import DomainError, PermissionDenied
from gridgov.kernel.workflow import Transition

# The actions a user may be offered, in the order a page shows them.
OFFERED: tuple[str, ...] = (
    Action.CHECK_CONFIRM,
    Action.CHECK_RESOLVE,
    Action.CHECK_REJECT,
    Action.CHECK_PASS_UP,
    Action.ACCEPT_DISPATCH,
    Action.ACCEPT,
    Action.REJECT,
    Action.MERGE,
    Action.DISPATCH,
    Action.SIGN,
    Action.REPLY,
    Action.REQUEST_DELAY,
    Action.APPROVE_DELAY,
    Action.DENY_DELAY,
    Action.RESUME,
    Action.RETURN,
    Action.ESCALATE,
    Action.REASSIGN,
    Action.VERIFY_PASS,
    Action.VERIFY_FAIL,
    Action.URGE,
    Action.RATE,
    Action.REOPEN,
    Action.COMMENT,
)

# Actions that only the people of the assigned unit may take.
UNIT_ACTIONS = frozenset(
    {
        Action.SIGN,
        Action.RETURN,
        Action.ESCALATE,
        Action.REQUEST_DELAY,
        Action.RESUME,
        Action.REPLY,
    }
)


def in_jurisdiction(user: Any, perm: str, case: Case) -> bool:
    """Does ``user`` hold ``perm`` for the case: over its area (by its copied path) through an
    area role, or through a department role of a department that holds or held it
    (:mod:`gridgov.cases.visibility`)? The area part is :func:`gridgov.accounts.scoping.can_path`,
    the rule of ``scoping.can``; ``Case.objects.visible_to`` lists by the same rule."""
    return visibility.allows(user, perm, case)


def is_reporter(user: Any, case: Case) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and case.reporter_id is not None
        and case.reporter_id == user.pk
    )


def _denied() -> PermissionDenied:
    return PermissionDenied(_("You may not do this on this case."))


def _not_my_unit() -> PermissionDenied:
    return PermissionDenied(
        _("This case is assigned to another unit."),
        code="not_your_unit",
    )


def check(*, case: Case, user: Any, action: str, now: datetime | None = None) -> DomainError | None:
    """The refusal :func:`require_action` would raise, or ``None`` if ``user`` may act.

    Pure (no audit entry): the UI calls this for every action it considers.
    """
    return CASES.check(case, user, str(action), now=now)


def authorize(*, case: Case, user: Any, transition: Transition) -> DomainError | None:
    """Who may take ``transition`` (its state and preconditions already hold): the reporter
    rates and comments; otherwise the permission the table names in the case's jurisdiction,
    and for the unit's own actions membership of the assigned unit."""
    action = transition.action
    if action == Action.RATE:
        if is_reporter(user, case) or in_jurisdiction(user, Perm.CASE_VERIFY, case):
            return None
        return _denied()
    if action == Action.COMMENT and is_reporter(user, case):
        return None
    if transition.perm is None or not in_jurisdiction(user, transition.perm, case):
        return _denied()
    if action in UNIT_ACTIONS and not units.is_unit_member(
        user=user, area=case.assigned_area, department=case.assigned_department
    ):
        return _not_my_unit()
    return None


def require_action(*, case: Case, user: Any, action: str, now: datetime | None = None) -> None:
    """Raise the refusal (Conflict for the state, PermissionDenied — audited — for who)."""
    error = check(case=case, user=user, action=action, now=now)
    if error is None:
        return
    if isinstance(error, PermissionDenied):
        from gridgov.audit.models import Event
        from gridgov.audit.services import audit_record

        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=user,
            target=case,
            target_repr=case.number,
            detail={"perm": str(action), "what": "case_action"},
        )
    raise error


def allowed_actions(*, case: Case, user: Any) -> list[str]:
    """The actions (Action values) ``user`` may take on ``case`` now, in display order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return CASES.allowed(case, user, OFFERED, now=timezone.now())
