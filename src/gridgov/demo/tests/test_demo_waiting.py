"""Every named demo account starts with work waiting for it, so each role guide can be
followed as written (docs/guide/)."""

from __future__ import annotations

import pytest

from gridgov.accounts.models import User
from gridgov.cases import selectors
from gridgov.cases.guards import allowed_actions
from gridgov.cases.states import Action, Status
from gridgov.demo.generator import build_demo
from gridgov.notifications.models import Notification


@pytest.fixture
def demo(db: None) -> dict[str, User]:
    build_demo(grids=2, cases=20)
    return {u.username: u for u in User.objects.all()}


def unread(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def test_the_grid_worker_has_reports_to_verify_and_a_case_to_check(demo: dict[str, User]) -> None:
    counts = selectors.queue_counts(actor=demo["gridworker"])
    assert counts["to_check"] >= 3
    assert counts["to_verify"] >= 1


def test_the_community_has_a_case_to_sign_for_and_one_in_hand(demo: dict[str, User]) -> None:
    counts = selectors.queue_counts(actor=demo["community"])
    assert counts["to_sign"] >= 1
    assert counts["in_progress"] >= 1
    assert unread(demo["community"]) >= 1  # the 「待签收」 notice


def test_the_department_has_a_case_to_sign_for_and_one_in_hand(demo: dict[str, User]) -> None:
    counts = selectors.queue_counts(actor=demo["chengguan"])
    assert counts["to_sign"] >= 1
    assert counts["in_progress"] >= 1
    assert unread(demo["chengguan"]) >= 1


def test_the_resident_has_a_closed_report_to_rate_and_a_message(demo: dict[str, User]) -> None:
    resident = demo["resident"]
    reports = list(selectors.my_reports(actor=resident))
    closed = [c for c in reports if c.status == Status.CLOSED]
    assert closed
    assert Action.RATE in allowed_actions(case=closed[0], user=resident)
    assert unread(resident) >= 1


def test_every_queue_holder_among_the_demo_accounts_has_a_non_empty_to_do(
    demo: dict[str, User],
) -> None:
    from gridgov.cases import queues

    for name in ("gridworker", "community", "chengguan", "dispatcher", "street_dispatcher"):
        counts = selectors.queue_counts(actor=demo[name])
        todo = sum(counts[q.key] for q in queues.QUEUES if q.kind == queues.TODO)
        assert todo > 0, name


def test_the_resident_templates_example_room_exists_in_the_demo(demo: dict[str, User]) -> None:
    """The import template's example row names a room of the demo (buildings come first)."""
    from gridgov.rosters.excel import residents as sheet
    from gridgov.rosters.models import Room

    row = dict(zip(sheet.HEADERS, sheet.SPEC.example, strict=True))
    grid_code, estate, building, unit, room = (
        row[h] for h in (sheet.GRID, sheet.ESTATE, sheet.BUILDING, sheet.UNIT, sheet.ROOM)
    )
    assert (estate, building, unit, room) == ("凤鸣小区", "3号楼", "2", "502")
    assert Room.objects.filter(
        unit__building__area__code=grid_code,
        unit__building__estate__name=estate,
        unit__building__name=building,
        unit__number=int(unit),
        number=room,
    ).exists()
