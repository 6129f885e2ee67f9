"""The one way a case changes: the cases workflow (:data:`gridgov.cases.workflow.CASES`) on the
kernel's :func:`~gridgov.kernel.workflow.apply_transition`.

Every service in this package ends with :func:`apply_action`: the target state comes from the
table (:data:`gridgov.cases.states.TRANSITIONS`), a transition from a wrong state or a stale
``version`` raises :class:`~gridgov.core.errors.Conflict` and changes nothing, the
:class:`~gridgov.cases.models.CaseEvent` is appended and the maintained indicators move, all
inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.workflow import CASES, record_department
from gridgov.kernel.workflow import (
    Step,
    actor_label,
    apply_batch,
    apply_chain,
    apply_transition,
    record_entry,
)

__all__ = [
    "Step",
    "actor_label",
    "apply_action",
    "apply_case_batch",
    "apply_case_chain",
    "count_events",
    "record_department",
    "record_event",
]


def record_event(
    *,
    case: Case,
    action: str,
    actor: Any,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> CaseEvent:
    """Append one timeline entry (no state change of its own) and move the indicators."""
    entry: CaseEvent = record_entry(
        workflow=CASES,
        obj=case,
        action=action,
        actor=actor,
        from_state=from_status,
        to_state=to_status,
        note=note,
        data=data,
        at=at,
        actor_name=actor_name,
    )
    return entry


def count_events(pairs: list[tuple[Case, CaseEvent]]) -> None:
    """Move the indicators for many timeline entries written together (e.g. with
    ``insert_rows``): the same counting as :func:`record_event`, in a few statements."""
    assert CASES.on_events is not None
    CASES.on_events(list(pairs))


def apply_action(
    *,
    case: Case,
    action: str,
    actor: Any,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
    notify: Callable[[], Any] | None = None,
) -> CaseEvent:
    """Take ``action`` on ``case`` (the state from the table), set ``changes`` if its version is
    still ``expected_version`` (``None``: the caller holds the row already, e.g. the sweep),
    bump the version, append the timeline entry; ``notify`` runs after it, in the same
    transaction. ``case`` is updated in memory to match the row."""
    entry: CaseEvent = apply_transition(
        workflow=CASES,
        obj=case,
        action=action,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        note=note,
        data=data,
        at=at,
        actor_name=actor_name,
        notify=notify,
    )
    return entry


def apply_case_chain(
    *,
    case: Case,
    steps: Sequence[Step],
    actor: Any,
    expected_version: int | None,
    at: datetime | None = None,
) -> list[CaseEvent]:
    """Several transitions of ``case`` at one moment (:func:`~gridgov.kernel.workflow.apply_chain`)."""
    return apply_chain(
        workflow=CASES,
        obj=case,
        steps=steps,
        actor=actor,
        expected_version=expected_version,
        at=at,
    )


def apply_case_batch(
    *,
    cases: Sequence[Case],
    action: str,
    changes: dict[str, Any] | None = None,
    data_for: Callable[[Any], dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> list[CaseEvent]:
    """One system transition of many cases (:func:`~gridgov.kernel.workflow.apply_batch`)."""
    return apply_batch(
        workflow=CASES, objs=cases, action=action, changes=changes, data_for=data_for, at=at
    )
