"""The handling part of the case lifecycle: delays (延期/挂起), resume, reply (办理反馈), verify
(核查), urge (督办), rate (评价/回访), reopen (重办), comment. Same shape as :mod:`.lifecycle`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.cases import guards
from gridgov.cases import notify as notes
from gridgov.cases.models import Case
from gridgov.cases.services.lifecycle_common import (
    MAX_DELAY,
    REOPEN_POLICIES,
    assign_changes,
    attach,
    clean_text,
    guard,
    now_or,
    set_watch,
)
from gridgov.cases.services.timeline import apply_action, record_event
from gridgov.cases.states import (
    Action,
    Rating,
)
from gridgov.cases.units import Target
from gridgov.core.errors import ValidationFailed
from gridgov.workcal.selectors import (
    add_working_seconds,
    add_working_time,
    working_seconds_between,
)

# --- Handling: delays, resume, reply, verify --------------------------------------------------


def case_request_delay(
    *,
    actor: Any,
    case: Case,
    version: int,
    kind: str,
    amount: int,
    unit: str,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """申请延期/挂起, before the handling deadline; a supervisor decides."""
    now = now_or(now)
    guard(case, actor, Action.REQUEST_DELAY, version, now)
    reason = clean_text(reason, "reason", required=True)
    if kind not in ("extend", "suspend"):
        raise ValidationFailed(
            _("Choose an extension or a suspension."), fields={"kind": _("Unknown kind.")}
        )
    if unit not in MAX_DELAY:
        raise ValidationFailed(
            _("Choose working hours or working days."), fields={"unit": _("Unknown unit.")}
        )
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = 0
    if kind == "extend" and not 1 <= amount <= MAX_DELAY[unit]:
        raise ValidationFailed(
            _("The extension must be between 1 and %(max)d.") % {"max": MAX_DELAY[unit]},
            fields={"amount": _("Out of range.")},
        )
    request = {
        "kind": kind,
        "amount": amount if kind == "extend" else 0,
        "unit": unit,
        "reason": reason,
        "by": getattr(actor, "pk", None),
        "at": now.isoformat(),
    }
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.REQUEST_DELAY,
            actor=actor,
            expected_version=version,
            changes={"pending_delay": request},
            note=reason,
            data={k: request[k] for k in ("kind", "amount", "unit")},
            at=now,
        )
        notes.delay_requested(case, actor=actor, reason=reason)
    return case


def case_decide_delay(
    *,
    actor: Any,
    case: Case,
    version: int,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """批准/驳回 a pending request. An approved extension moves the handling deadline by the
    requested working time; an approved suspension stops the clock (SUSPENDED)."""
    now = now_or(now)
    action = Action.APPROVE_DELAY if approve else Action.DENY_DELAY
    guard(case, actor, action, version, now)
    note = clean_text(note, "note", required=not approve)
    request = dict(case.pending_delay)
    changes: dict[str, Any] = {"pending_delay": {}}
    if approve and request.get("kind") == "extend":
        base = case.handle_due_at or now
        changes["handle_due_at"] = add_working_time(base, int(request["amount"]), request["unit"])
        changes["handle_overdue"] = False
        changes["due_soon"] = False
    elif approve:  # a suspension: the table leads to SUSPENDED
        changes["suspended_at"] = now
    set_watch(case, changes, action, now)
    data = {"kind": request.get("kind"), "amount": request.get("amount"), "approved": approve}
    if "handle_due_at" in changes:
        data["handle_due_at"] = changes["handle_due_at"].isoformat()
    with transaction.atomic():
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
        notes.delay_decided(case, actor=actor, approved=approve, note=note)
    return case


def case_resume(
    *, actor: Any, case: Case, version: int, note: str = "", now: datetime | None = None
) -> Case:
    """恢复办理: the handling deadline moves by the working time spent suspended."""
    now = now_or(now)
    guard(case, actor, Action.RESUME, version, now)
    note = clean_text(note, "note", required=False)
    spent = 0
    if case.suspended_at is not None:
        spent = max(0, working_seconds_between(case.suspended_at, now))
    changes: dict[str, Any] = {"suspended_at": None}
    if case.handle_due_at is not None:
        changes["handle_due_at"] = add_working_seconds(case.handle_due_at, spent)
    set_watch(case, changes, Action.RESUME, now)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.RESUME,
            actor=actor,
            expected_version=version,
            changes=changes,
            note=note,
            data={"suspended_seconds": spent},
            at=now,
        )
    return case


def case_reply(
    *,
    actor: Any,
    case: Case,
    version: int,
    reply: str,
    photos: Sequence[Any] = (),
    now: datetime | None = None,
) -> Case:
    """办理反馈: the unit reports what it did; the case waits for verification."""
    now = now_or(now)
    guard(case, actor, Action.REPLY, version, now)
    reply = clean_text(reply, "reply", required=True)
    on_time = case.handle_due_at is None or now <= case.handle_due_at
    with transaction.atomic():
        event = apply_action(
            case=case,
            action=Action.REPLY,
            actor=actor,
            expected_version=version,
            changes={"reply": reply, "resolved_at": now, "watch_at": None, "due_soon": False},
            note=reply,
            data={"on_time": on_time},
            at=now,
        )
        attach(case, event, photos, actor)
        notes.resolved(case, actor=actor)
    return case


def case_verify(
    *,
    actor: Any,
    case: Case,
    version: int,
    passed: bool,
    note: str = "",
    photos: Sequence[Any] = (),
    now: datetime | None = None,
) -> Case:
    """核查: passed → 办结 (CLOSED); failed → back to the unit for rework (返工)."""
    now = now_or(now)
    action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
    guard(case, actor, action, version, now)
    note = clean_text(note, "note", required=not passed)
    changes: dict[str, Any]
    if passed:
        on_time = case.handle_due_at is None or now <= case.handle_due_at
        changes = {
            "closed_at": now,
            "resolved_level": case.assigned_level,
            "watch_at": None,
            "due_soon": False,
        }
        data: dict[str, Any] = {"on_time": on_time, "resolved_level": case.assigned_level}
    else:
        changes = {"rework_count": case.rework_count + 1, "resolved_at": None}
        set_watch(case, changes, action, now)
        data = {"rework": changes["rework_count"]}
    with transaction.atomic():
        event = apply_action(
            case=case,
            action=action,
            actor=actor,
            expected_version=version,
            changes=changes,
            note=note,
            data=data,
            at=now,
        )
        attach(case, event, photos, actor)
        if passed:
            notes.closed(case, actor=actor)
        else:
            notes.rework(case, actor=actor, note=note)
    return case


# --- Supervision and the public: urge, rate, reopen, comment ----------------------------------


def case_urge(
    *,
    actor: Any,
    case: Case,
    message: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """督办: a supervisor presses the assigned unit. Without ``version`` it acts on the case as
    it is now (urging does not depend on what the supervisor saw)."""
    now = now_or(now)
    message = clean_text(message, "message", required=True)
    # Permission first, outside the transaction, so a refusal's audit entry is kept.
    guard(case, actor, Action.URGE, case.version if version is None else version, now)
    with transaction.atomic():
        if version is None:
            version = (
                Case.objects.select_for_update()
                .filter(pk=case.pk)
                .values_list("version", flat=True)
                .get()
            )
            if version != case.version:
                case.refresh_from_db()
        guard(case, actor, Action.URGE, version, now)
        apply_action(
            case=case,
            action=Action.URGE,
            actor=actor,
            expected_version=version,
            changes={"urge_count": case.urge_count + 1},
            note=message,
            data={"count": case.urge_count + 1},
            at=now,
        )
        notes.urged(case, actor=actor, message=message)
    return case


def reopen_policy() -> str:
    policy = str(getattr(settings, "GRIDGOV_REOPEN_ON_UNSATISFIED", "first"))
    return policy if policy in REOPEN_POLICIES else "first"


def case_rate(
    *,
    actor: Any,
    case: Case,
    version: int,
    rating: str,
    comment: str = "",
    callback: bool = False,
    now: datetime | None = None,
) -> Case:
    """评价 by the reporter, or 回访 recorded by staff (``callback=True``). An unsatisfied
    rating reopens the case according to ``GRIDGOV_REOPEN_ON_UNSATISFIED``."""
    now = now_or(now)
    guard(case, actor, Action.RATE, version, now)
    if rating not in Rating.values:
        raise ValidationFailed(_("Choose a rating."), fields={"rating": _("Choose a rating.")})
    comment = clean_text(comment, "comment", required=False)
    by_reporter = guards.is_reporter(actor, case) and not callback
    policy = reopen_policy()
    reopen = rating == Rating.UNSATISFIED and (
        policy == "always" or (policy == "first" and case.reopen_count == 0)
    )
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.RATE,
            actor=actor,
            expected_version=version,
            changes={"rating": rating, "rating_comment": comment, "rated_at": now},
            note=comment,
            data={"rating": rating, "callback": bool(callback), "by_reporter": by_reporter},
            at=now,
        )
        if reopen:
            _reopen(
                case,
                None,
                case.version,
                _("Reopened automatically: the reporter was not satisfied."),
                now,
                actor_name="system",
            )
    return case


def case_reopen(
    *, actor: Any, case: Case, version: int, reason: str, now: datetime | None = None
) -> Case:
    """重办: a closed case goes back to the unit that handled it, with a new sign-for clock."""
    now = now_or(now)
    guard(case, actor, Action.REOPEN, version, now)
    reason = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        _reopen(case, actor, version, reason, now)
    return case


def _reopen(
    case: Case, actor: Any, version: int, reason: str, now: datetime, actor_name: str = ""
) -> None:
    target = Target.last_unit(case)
    changes = assign_changes(case, target, now)
    changes.update(
        {
            "reopen_count": case.reopen_count + 1,
            "closed_at": None,
            "resolved_at": None,
            "resolved_level": None,
        }
    )
    set_watch(case, changes, Action.REOPEN, now)
    apply_action(
        case=case,
        action=Action.REOPEN,
        actor=actor,
        expected_version=version,
        changes=changes,
        note=reason,
        data={**target.as_data(), "reopen": changes["reopen_count"]},
        at=now,
        actor_name=actor_name,
    )
    notes.reopened(case, actor=actor, reason=reason)


def case_comment(*, actor: Any, case: Case, note: str, now: datetime | None = None) -> Case:
    """备注: a note on the timeline; no state change, no version bump."""
    now = now_or(now)
    guards.require_action(case=case, user=actor, action=Action.COMMENT, now=now)
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        record_event(
            case=case,
            action=Action.COMMENT,
            actor=actor,
            from_status=case.status,
            note=note,
            at=now,
        )
    return case
