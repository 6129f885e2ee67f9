"""The cases workflow, declared on the kernel (:mod:`gridgov.kernel.workflow`): the table of
:mod:`gridgov.cases.states`, the timeline (:class:`~gridgov.cases.models.CaseEvent`), who may
act (:func:`gridgov.cases.guards.authorize`), the refusals with the case number in them, and the
hooks — the maintained indicators (:func:`gridgov.cases.indicators.on_event` /
``on_events``) and the departments that held a case (:mod:`gridgov.cases.visibility`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from gridgov.cases import indicators
from gridgov.cases.models import Case, CaseDepartment, CaseEvent
from gridgov.cases.states import SYSTEM_TRANSITIONS, TRANSITIONS, Action
from gridgov.core.errors import Conflict, DomainError
from gridgov.kernel.workflow import Transition, Workflow


def not_allowed(case: Any, action: str) -> Conflict:
    label = Action(action).label if action in Action.values else action
    return Conflict(
        _("“%(action)s” is not possible for case %(number)s in its current state.")
        % {"action": label, "number": case.number},
        code="action_not_allowed",
    )


def stale(case: Any) -> Conflict:
    return Conflict(
        _(
            "Case %(number)s was changed by someone else since you opened it. "
            "Reload it and try again."
        )
        % {"number": case.number},
        code="stale_version",
    )


def _authorize(case: Any, user: Any, transition: Transition) -> DomainError | None:
    from gridgov.cases import guards

    return guards.authorize(case=case, user=user, transition=transition)


def record_department(case: Case, department: Any, at: datetime) -> None:
    """Remember that ``department`` holds (and so has held) ``case``: its handlers keep seeing
    the case after it moves on (see :mod:`gridgov.cases.visibility`)."""
    dept_id = department if isinstance(department, int) else department.pk
    CaseDepartment.objects.bulk_create(
        [CaseDepartment(case_id=case.pk, department_id=dept_id, first_at=at)],
        ignore_conflicts=True,
    )


def _after_update(case: Any, fields: dict[str, Any], at: datetime) -> None:
    department = fields.get("assigned_department")
    if department is not None:
        record_department(case, department, at)


def _on_event(case: Any, event: Any) -> None:
    indicators.on_event(case=case, event=event)


def _on_events(pairs: list[tuple[Any, Any]]) -> None:
    indicators.on_events(pairs)


CASES = Workflow(
    name="cases",
    model=Case,
    entry_model=CaseEvent,
    subject_field="case",
    transitions=TRANSITIONS,
    system=SYSTEM_TRANSITIONS,
    authorize=_authorize,
    not_allowed=not_allowed,
    stale=stale,
    on_event=_on_event,
    on_events=_on_events,
    after_update=_after_update,
)
