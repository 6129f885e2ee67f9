"""The one way a governed object changes state: :func:`apply_transition`.

It takes the target from the workflow's table, refuses a transition from a wrong state (a
Conflict, nothing written), updates the row only if it still has the version the actor saw
(otherwise the workflow's ``stale`` Conflict, code ``stale_version``, nothing written), bumps the
version, appends the timeline entry, moves the workflow's counters (its ``on_event`` hook) and
runs the notification step — inside the caller's transaction, or in one it opens.

Notifications: ``notify`` runs inside the transaction right after the entry (inbox rows are
part of the change and vanish with a rollback; :func:`gridgov.notifications.services.notify`
itself delivers external channels on commit); ``after_commit`` is handed to
``transaction.on_commit`` (work that must only happen once the change is durable).

Two batch forms keep the hot paths fast:

* :func:`apply_chain` — several transitions of ONE object at the same moment (the on-the-spot
  chain accept → dispatch → sign → reply → verify): every step's source checked against the
  state the previous step left, one ``UPDATE``, the entries in one insert, one counters call;
* :func:`apply_batch` — one transition of MANY objects (the sweeps: deadline passed, check
  timed out): one ``UPDATE`` for all, the entries in one insert, one counters call.

Entries are written with :mod:`gridgov.core.statements` (``new_row``/``insert_row``/
``insert_rows``), which saves the ORM's per-save compilation on the intake path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridgov.core.statements import insert_row, insert_rows, new_row
from gridgov.kernel.workflow.table import Transition, Workflow


def actor_label(actor: Any, default: str = "system") -> str:
    """The name kept on an entry: the username of a signed-in actor, else ``default``."""
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return default


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _atomic() -> Any:
    """The caller's transaction when there is one (no savepoint on the hot path), else a new
    one."""
    from django.db import connection

    return nullcontext() if connection.in_atomic_block else transaction.atomic()


def _row(workflow: Workflow, action: str) -> Transition:
    row = workflow.transition(action)
    if row is None:
        raise KeyError(f"{workflow.name}: no transition {action!r}")
    return row


def new_entry(
    workflow: Workflow,
    obj: Any,
    *,
    action: str,
    actor: Any,
    from_state: str,
    to_state: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> Any:
    """An unsaved timeline entry of ``workflow`` for ``obj``."""
    return new_row(
        workflow.entry_model,
        **{workflow.subject_field: obj},
        at=at or timezone.now(),
        action=str(action),
        actor=_user(actor),
        actor_name=actor_name or actor_label(actor),
        from_status=str(from_state),
        to_status=str(to_state or from_state),
        note=note,
        data=data or {},
    )


def record_entry(
    *,
    workflow: Workflow,
    obj: Any,
    action: str,
    actor: Any,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> Any:
    """Append one entry with no state change of its own (the first "reported" entry, a note,
    "another case merged in") and move the counters. Inside the caller's transaction."""
    entry = new_entry(
        workflow,
        obj,
        action=action,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
        at=at,
        actor_name=actor_name,
    )
    insert_row(entry)
    if workflow.on_event is not None:
        workflow.on_event(obj, entry)
    return entry


def _update(
    workflow: Workflow, obj: Any, fields: dict[str, Any], expected_version: int | None, steps: int
) -> None:
    qs = workflow.model._default_manager.filter(pk=obj.pk)
    vf = workflow.version_field
    if expected_version is not None:
        qs = qs.filter(**{vf: expected_version})
    if qs.update(**{vf: F(vf) + steps}, **fields) != 1:
        raise workflow.stale(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    base = expected_version if expected_version is not None else getattr(obj, vf)
    setattr(obj, vf, base + steps)


def apply_transition(
    *,
    workflow: Workflow,
    obj: Any,
    action: str,
    actor: Any,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
    notify: Callable[[], Any] | None = None,
    after_commit: Callable[[], Any] | None = None,
) -> Any:
    """Take ``action`` on ``obj``: its state becomes the table's target, ``changes`` are set,
    the version is bumped if it still is ``expected_version`` (``None``: the caller holds the
    row already, e.g. a sweep under ``select_for_update``), the timeline entry is appended and
    the counters move. ``obj`` is updated in memory to match the row. Returns the entry.

    Raises the workflow's ``not_allowed`` Conflict when ``obj`` is not in one of the action's
    source states and its ``stale`` Conflict when the version moved on; nothing is written then.
    Who may act is the caller's check (:meth:`Workflow.check`) — done before any input is read.
    """
    row = _row(workflow, action)
    from_state = workflow.state_of(obj)
    if from_state not in row.sources:
        raise workflow.not_allowed(obj, str(action))
    # A composite action's own entry marks where it began; its steps move the state.
    target = None if row.via else row.target_for(obj)
    now = at or timezone.now()
    fields: dict[str, Any] = dict(changes or {})
    if target is not None:
        fields[workflow.state_field] = target
    if workflow.updated_field:
        fields[workflow.updated_field] = now
    with _atomic():
        _update(workflow, obj, fields, expected_version, 1)
        if workflow.after_update is not None:
            workflow.after_update(obj, fields, now)
        entry = record_entry(
            workflow=workflow,
            obj=obj,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=target if target is not None else from_state,
            note=note,
            data=data,
            at=now,
            actor_name=actor_name,
        )
        if notify is not None:
            notify()
        if after_commit is not None:
            transaction.on_commit(after_commit, robust=True)
    return entry


@dataclass
class Step:
    """One transition of a chain (:func:`apply_chain`)."""

    action: str
    changes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def apply_chain(
    *,
    workflow: Workflow,
    obj: Any,
    steps: Sequence[Step],
    actor: Any,
    expected_version: int | None,
    at: datetime | None = None,
    actor_name: str = "",
) -> list[Any]:
    """Several transitions of one object at the same moment, as if taken one after the other
    (each step's source checked against the state the previous one left, one entry each, the
    version bumped once per step) but written in one ``UPDATE``, one insert and one counters
    call. Each entry's counters see the object as it was after its own step."""
    now = at or timezone.now()
    state = workflow.state_of(obj)
    fields: dict[str, Any] = {}
    pending: list[tuple[Any, Step, str, str]] = []
    future = copy.copy(obj)
    composite: Transition | None = None
    for step in steps:
        row = _row(workflow, step.action)
        if state not in row.sources:
            raise workflow.not_allowed(obj, str(step.action))
        if row.via and composite is None:
            composite = row
        target = None if row.via else row.target_for(future)
        to_state = target if target is not None else state
        for name, value in step.changes.items():
            setattr(future, name, value)
        setattr(future, workflow.state_field, to_state)
        pending.append((copy.copy(future), step, state, to_state))
        fields.update(step.changes)
        state = to_state
    if composite is not None and composite.target_for(obj) not in (None, state):
        raise ValueError(f"{workflow.name}: {composite.action} must end in {composite.target}")
    fields[workflow.state_field] = state
    if workflow.updated_field:
        fields[workflow.updated_field] = now
    with _atomic():
        _update(workflow, obj, fields, expected_version, len(pending))
        if workflow.after_update is not None:
            workflow.after_update(obj, fields, now)
        entries = [
            new_entry(
                workflow,
                obj,
                action=step.action,
                actor=actor,
                from_state=from_state,
                to_state=to_state,
                note=step.note,
                data=step.data,
                at=now,
                actor_name=actor_name,
            )
            for _snap, step, from_state, to_state in pending
        ]
        insert_rows(entries)
        if workflow.on_events is not None:
            workflow.on_events(
                [(snap, entry) for (snap, *_rest), entry in zip(pending, entries, strict=True)]
            )
    return entries


def apply_batch(
    *,
    workflow: Workflow,
    objs: Sequence[Any],
    action: str,
    changes: dict[str, Any] | None = None,
    data_for: Callable[[Any], dict[str, Any]] | None = None,
    at: datetime | None = None,
    actor: Any = None,
    actor_name: str = "system",
) -> list[Any]:
    """One transition of many objects (a sweep) that the caller holds: one ``UPDATE`` (only
    rows still in a source state; each one's version bumped), one entry each in one insert,
    one counters call. Objects not in a source state are skipped. Returns the entries."""
    row = _row(workflow, action)
    now = at or timezone.now()
    todo = [o for o in objs if workflow.state_of(o) in row.sources]
    if not todo:
        return []
    fields: dict[str, Any] = dict(changes or {})
    if workflow.updated_field:
        fields[workflow.updated_field] = now
    vf = workflow.version_field
    entries = []
    with _atomic():
        by_target: dict[str | None, list[Any]] = {}
        for o in todo:
            by_target.setdefault(row.target_for(o), []).append(o)
        for target, group in by_target.items():
            values = dict(fields)
            if target is not None:
                values[workflow.state_field] = target
            workflow.model._default_manager.filter(
                pk__in=[o.pk for o in group],
                **{f"{workflow.state_field}__in": list(row.sources)},
            ).update(**{vf: F(vf) + 1}, **values)
        for o in todo:
            from_state = workflow.state_of(o)
            target = row.target_for(o)
            for name, value in fields.items():
                setattr(o, name, value)
            if target is not None:
                setattr(o, workflow.state_field, target)
            setattr(o, vf, getattr(o, vf) + 1)
            entries.append(
                new_entry(
                    workflow,
                    o,
                    action=action,
                    actor=actor,
                    from_state=from_state,
                    to_state=target if target is not None else from_state,
                    data=data_for(o) if data_for is not None else {},
                    at=now,
                    actor_name=actor_name,
                )
            )
        insert_rows(entries)
        if workflow.on_events is not None:
            workflow.on_events([(o, e) for o, e in zip(todo, entries, strict=True)])
    return entries
