"""The case lifecycle: accept … reopen. One function per action (see gridgov.cases.states).

Every function: :func:`gridgov.cases.guards.require_action` (state table + permission in the
case's jurisdiction + "is it my unit") → input checks → ``transaction.atomic()`` → the change
through :func:`gridgov.cases.services.timeline.apply_action` (versioned: a stale ``version``
raises Conflict ``stale_version`` and changes nothing) → notifications in the same transaction
(external delivery on commit). ``now`` may be passed to fix the clock (imports, tests).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.models import Department
from gridgov.areas.models import Area
from gridgov.cases import guards
from gridgov.cases import notify as notes
from gridgov.cases.models import Case
from gridgov.cases.services.lifecycle_common import (
    assign_changes,
    clean_text,
    guard,
    now_or,
    set_watch,
)
from gridgov.cases.services.timeline import apply_action, record_event
from gridgov.cases.states import (
    OPEN_STATES,
    TRANSITIONS,
    Action,
    HandlingLevel,
)
from gridgov.cases.units import Target, escalation_target, resolve_target
from gridgov.core.errors import ValidationFailed
from gridgov.workcal.selectors import add_working_time

# --- Triage: accept, reject, merge ------------------------------------------------------------


def case_accept(
    *, actor: Any, case: Case, version: int, note: str = "", now: datetime | None = None
) -> Case:
    """受理/立案: a reported case becomes a case to dispatch."""
    now = now_or(now)
    guard(case, actor, Action.ACCEPT, version, now)
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.ACCEPT,
            actor=actor,
            expected_version=version,
            # watch_at: a report taken over before the grid worker's check (待核实) ends its
            # check deadline.
            changes={"accepted_at": now, "watch_at": None},
            note=note,
            at=now,
        )
        notes.accepted(case, actor=actor)
    return case


def case_reject(
    *, actor: Any, case: Case, version: int, reason: str, now: datetime | None = None
) -> Case:
    """不予受理, with the reason the reporter is told."""
    now = now_or(now)
    guard(case, actor, Action.REJECT, version, now)
    reason = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.REJECT,
            actor=actor,
            expected_version=version,
            changes={"watch_at": None},
            note=reason,
            data={"reason": reason},
            at=now,
        )
        notes.rejected(case, actor=actor, reason=reason)
    return case


def case_merge(
    *,
    actor: Any,
    case: Case,
    into: Case,
    version: int,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """并单: ``case`` is a duplicate of the open case ``into``; both timelines are kept."""
    now = now_or(now)
    guard(case, actor, Action.MERGE, version, now)
    note = clean_text(note, "note", required=False)
    if into.pk == case.pk:
        raise ValidationFailed(
            _("A case cannot be merged into itself."),
            fields={"into": _("Choose another case.")},
        )
    into = Case.objects.select_related("reporter").get(pk=into.pk)
    if into.status not in OPEN_STATES or into.merged_into_id is not None:
        raise ValidationFailed(
            _("Cases can only be merged into an open case."),
            fields={"into": _("This case is closed or merged.")},
        )
    if not guards.in_jurisdiction(actor, str(TRANSITIONS[Action.MERGE].perm), into):
        raise ValidationFailed(
            _("Cases can only be merged within your jurisdiction."),
            fields={"into": _("Not found, or outside your jurisdiction.")},
        )
    # No cycles: the survivor must not (through earlier merges) lead back to this case.
    seen = {case.pk}
    cursor: Case | None = into
    while cursor is not None:
        if cursor.pk in seen:
            raise ValidationFailed(
                _("These cases are already merged the other way."),
                fields={"into": _("Choose another case.")},
            )
        seen.add(cursor.pk)
        cursor = cursor.merged_into
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.MERGE,
            actor=actor,
            expected_version=version,
            changes={"merged_into": into, "watch_at": None},
            note=note,
            data={"into": into.pk, "into_number": into.number},
            at=now,
        )
        record_event(
            case=into,
            action=Action.MERGED_IN,
            actor=actor,
            from_status=into.status,
            note=note,
            data={"merged": case.pk, "merged_number": case.number},
            at=now,
        )
        notes.merged(case, into, actor=actor)
    return case


def case_accept_dispatch(
    *,
    actor: Any,
    case: Case,
    version: int,
    to_area: Area | None = None,
    to_department: Department | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """受理并派单: accept a reported case and dispatch it in one step — one check, one
    transaction, and the timeline's two entries (accept, then dispatch, at the same moment), so
    the indicators, notifications and the timeline read as if done one after the other. The
    unit is checked before anything changes."""
    now = now_or(now)
    guard(case, actor, Action.ACCEPT_DISPATCH, version, now)
    note = clean_text(note, "note", required=False)
    target = resolve_target(actor=actor, case=case, to_area=to_area, to_department=to_department)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.ACCEPT,
            actor=actor,
            expected_version=version,
            changes={"accepted_at": now},
            data={"one_step": True},
            at=now,
        )
        notes.accepted(case, actor=actor)
        _write_assignment(case, actor, Action.DISPATCH, case.version, target, note, now, True)
    return case


# --- Dispatch: dispatch, reassign, escalate, sign, return -------------------------------------


def case_dispatch(
    *,
    actor: Any,
    case: Case,
    version: int,
    to_area: Area | None = None,
    to_department: Department | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """派单 to an area at a handling level or to a department; starts the sign-for clock."""
    now = now_or(now)
    guard(case, actor, Action.DISPATCH, version, now)
    return _assign(case, actor, Action.DISPATCH, version, to_area, to_department, note, now)


def case_reassign(
    *,
    actor: Any,
    case: Case,
    version: int,
    to_area: Area | None = None,
    to_department: Department | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """改派: a dispatcher moves an assigned or in-progress case to another unit."""
    now = now_or(now)
    guard(case, actor, Action.REASSIGN, version, now)
    return _assign(case, actor, Action.REASSIGN, version, to_area, to_department, note, now)


def _assign(
    case: Case,
    actor: Any,
    action: str,
    version: int,
    to_area: Area | None,
    to_department: Department | None,
    note: str,
    now: datetime,
) -> Case:
    note = clean_text(note, "note", required=False)
    target = resolve_target(actor=actor, case=case, to_area=to_area, to_department=to_department)
    if action == Action.REASSIGN and (
        target.area_id == case.assigned_area_id
        and target.department_id == case.assigned_department_id
    ):
        raise ValidationFailed(
            _("The case is already assigned to this unit."),
            fields={"to_area" if target.area else "to_department": _("Choose another unit.")},
        )
    with transaction.atomic():
        _write_assignment(case, actor, action, version, target, note, now)
    return case


def _write_assignment(
    case: Case,
    actor: Any,
    action: str,
    version: int,
    target: Target,
    note: str,
    now: datetime,
    one_step: bool = False,
) -> None:
    """The assignment to ``target`` (dispatch, reassignment …) with its sign-for clock, timeline
    entry and notice, inside the caller's transaction; ``one_step``: part of 受理并派单."""
    changes = assign_changes(case, target, now)
    set_watch(case, changes, action, now)
    data = {**target.as_data(), "sign_due_at": changes["sign_due_at"].isoformat()}
    if one_step:
        data["one_step"] = True
    apply_action(
        case=case,
        action=action,
        actor=actor,
        expected_version=version,
        changes=changes,
        note=note,
        data=data,
        at=now,
    )
    notes.assigned(case, actor=actor)


def case_escalate(
    *, actor: Any, case: Case, version: int, note: str, now: datetime | None = None
) -> Case:
    """上报上级: the assigned unit hands the case to the next handling level up."""
    now = now_or(now)
    guard(case, actor, Action.ESCALATE, version, now)
    note = clean_text(note, "note", required=True)
    target = escalation_target(case)
    changes = assign_changes(case, target, now)
    set_watch(case, changes, Action.ESCALATE, now)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.ESCALATE,
            actor=actor,
            expected_version=version,
            changes=changes,
            note=note,
            data={
                **target.as_data(),
                "from_area": case.assigned_area_id,
                "from_department": case.assigned_department_id,
            },
            at=now,
        )
        notes.escalated(case, actor=actor, note=note)
    return case


def case_sign(*, actor: Any, case: Case, version: int, now: datetime | None = None) -> Case:
    """签收: the handler takes the case; the handling clock starts now."""
    now = now_or(now)
    guard(case, actor, Action.SIGN, version, now)
    category = case.category
    on_time = case.sign_due_at is None or now <= case.sign_due_at
    changes: dict[str, Any] = {
        "handler": actor,
        "signed_at": now,
        "handle_due_at": add_working_time(now, category.handle_limit, category.handle_unit),
        "due_soon": False,
    }
    set_watch(case, changes, Action.SIGN, now)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.SIGN,
            actor=actor,
            expected_version=version,
            changes=changes,
            data={"on_time": on_time, "handle_due_at": changes["handle_due_at"].isoformat()},
            at=now,
        )
    return case


def case_return(
    *, actor: Any, case: Case, version: int, reason: str, now: datetime | None = None
) -> Case:
    """退单: the unit sends the case back to the dispatcher (wrong unit, not its business)."""
    now = now_or(now)
    guard(case, actor, Action.RETURN, version, now)
    reason = clean_text(reason, "reason", required=True)
    data = {"from_area": case.assigned_area_id, "from_department": case.assigned_department_id}
    changes: dict[str, Any] = {
        "assigned_area": None,
        "assigned_department": None,
        "assigned_level": None,
        "handler": None,
        "sign_due_at": None,
        "handle_due_at": None,
        "sign_overdue": False,
        "handle_overdue": False,
        "due_soon": False,
        "pending_delay": {},
        "watch_at": None,
        "return_count": case.return_count + 1,
    }
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.RETURN,
            actor=actor,
            expected_version=version,
            changes=changes,
            note=reason,
            data={**data, "reason": reason},
            at=now,
        )
        notes.returned(case, actor=actor, reason=reason)
    return case


from gridgov.cases.services.handling import (  # noqa: E402  (one import path for callers)
    case_comment,
    case_decide_delay,
    case_rate,
    case_reopen,
    case_reply,
    case_request_delay,
    case_resume,
    case_urge,
    case_verify,
)

__all__ = [
    "HandlingLevel",
    "case_accept",
    "case_accept_dispatch",
    "case_comment",
    "case_decide_delay",
    "case_dispatch",
    "case_escalate",
    "case_merge",
    "case_rate",
    "case_reassign",
    "case_reject",
    "case_reopen",
    "case_reply",
    "case_request_delay",
    "case_resume",
    "case_return",
    "case_sign",
    "case_urge",
    "case_verify",
]
