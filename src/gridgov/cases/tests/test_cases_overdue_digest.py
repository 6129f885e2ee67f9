"""Who hears about overdue and due-soon cases, and the daily digest of overdue cases.

Clock as in test_cases_supervision: dispatched Monday 3 March 2025 10:00 (Beijing), 4 working
hours to sign for → due at 15:30 (due soon from 12:00). The digest of Tuesday 4 March covers
deadlines from Monday 08:00 to Tuesday 08:00.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from gridgov.cases.digest import DIGEST_LIST, digest_key, send_overdue_digests
from gridgov.cases.models import Case
from gridgov.cases.supervision import sweep
from gridgov.cases.tests.ops_builders import SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.notifications.models import Delivery, Notification, NotificationPreference
from gridgov.notifications.preferences import Choice, preferences_update

H = timedelta(hours=1)
MARK = datetime(2025, 3, 3, 12, 0, tzinfo=SH)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)
DAY = date(2025, 3, 4)
DIGEST = "case.overdue_digest"


def _assigned(world: World, grid: str = "grid1", *, by: Any = None) -> Case:
    from gridgov.cases.services.lifecycle import case_dispatch

    case = world.report(at=T0 - H, grid=grid)
    world.accept(case, T0 - H)
    case_dispatch(
        actor=by or world.dispatcher, case=case, version=case.version, to_area=case.area, now=T0
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def leader(world: World, make_user: Any) -> Any:
    return make_user("ops_leader", ("leader", world.tree.county))


def _immediate(*users: Any) -> None:
    for user in users:
        NotificationPreference.objects.create(user=user, topic="case.overdue", digest=False)


def _kinds(user: Any) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_an_overdue_notice_reaches_the_unit_and_the_dispatcher_not_the_leader(
    world: World, leader: Any
) -> None:
    _immediate(world.worker, world.dispatcher, leader)
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    assert "case.sign_overdue" in _kinds(world.worker)
    assert "case.sign_overdue" in _kinds(world.dispatcher)
    assert _kinds(leader) == []


def test_a_due_soon_notice_reaches_the_unit_only(world: World, leader: Any) -> None:
    _assigned(world)
    sweep(now=MARK + timedelta(minutes=5))
    assert _kinds(world.worker).count("case.due_soon") == 1
    assert "case.due_soon" not in _kinds(world.dispatcher)
    assert _kinds(leader) == []


def test_a_signed_case_is_due_soon_for_its_handler(world: World) -> None:
    case = _assigned(world)
    world.sign(case, T0 + H)
    sweep(now=datetime(2025, 3, 5, 9, 0, tzinfo=SH))  # handling due Wed 11:00; soon by then
    assert Notification.objects.filter(recipient=world.worker, kind="case.due_soon").count() == 1


def test_the_dispatcher_gets_one_digest_a_day_not_one_notice_per_case(
    world: World, leader: Any
) -> None:
    first, second, other = _assigned(world), _assigned(world), _assigned(world, "grid3")
    sweep(now=SIGN_DUE + H)
    assert not Notification.objects.filter(kind="case.sign_overdue").exists()
    result = send_overdue_digests(day=DAY)
    assert (result.cases, result.sent) == (3, 3)  # the dispatcher, worker and worker3
    digest = Notification.objects.get(recipient=world.dispatcher, kind=DIGEST)
    assert digest.params["total"] == 3
    assert [c[0] for c in digest.params["cases"]] == [first.pk, second.pk, other.pk]
    assert first.number in digest.body and digest.dedupe_key == digest_key(DAY)
    assert digest.url.endswith("?queue=overdue")
    mine = Notification.objects.get(recipient=world.worker, kind=DIGEST)
    assert [c[0] for c in mine.params["cases"]] == [first.pk, second.pk]
    assert _kinds(leader) == []


def test_running_the_digest_twice_a_day_sends_one(world: World) -> None:
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    assert send_overdue_digests(day=DAY).sent == 2
    Notification.objects.filter(kind=DIGEST).update(read_at=SIGN_DUE + 2 * H)  # read meanwhile
    assert send_overdue_digests(day=DAY).sent == 0
    assert Notification.objects.filter(recipient=world.dispatcher, kind=DIGEST).count() == 1


def test_the_next_days_digest_leaves_out_the_earlier_cases(world: World) -> None:
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    send_overdue_digests(day=DAY)
    assert send_overdue_digests(day=DAY + timedelta(days=1)).cases == 0


def test_a_case_no_longer_overdue_is_not_in_the_digest(world: World) -> None:
    case = _assigned(world)
    sweep(now=SIGN_DUE + H)
    world.sign(Case.objects.get(pk=case.pk), SIGN_DUE + 2 * H)
    assert send_overdue_digests(day=DAY).cases == 0


def test_the_digest_lists_at_most_a_page_and_counts_the_rest(world: World) -> None:
    from gridgov.cases import digest

    cases = [_assigned(world) for _i in range(3)]
    sweep(now=SIGN_DUE + H)
    old = digest.DIGEST_LIST
    digest.DIGEST_LIST = 2
    try:
        send_overdue_digests(day=DAY)
    finally:
        digest.DIGEST_LIST = old
    note = Notification.objects.get(recipient=world.dispatcher, kind=DIGEST)
    assert note.params["total"] == 3 and len(note.params["cases"]) == 2
    assert cases[2].number not in note.body
    assert old == DIGEST_LIST


def test_the_dispatching_street_office_hears_of_it_not_the_county(
    world: World, make_user: Any
) -> None:
    street = make_user("ops_street", ("dispatcher", world.tree.street))
    _assigned(world, by=street)
    sweep(now=SIGN_DUE + H)
    send_overdue_digests(day=DAY)
    assert _kinds(street) == [DIGEST]
    assert _kinds(world.dispatcher) == []


def test_a_person_with_immediate_notices_gets_no_digest(world: World) -> None:
    _immediate(world.dispatcher)
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    send_overdue_digests(day=DAY)
    assert _kinds(world.dispatcher) == ["case.sign_overdue"]
    assert DIGEST in _kinds(world.worker)


def test_overdue_turned_off_is_not_delivered(world: World) -> None:
    preferences_update(
        actor=world.dispatcher, values={"case.overdue": Choice(inbox=False, email=True)}
    )
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    send_overdue_digests(day=DAY)
    assert _kinds(world.dispatcher) == []


def test_a_topic_turned_off_is_not_delivered(world: World) -> None:
    preferences_update(
        actor=world.worker, values={"case.assigned": Choice(inbox=False, email=False)}
    )
    _assigned(world)
    assert "case.assigned" not in _kinds(world.worker)


@pytest.mark.parametrize("email", [True, False])
def test_the_email_choice_is_respected(world: World, settings: Any, email: bool) -> None:
    from django.core import mail

    from gridgov.notifications.delivery import deliver

    settings.GRIDGOV_NOTIFICATION_CHANNELS = [
        "gridgov.notifications.channels.LogChannel",
        "gridgov.notifications.channels.EmailChannel",
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.dispatcher.email = "d@example.org"
    world.dispatcher.save()
    preferences_update(
        actor=world.dispatcher,
        values={"case.overdue": Choice(inbox=True, email=email, digest=True)},
    )
    _assigned(world)
    sweep(now=SIGN_DUE + H)
    send_overdue_digests(day=DAY)
    note = Notification.objects.get(recipient=world.dispatcher, kind=DIGEST)
    deliver([note.pk])
    sent = Delivery.objects.get(notification=note, channel="email")
    assert sent.status == ("sent" if email else "skipped")
    assert Delivery.objects.get(notification=note, channel="log").status == "sent"
    assert len(mail.outbox) == (1 if email else 0)
