"""The hourly job: each subscribed (area, period) report of the last finished period is made
once and sent to the subscribers who may still view the area — nobody else."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gridgov.accounts.models import RoleGrant
from gridgov.cases.indicators import local_today
from gridgov.command.models import Report
from gridgov.command.reports import periods, services
from gridgov.command.reports.notify import KIND
from gridgov.command.reports.tasks import run_reports
from gridgov.command.tests.reports_builders import media as media  # the fixture
from gridgov.core.errors import PermissionDenied
from gridgov.notifications.models import Notification


@pytest.fixture
def people(tree: Any, make_user: Any) -> dict[str, Any]:
    return {
        "leader": make_user("leader_c", ("leader", tree.county)),
        "dispatcher": make_user("disp_s", ("dispatcher", tree.street)),
        "staff": make_user("staff_v", ("community_staff", tree.village)),
        "leader2": make_user("leader_c2", ("leader", tree.county)),
        "bystander": make_user("leader_other", ("leader", tree.county)),
    }


def _inbox(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=KIND))


def test_job_makes_each_subscribed_report_once_and_tells_the_subscribers(
    tree: Any, people: dict[str, Any], media: Path
) -> None:
    services.subscription_add(actor=people["leader"], area=tree.county, period="month")
    services.subscription_add(actor=people["dispatcher"], area=tree.street, period="week")
    services.subscription_add(actor=people["staff"], area=tree.village, period="week")
    # The same report for two people is made once.
    services.subscription_add(actor=people["leader2"], area=tree.county, period="month")

    result = run_reports()
    assert result == {"generated": 3, "delivered": 3, "messages": 4, "failed": 0}
    today = local_today()
    month_start, month_end = periods.last_finished("month", today)
    county = Report.objects.get(area=tree.county, period="month")
    assert (county.date_from, county.date_to) == (month_start, month_end)
    assert county.summary["complete"] and county.summary["delivered"]
    assert Report.objects.filter(period="week").count() == 2

    leader_inbox = _inbox(people["leader"])
    assert len(leader_inbox) == 1
    assert leader_inbox[0].url == f"/command/reports/?area={tree.county.pk}&period=month"
    assert "凤城区" in leader_inbox[0].title
    assert len(_inbox(people["leader2"])) == 1
    assert len(_inbox(people["dispatcher"])) == 1
    assert len(_inbox(people["staff"])) == 1
    assert _inbox(people["bystander"]) == []

    # The next hourly run makes nothing and sends nothing again.
    assert run_reports() == {"generated": 0, "delivered": 0, "messages": 0, "failed": 0}
    assert Notification.objects.filter(kind=KIND).count() == 4


def test_a_subscriber_who_lost_the_area_is_not_told(
    tree: Any, people: dict[str, Any], media: Path
) -> None:
    services.subscription_add(actor=people["staff"], area=tree.village, period="day")
    services.subscription_add(actor=people["leader"], area=tree.village, period="day")
    # Only the staff member wanted the weekly one: once they lost the area it is not made.
    services.subscription_add(actor=people["staff"], area=tree.village, period="week")
    RoleGrant.objects.filter(user=people["staff"]).delete()
    from gridgov.accounts import scoping

    scoping.forget(people["staff"])
    result = run_reports()
    assert result["generated"] == 1 and result["messages"] == 1
    assert _inbox(people["staff"]) == []
    assert len(_inbox(people["leader"])) == 1
    assert not Report.objects.filter(period="week").exists()


def test_a_report_made_by_hand_is_delivered_and_a_running_one_is_made_again(
    tree: Any, people: dict[str, Any], media: Path
) -> None:
    today = local_today()
    start, _end = periods.last_finished("day", today)
    by_hand = services.report_generate(
        actor=people["leader"], area=tree.county, period="day", day=start
    )
    services.subscription_add(actor=people["leader"], area=tree.county, period="day")
    result = run_reports()
    assert result == {"generated": 0, "delivered": 1, "messages": 1, "failed": 0}
    by_hand.refresh_from_db()
    assert by_hand.summary["delivered"] is True


def test_subscribing_needs_stats_view(tree: Any, make_user: Any) -> None:
    worker = make_user("gw", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        services.subscription_add(actor=worker, area=tree.grid1, period="day")


def test_subscribe_and_unsubscribe_are_idempotent(tree: Any, people: dict[str, Any]) -> None:
    leader = people["leader"]
    a = services.subscription_add(actor=leader, area=tree.street, period="quarter")
    b = services.subscription_add(actor=leader, area=tree.street, period="quarter")
    assert a.pk == b.pk
    assert services.subscription_remove(actor=leader, area=tree.street, period="quarter")
    assert not services.subscription_remove(actor=leader, area=tree.street, period="quarter")


def test_the_job_is_registered_hourly() -> None:
    from datetime import timedelta

    from gridgov.core.scheduler import discover

    job = discover().jobs["command.reports"]
    assert job.every == timedelta(hours=1)
    assert date.today()  # the job takes no arguments
    assert job.kwargs is None
