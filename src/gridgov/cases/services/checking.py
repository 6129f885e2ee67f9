"""The grid worker's check of a resident's report (待核实): the first response in the grid.

A resident's report located in a grid that has an active grid worker starts as ``TO_CHECK``
(:mod:`.intake`), with ``check_due_at`` (the category's ``check_limit`` on the working
calendar). Whoever holds ``case.check`` there (the grid worker, community staff) then:

* :func:`case_check_confirm` — 核实: true as reported; on to acceptance (``REPORTED``), with a
  note and optional photos;
* :func:`case_check_resolve` — 自行处置: resolved on the spot, with a photo (required) and the
  reply; the same chain as a grid worker's report resolved on the spot
  (:func:`.intake.resolve_on_spot`), ending ``CLOSED`` at grid level;
* :func:`case_check_reject` — 核实不予受理: not accepted, for a reason the reporter is told
  (不属实 / 重复 / 不属于受理范围); the timeline entry keeps ``{"reason": code, "public": text}``;
* :func:`case_check_pass_up` — 上报: beyond the grid, to the dispatchers at once (``REPORTED``).

Dispatchers and community staff may also take the case over with accept / reject / merge. A
report nobody checked by ``check_due_at`` goes to the dispatchers by itself: the sweep calls
:func:`time_out` (``CHECK_TIMEOUT``, actor "system").

Each service: guard (state table + permission in the case's jurisdiction, the version the
actor saw) → input checks → one transaction with the versioned change and its timeline entry
(:func:`.timeline.apply_action`) → notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.cases import notify as notes
from gridgov.cases.models import Case
from gridgov.cases.photos import check_photos
from gridgov.cases.services.lifecycle_common import attach, clean_text, guard, now_or
from gridgov.cases.services.timeline import Step, apply_action, apply_case_batch, apply_case_chain
from gridgov.cases.states import Action, CheckRejectReason, Status
from gridgov.core.errors import ValidationFailed

_LEAVE_CHECK: dict[str, Any] = {"watch_at": None}


def _photos(photos: Sequence[Any], *, required: bool) -> list[Any]:
    checked = check_photos(photos)
    if required and not checked:
        message = _("Take at least one photo of the place.")
        raise ValidationFailed(message, code="photo_required", fields={"photos": message})
    return checked


def case_check_confirm(
    *,
    actor: Any,
    case: Case,
    version: int,
    note: str = "",
    photos: Sequence[Any] = (),
    now: datetime | None = None,
) -> Case:
    """核实: the report is true; it goes on to acceptance and dispatch (``REPORTED``)."""
    now = now_or(now)
    guard(case, actor, Action.CHECK_CONFIRM, version, now)
    note = clean_text(note, "note", required=False)
    checked = _photos(photos, required=False)
    with transaction.atomic():
        event = apply_action(
            case=case,
            action=Action.CHECK_CONFIRM,
            actor=actor,
            expected_version=version,
            changes=dict(_LEAVE_CHECK),
            note=note,
            data={"on_time": case.check_due_at is None or now <= case.check_due_at},
            at=now,
        )
        attach(case, event, checked, actor)
    return case


def case_check_pass_up(
    *, actor: Any, case: Case, version: int, note: str, now: datetime | None = None
) -> Case:
    """上报: beyond the grid; to the dispatchers' pool at once (``REPORTED``)."""
    now = now_or(now)
    guard(case, actor, Action.CHECK_PASS_UP, version, now)
    note = clean_text(note, "note", required=True)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.CHECK_PASS_UP,
            actor=actor,
            expected_version=version,
            changes=dict(_LEAVE_CHECK),
            note=note,
            at=now,
        )
    return case


def case_check_resolve(
    *,
    actor: Any,
    case: Case,
    version: int,
    reply: str,
    photos: Sequence[Any],
    now: datetime | None = None,
) -> Case:
    """自行处置: resolved on the spot, with a photo; closed at grid level."""
    from gridgov.cases.services.intake import on_spot_steps

    now = now_or(now)
    guard(case, actor, Action.CHECK_RESOLVE, version, now)
    reply = clean_text(reply, "reply", required=True)
    checked = _photos(photos, required=True)
    # Its own entry (with the photos), then the on-the-spot chain to CLOSED, in one go.
    first = Step(Action.CHECK_RESOLVE, dict(_LEAVE_CHECK), "", {"on_spot": True})
    with transaction.atomic():
        entries = apply_case_chain(
            case=case,
            steps=[first, *on_spot_steps(case, actor, reply, now)],
            actor=actor,
            expected_version=version,
            at=now,
        )
        attach(case, entries[0], checked, actor)
        notes.closed(case, actor=actor)
    return case


def public_reason(code: str, note: str) -> str:
    """What the reporter is told: the reason, and the explanation when there is one."""
    label = str(CheckRejectReason(code).label)
    return _("%(reason)s: %(note)s") % {"reason": label, "note": note} if note else label


def case_check_reject(
    *,
    actor: Any,
    case: Case,
    version: int,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> Case:
    """核实不予受理: not accepted, for a reason the reporter sees (``REJECTED``)."""
    now = now_or(now)
    guard(case, actor, Action.CHECK_REJECT, version, now)
    if reason not in CheckRejectReason.values:
        message = _("Choose a reason.")
        raise ValidationFailed(message, code="reason_required", fields={"reason": message})
    note = clean_text(note, "note", required=False)
    public = public_reason(reason, note)
    with transaction.atomic():
        apply_action(
            case=case,
            action=Action.CHECK_REJECT,
            actor=actor,
            expected_version=version,
            changes=dict(_LEAVE_CHECK),
            note=note,
            data={"reason": reason, "public": public},
            at=now,
        )
        notes.rejected(case, actor=actor, reason=public)
    return case


# --- Not checked in time (the sweep) ------------------------------------------------------------


def time_out(cases: list[Case], now: datetime) -> int:
    """Move the ``TO_CHECK`` cases among ``cases`` whose check deadline has passed to the
    dispatchers' pool (``REPORTED``), inside the sweep's transaction that locked them: one
    update, the timeline entries in one insert, and one notice to the dispatchers of their
    streets and counties (not repeated while an earlier one is unread)."""
    from gridgov.cases import units
    from gridgov.notifications.services import notify

    due = [
        c
        for c in cases
        if c.status == Status.TO_CHECK and c.check_due_at is not None and c.check_due_at <= now
    ]
    if not due:
        return 0
    apply_case_batch(
        cases=due,
        action=Action.CHECK_TIMEOUT,
        changes={"watch_at": None},
        data_for=lambda c: {"due_at": c.check_due_at.isoformat()},
        at=now,
    )
    people: dict[int, Any] = {}
    for path in sorted({c.area_path for c in due}):
        for user in units.dispatchers_for(area=None, path=path):
            people.setdefault(user.pk, user)
    notify(
        recipients=list(people.values()),
        kind=notes.KIND_PREFIX + "check_timeout",
        title=_("Reports not verified on site in time are waiting for acceptance"),
        url=reverse("cases:queues") + "?queue=to_accept",
        dedupe_key="cases:check_timeout",
    )
    return len(due)
