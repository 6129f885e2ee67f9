"""Transition tables: which action may start from which states, where it leads, who may take it.

A :class:`Workflow` is declared once per kind of governed work (cases, mediation …) and is the
one thing its services, its pages and its API ask:

* :meth:`Workflow.check` — may ``user`` take ``action`` on ``obj`` now? The state table first
  (a Conflict from the workflow's ``not_allowed``), then the transition's own guard (a
  precondition beyond the state, e.g. "a request is already waiting"), then the workflow's
  ``authorize`` (the permission the transition names, held where the object lives, and any
  "is it my unit" rule);
* :meth:`Workflow.target` — the state an action leads to, *from the table* (services never name
  it by hand); a transition may compute it from the object (e.g. an approved request leads to
  "suspended" or keeps the state, depending on what was asked).

System transitions (the sweep's "deadline passed", the first "reported" entry …) are declared
beside the user ones: they are never offered to, nor allowed for, a user, but
:func:`~gridgov.kernel.workflow.apply_transition` checks their sources like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models

from gridgov.core.errors import Conflict, DomainError

# A precondition beyond the state: (object, now) → the refusal, or None.
Guard = Callable[[Any, datetime | None], DomainError | None]
# The state an action leads to, computed from the object before the change.
TargetFn = Callable[[Any], str | None]


@dataclass(frozen=True)
class Transition:
    """One row of a transition table.

    ``target`` ``None``: the state does not change (a note, an urging, a request). ``perm`` is
    the permission (:class:`gridgov.accounts.roles.Perm`) to hold where the object lives;
    ``None`` for system transitions no user may take.

    ``via``: a composite action carried out as a chain of other transitions (e.g. "resolve on
    the spot" = accept → dispatch → sign → reply → verify); ``target`` is where the chain ends.
    Its own entry, if written, marks where it began and does not move the state
    (:func:`~gridgov.kernel.workflow.apply_chain` checks the chain ends at ``target``).
    """

    sources: frozenset[str]
    target: str | TargetFn | None
    perm: str | None
    guard: Guard | None = None
    action: str = ""
    via: tuple[str, ...] = ()

    def target_for(self, obj: Any) -> str | None:
        if callable(self.target):
            return self.target(obj)
        return None if self.target is None else str(self.target)

    def allows_from(self, state: str) -> bool:
        return state in self.sources


def table(rows: Mapping[str, Transition]) -> dict[str, Transition]:
    """The table with each row knowing its action name (for messages and the registry)."""
    out: dict[str, Transition] = {}
    for action, row in rows.items():
        name = str(action)
        out[name] = Transition(
            sources=frozenset(str(s) for s in row.sources),
            target=row.target if callable(row.target) or row.target is None else str(row.target),
            perm=None if row.perm is None else str(row.perm),
            guard=row.guard,
            action=name,
            via=tuple(str(v) for v in row.via),
        )
    return out


def states(values: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(v) for v in values)


def _default_not_allowed(obj: Any, action: str) -> DomainError:
    from django.utils.translation import gettext as _

    return Conflict(
        _("This action is not possible in the current state."), code="action_not_allowed"
    )


def _default_stale(obj: Any) -> DomainError:
    from django.utils.translation import gettext as _

    return Conflict(
        _("This was changed by someone else since you opened it. Reload it and try again."),
        code="stale_version",
    )


@dataclass
class Workflow:
    """A kind of governed work: its model, its table, its timeline and its hooks.

    ``entry_model`` is the concrete :class:`gridgov.kernel.timeline.TimelineEntry` whose
    ``subject_field`` points at the object. The hooks:

    * ``authorize(obj, user, transition)`` → refusal or None (who may act);
    * ``not_allowed(obj, action)`` / ``stale(obj)`` → the Conflict to raise (their messages
      name the object, e.g. the case number; codes ``action_not_allowed`` / ``stale_version``);
    * ``on_event(obj, entry)`` / ``on_events(pairs)`` → move the module's counters;
    * ``after_update(obj, fields, at)`` → facts kept beside the row (e.g. which departments
      held a case), inside the same transaction.
    """

    name: str
    model: type[models.Model]
    entry_model: type[models.Model]
    subject_field: str
    transitions: dict[str, Transition]
    system: dict[str, Transition] = field(default_factory=dict)
    state_field: str = "status"
    version_field: str = "version"
    updated_field: str | None = "updated_at"
    authorize: Callable[[Any, Any, Transition], DomainError | None] | None = None
    not_allowed: Callable[[Any, str], DomainError] = _default_not_allowed
    stale: Callable[[Any], DomainError] = _default_stale
    on_event: Callable[[Any, Any], None] | None = None
    on_events: Callable[[list[tuple[Any, Any]]], None] | None = None
    after_update: Callable[[Any, dict[str, Any], datetime], None] | None = None

    def __post_init__(self) -> None:
        self.transitions = table(self.transitions)
        self.system = table(self.system)
        both = set(self.transitions) & set(self.system)
        if both:
            raise ValueError(f"{self.name}: actions both user and system: {sorted(both)}")

    # --- The table ---------------------------------------------------------------------------

    def transition(self, action: str) -> Transition | None:
        """The row for ``action`` (user or system), or None."""
        key = str(action)
        return self.transitions.get(key) or self.system.get(key)

    def state_of(self, obj: Any) -> str:
        return str(getattr(obj, self.state_field))

    def target(self, action: str, obj: Any) -> str | None:
        """Where ``action`` leads ``obj`` (None: its state does not change)."""
        row = self.transition(action)
        if row is None:
            raise KeyError(action)
        return row.target_for(obj)

    def allowed_from(self, action: str, state: str) -> bool:
        row = self.transitions.get(str(action))
        return row is not None and state in row.sources

    # --- Who may act, now --------------------------------------------------------------------

    def check(
        self, obj: Any, user: Any, action: str, *, now: datetime | None = None
    ) -> DomainError | None:
        """The refusal for ``user`` taking ``action`` on ``obj`` now, or None. Pure: no audit,
        nothing written (pages call it for every action they consider)."""
        row = self.transitions.get(str(action))
        if row is None or self.state_of(obj) not in row.sources:
            return self.not_allowed(obj, str(action))
        if row.guard is not None:
            refusal = row.guard(obj, now)
            if refusal is not None:
                return refusal
        if self.authorize is not None:
            return self.authorize(obj, user, row)
        return None

    def allowed(
        self, obj: Any, user: Any, actions: Iterable[str], *, now: datetime | None = None
    ) -> list[str]:
        """Those of ``actions`` (in their order) that ``user`` may take now."""
        return [str(a) for a in actions if self.check(obj, user, a, now=now) is None]
