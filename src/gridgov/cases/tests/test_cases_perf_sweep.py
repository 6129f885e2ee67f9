"""The set-based sweep: a batch of due cases gets the same marks, timeline entries and
notifications as one case at a time, whatever the batch size; and the status-list index.

Clock as in test_cases_supervision: dispatched Monday 3 March 2025 10:00 (Beijing), 4 working
hours to sign for → due at 15:30; due soon from 12:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action, Status
from gridgov.cases.supervision import SweepResult, sweep
from gridgov.cases.tests.ops_builders import SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.notifications.models import Notification, NotificationPreference

H = timedelta(hours=1)
MARK = datetime(2025, 3, 3, 12, 0, tzinfo=SH)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)


def _assigned(world: World, grid: str = "grid1") -> Case:
    case = world.report(at=T0 - H, grid=grid)
    world.accept(case, T0 - H)
    world.dispatch(case, T0)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def due(world: World) -> dict[str, Case]:
    """Two cases going sign-for overdue (grid1, grid3), one in progress with a later
    deadline, and one whose watch_at is stale (no clock runs)."""
    first = _assigned(world)
    other = _assigned(world, "grid3")
    later = _assigned(world)
    world.sign(later, T0 + H)
    stale = _assigned(world)
    Case.objects.filter(pk=stale.pk).update(status=Status.ACCEPTED)
    return {"first": first, "other": other, "later": later, "stale": stale}


@pytest.fixture
def immediate(world: World) -> None:
    """The test's people chose immediate overdue notices (the default is the daily digest)."""
    for user in (world.worker, world.worker3, world.dispatcher):
        NotificationPreference.objects.create(user=user, topic="case.overdue", digest=False)


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("batch_size", [1, 2, 500])
def test_a_batch_marks_every_newly_overdue_case(
    due: dict[str, Case], world: World, batch_size: int
) -> None:
    result = sweep(now=SIGN_DUE + H, batch_size=batch_size)
    assert result == SweepResult(checked=3, sign_overdue=2)
    for name in ("first", "other"):
        case = _fresh(due[name])
        assert case.sign_overdue is True and case.due_soon is False and case.watch_at is None
        assert case.version == due[name].version + 1
        entry = CaseEvent.objects.get(case=case, action=Action.OVERDUE)
        assert (entry.actor, entry.actor_name, entry.data["kind"]) == (None, "system", "sign")
        assert entry.from_status == entry.to_status == Status.ASSIGNED
    assert _fresh(due["stale"]).watch_at is None
    assert _fresh(due["stale"]).version == due["stale"].version
    assert _fresh(due["later"]).handle_overdue is False


def test_a_batch_notifies_each_unit_and_the_supervisors(
    due: dict[str, Case], world: World, immediate: None
) -> None:
    sweep(now=SIGN_DUE + H)
    sent = set(
        Notification.objects.filter(kind="case.sign_overdue").values_list(
            "recipient_id", "target_id", "dedupe_key"
        )
    )
    first, other = due["first"].pk, due["other"].pk
    assert sent == {
        (world.worker.pk, str(first), f"case:{first}:sign_overdue"),
        (world.dispatcher.pk, str(first), f"case:{first}:sign_overdue"),
        (world.worker3.pk, str(other), f"case:{other}:sign_overdue"),
        (world.dispatcher.pk, str(other), f"case:{other}:sign_overdue"),
    }
    note = Notification.objects.filter(target_id=str(first)).first()
    assert note is not None and due["first"].number in note.title
    assert note.url.endswith(f"/{first}/")


def test_an_unread_notification_with_the_same_key_is_not_repeated(
    due: dict[str, Case], world: World, immediate: None
) -> None:
    key = f"case:{due['first'].pk}:sign_overdue"
    Notification.objects.create(recipient=world.worker, kind="case.sign_overdue", dedupe_key=key)
    sweep(now=SIGN_DUE + H)
    assert Notification.objects.filter(recipient=world.worker, dedupe_key=key).count() == 1
    assert Notification.objects.filter(recipient=world.dispatcher, dedupe_key=key).count() == 1


def test_a_batch_marks_due_soon_without_entries(due: dict[str, Case], world: World) -> None:
    result = sweep(now=MARK + timedelta(minutes=5))
    assert result == SweepResult(checked=3, due_soon=2)
    for name in ("first", "other"):
        case = _fresh(due[name])
        assert case.due_soon is True and case.watch_at == case.sign_due_at
        assert case.version == due[name].version
    assert not CaseEvent.objects.filter(action=Action.OVERDUE).exists()
    to = set(Notification.objects.filter(kind="case.due_soon").values_list("recipient", flat=True))
    assert to == {world.worker.pk, world.worker3.pk}


def test_sweeping_again_changes_nothing(due: dict[str, Case]) -> None:
    sweep(now=SIGN_DUE + H)
    before = (CaseEvent.objects.count(), Notification.objects.count())
    assert sweep(now=SIGN_DUE + 2 * H) == SweepResult(checked=0)
    assert (CaseEvent.objects.count(), Notification.objects.count()) == before


@pytest.mark.django_db
def test_status_lists_have_a_newest_first_index() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    assert constraints["case_status_reported"]["columns"] == ["status", "reported_at"]
