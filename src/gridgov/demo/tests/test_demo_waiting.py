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
