"""Deadline supervision: the due-soon mark and watch_at, the sweep's marks, OVERDUE entries
and notifications, idempotence, and that it reads only due cases.

The clock: the case is dispatched on Monday 3 March 2025 at 10:00 (Beijing) with 4 working
hours to sign for → due at 15:30 (09:00–12:00, 13:30–17:30). Due soon when less than
max(20 %, 2 h) — capped at half the allowed time — remains: at 12:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action
from gridgov.cases.supervision import (
    SweepResult,
    due_state,
    next_watch_at,
    soon_threshold,
    sweep,
)
from gridgov.cases.tests.ops_builders import SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.notifications.models import Notification, NotificationPreference

H = timedelta(hours=1)
MARK = datetime(2025, 3, 3, 12, 0, tzinfo=SH)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)


@pytest.fixture
def assigned(world: World) -> Case:
    case = world.report(at=T0 - H)
    world.accept(case, T0 - H)
    world.dispatch(case, T0)
    return case


@pytest.fixture
def immediate(world: World) -> None:
    """The test's people chose immediate overdue notices (the default is the daily digest)."""
    for user in (world.worker, world.worker3, world.dispatcher):
        NotificationPreference.objects.create(user=user, topic="case.overdue", digest=False)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _overdue_entries(case: Case) -> int:
    return CaseEvent.objects.filter(case=case, action=Action.OVERDUE).count()


def test_threshold_is_twenty_percent_or_two_hours_at_most_half() -> None:
    assert soon_threshold(35 * 3600) == 7 * 3600  # 5 working days: 20 %
    assert soon_threshold(5 * 3600) == 2 * 3600  # 5 hours: 2 hours
    assert soon_threshold(2 * 3600) == 3600  # 2 hours: half


def test_dispatch_sets_watch_at_to_the_due_soon_mark(assigned: Case) -> None:
    case = _fresh(assigned)
    assert case.sign_due_at == SIGN_DUE
    assert case.watch_at == MARK
    assert next_watch_at(case=case) == MARK


def test_sweep_ignores_cases_not_yet_due(assigned: Case) -> None:
    before = _fresh(assigned)
    result = sweep(now=MARK - timedelta(minutes=1))
    assert result == SweepResult(checked=0)
    after = _fresh(assigned)
    assert (after.version, after.due_soon, after.watch_at) == (before.version, False, MARK)


def test_sweep_marks_due_soon_and_watches_the_deadline(assigned: Case, world: World) -> None:
    result = sweep(now=MARK + timedelta(minutes=5))
    case = _fresh(assigned)
    assert result == SweepResult(checked=1, due_soon=1)
    assert case.due_soon is True
    assert case.watch_at == SIGN_DUE
    assert case.version == assigned.version  # no version bump for a reminder
    assert _overdue_entries(case) == 0
    assert Notification.objects.filter(recipient=world.worker, kind="case.due_soon").count() == 1


def test_due_state_follows_the_clock(assigned: Case) -> None:
    case = _fresh(assigned)
    assert due_state(case, now=MARK - H) == "ok"
    assert due_state(case, now=MARK + H) == "soon"
    assert due_state(case, now=SIGN_DUE + H) == "overdue"


def test_sweep_marks_sign_overdue_with_a_system_entry(assigned: Case) -> None:
    result = sweep(now=SIGN_DUE + H)
    case = _fresh(assigned)
    assert result == SweepResult(checked=1, sign_overdue=1)
    assert case.sign_overdue is True
    assert case.due_soon is False
    assert case.watch_at is None
    assert case.version == assigned.version + 1
    entry = CaseEvent.objects.get(case=case, action=Action.OVERDUE)
    assert entry.actor is None
    assert entry.actor_name == "system"
    assert entry.data["kind"] == "sign"


def test_overdue_notifies_the_unit_and_the_supervisors(
    assigned: Case, world: World, immediate: None
) -> None:
    sweep(now=SIGN_DUE + H)
    to = set(
        Notification.objects.filter(kind="case.sign_overdue").values_list("recipient", flat=True)
    )
    assert to == {world.worker.pk, world.dispatcher.pk}


def test_overdue_is_not_notified_one_by_one_by_default(assigned: Case, world: World) -> None:
    sweep(now=SIGN_DUE + H)
    assert not Notification.objects.filter(kind="case.sign_overdue").exists()


def test_sweep_twice_writes_one_overdue_entry(assigned: Case, immediate: None) -> None:
    sweep(now=SIGN_DUE + H)
    second = sweep(now=SIGN_DUE + 2 * H)
    assert second == SweepResult(checked=0)
    assert _overdue_entries(assigned) == 1
    assert Notification.objects.filter(kind="case.sign_overdue").count() == 2


def test_handling_deadline_goes_overdue(assigned: Case, world: World) -> None:
    world.sign(assigned, T0 + H)  # 2 working days → Wednesday 5 March 11:00
    case = _fresh(assigned)
    assert case.handle_due_at == datetime(2025, 3, 5, 11, 0, tzinfo=SH)
    result = sweep(now=datetime(2025, 3, 6, 9, 0, tzinfo=SH))
    case = _fresh(assigned)
    assert result.handle_overdue == 1
    assert case.handle_overdue is True
    assert CaseEvent.objects.get(case=case, action=Action.OVERDUE).data["kind"] == "handle"


def test_closed_case_leaves_the_watch(assigned: Case, world: World) -> None:
    world.sign(assigned, T0 + H)
    world.reply(assigned, T0 + 2 * H)
    assert _fresh(assigned).watch_at is None
    assert sweep(now=datetime(2025, 4, 1, tzinfo=SH)) == SweepResult(checked=0)


def test_stale_watch_at_is_cleared_without_marks(assigned: Case) -> None:
    Case.objects.filter(pk=assigned.pk).update(status="accepted")
    result = sweep(now=SIGN_DUE + H)
    case = _fresh(assigned)
    assert result == SweepResult(checked=1)
    assert case.watch_at is None
    assert _overdue_entries(case) == 0


def test_sweep_command_reports_what_it_did(assigned: Any) -> None:
    Case.objects.filter(pk=assigned.pk).update(watch_at=T0, sign_due_at=T0)
    out = StringIO()
    call_command("sweep_cases", stdout=out)
    assert "1" in out.getvalue()
    assert _fresh(assigned).sign_overdue is True


def test_sweep_is_a_periodic_job() -> None:
    from gridgov.core.scheduler import discover

    job = discover().jobs["cases.sweep"]
    assert job.every == timedelta(minutes=5)


def test_overdue_mark_on_a_changed_case_is_skipped(assigned: Case, world: World) -> None:
    from gridgov.cases.services.lifecycle import case_urge
    from gridgov.cases.supervision import _mark_overdue, _Recipients
    from gridgov.core.errors import Conflict

    seen = _fresh(assigned)  # what the sweep read …
    case_urge(actor=world.dispatcher, case=_fresh(assigned), message="请尽快签收", now=T0 + H)
    with pytest.raises(Conflict):  # … before someone acted on the case
        _mark_overdue(seen, "sign", SIGN_DUE, SIGN_DUE + H, _Recipients())
    assert _overdue_entries(assigned) == 0
    assert _fresh(assigned).sign_overdue is False
