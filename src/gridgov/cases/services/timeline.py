"""The one way a case changes: a guarded, versioned update plus its timeline entry.

Every service in this package ends with :func:`apply_action`: it updates the case row only if it
still has the version the actor saw (optimistic concurrency: a stale action raises
:class:`~gridgov.core.errors.Conflict` and changes nothing), appends the
:class:`~gridgov.cases.models.CaseEvent`, and moves the maintained indicators, all inside the
caller's transaction.

Timeline entries are written with :func:`gridgov.core.statements.insert_row` (a statement
compiled once per process), which saves the ORM's per-save compilation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import indicators
from gridgov.cases.models import Case, CaseDepartment, CaseEvent
from gridgov.core.errors import Conflict
from gridgov.core.statements import insert_row, new_row


def actor_label(actor: Any, default: str = "system") -> str:
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return default


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
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = new_row(
        CaseEvent,
        case=case,
        at=at or timezone.now(),
        action=str(action),
        actor=user,
        actor_name=actor_name or actor_label(actor),
        from_status=str(from_status),
        to_status=str(to_status or from_status),
        note=note,
        data=data or {},
    )
    insert_row(event)
    indicators.on_event(case=case, event=event)
    return event


def count_events(pairs: list[tuple[Case, CaseEvent]]) -> None:
    """Move the indicators for many timeline entries written together (e.g. with
    ``bulk_create``): the same counting as :func:`record_event`, in a few statements."""
    indicators.on_events(pairs)


def record_department(case: Case, department: Any, at: datetime) -> None:
    """Remember that ``department`` holds (and so has held) ``case``: its handlers keep seeing
    the case after it moves on (see :mod:`gridgov.cases.visibility`)."""
    dept_id = department if isinstance(department, int) else department.pk
    CaseDepartment.objects.bulk_create(
        [CaseDepartment(case_id=case.pk, department_id=dept_id, first_at=at)],
        ignore_conflicts=True,
    )


def apply_action(
    *,
    case: Case,
    action: str,
    actor: Any,
    expected_version: int | None,
    to_status: str | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> CaseEvent:
    """Set ``changes`` (and ``status`` when ``to_status``) on ``case`` if its version is still
    ``expected_version`` (``None``: the caller holds the row already, e.g. the sweep), bump the
    version, and append the timeline entry. Must run inside ``transaction.atomic()``.

    ``case`` is updated in memory to match the row.
    """
    from_status = case.status
    fields: dict[str, Any] = dict(changes or {})
    if to_status is not None:
        fields["status"] = str(to_status)
    now = at or timezone.now()
    fields["updated_at"] = now
    qs = Case.objects.filter(pk=case.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    updated = qs.update(version=F("version") + 1, **fields)
    if updated != 1:
        raise Conflict(
            _(
                "Case %(number)s was changed by someone else since you opened it. "
                "Reload it and try again."
            )
            % {"number": case.number},
            code="stale_version",
        )
    for name, value in fields.items():
        setattr(case, name, value)
    case.version = (expected_version if expected_version is not None else case.version) + 1
    department = fields.get("assigned_department")
    if department is not None:
        record_department(case, department, now)
    return record_event(
        case=case,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=str(to_status) if to_status is not None else from_status,
        note=note,
        data=data,
        at=now,
        actor_name=actor_name,
    )
