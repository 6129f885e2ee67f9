"""The cases alert rules (gridgov.cases.command.alerts) on cases made and moved through the real
services at fixed times: each fires, is not raised twice, and clears when its condition ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from gridgov.cases.command.alerts import overdue_long_rows, working_days_before
from gridgov.cases.models import Case
from gridgov.cases.supervision import sweep
from gridgov.cases.tests.ops_builders import SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command import registry
from gridgov.command.alerts.services import run_rules
from gridgov.command.models import Alert

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)  # 4 working hours after T0 (see supervision)


def _rule(key: str) -> list[Any]:
    return [registry.alert_rules.get(key)]


def _open(key: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=key, cleared_at__isnull=True).order_by("pk"))


@pytest.fixture
def assigned(world: World) -> Case:
    case = world.report(at=T0 - H)
    world.accept(case, T0 - H)
    return world.dispatch(case, T0)


def test_working_days_before_skips_the_weekend() -> None:
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=SH)
    assert working_days_before(friday, 3) == datetime(2025, 3, 4, 16, 0, tzinfo=SH)
    monday = datetime(2025, 3, 10, 9, 0, tzinfo=SH)
    assert working_days_before(monday, 1) == datetime(2025, 3, 7, 9, 0, tzinfo=SH)
    assert working_days_before(monday, 0) == monday


# --- cases.overdue_long -------------------------------------------------------------------------


def test_overdue_long_waits_for_the_threshold(assigned: Case) -> None:
    # Thursday 10:00: overdue since Monday 15:30, under three working days.
    thursday = datetime(2025, 3, 6, 10, 0, tzinfo=SH)
    assert assigned.sign_due_at == SIGN_DUE
    assert run_rules(now=thursday, rules=_rule("cases.overdue_long")).raised == 0


def test_overdue_long_fires_once_and_clears_when_the_case_moves_on(
    assigned: Case, world: World
) -> None:
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=SH)
    rule = _rule("cases.overdue_long")
    assert run_rules(now=friday, rules=rule).raised == 1
    assert run_rules(now=friday + timedelta(minutes=2), rules=rule).raised == 0
    (alert,) = _open("cases.overdue_long")
    assert (alert.level, alert.item_kind, alert.item_id) == ("red", "case", assigned.pk)
    assert alert.area_id == world.tree.grid1.pk
    assert alert.title == f"超期超过 3 个工作日：{assigned.number} 暴露垃圾"
    assert "路边垃圾" not in alert.title  # the case's free-text title is never shown
    assert alert.detail["url"] == f"/cases/{assigned.pk}/"
    # Signed for at last: a new (handling) deadline, nothing overdue any more.
    world.sign(Case.objects.get(pk=assigned.pk), friday + timedelta(minutes=5))
    result = run_rules(now=friday + timedelta(minutes=10), rules=rule)
    assert result.cleared == 1 and _open("cases.overdue_long") == []


def test_overdue_long_reads_at_most_the_cap_oldest_first(world: World, settings: Any) -> None:
    cases = []
    for minutes in (0, 30, 60):
        case = world.report(at=T0 - H)
        world.accept(case, T0 - H)
        cases.append(world.dispatch(case, T0 + timedelta(minutes=minutes)))
    later = datetime(2025, 3, 14, 10, 0, tzinfo=SH)
    rows = overdue_long_rows(later, 2)
    assert [r["pk"] for r in rows] == [cases[0].pk, cases[1].pk]
    settings.GRIDGOV_ALERT_MAX_HITS = 2
    assert run_rules(now=later, rules=_rule("cases.overdue_long")).raised == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
def test_overdue_long_reads_an_index_range_never_the_whole_table() -> None:
    """With statistics (ANALYZE) SQLite walks the partial deadline index; a new installation
    without them takes the status index — the assigned (in progress) cases only. Never a scan."""
    from gridgov.cases.states import Status

    def plan(qs: Any) -> str:
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())

    now = datetime(2025, 3, 14, 10, 0, tzinfo=SH)
    sign = Case.objects.filter(status=Status.ASSIGNED, sign_due_at__lt=now).order_by("sign_due_at")[
        :10
    ]
    handle = Case.objects.filter(status=Status.IN_PROGRESS, handle_due_at__lt=now).order_by(
        "handle_due_at"
    )[:10]
    for qs, partial in ((sign, "case_sign_due"), (handle, "case_handle_due")):
        text = plan(qs)
        assert "SCAN cases_case" not in text
        assert partial in text or "case_status_" in text


# --- cases.overdue_stock --------------------------------------------------------------------------


def test_overdue_stock_fires_for_the_street_and_community_and_clears(
    assigned: Case, world: World, settings: Any
) -> None:
    settings.GRIDGOV_ALERT_OVERDUE_STOCK = 1
    rule = _rule("cases.overdue_stock")
    now = SIGN_DUE + H
    assert run_rules(now=now, rules=rule).raised == 0  # not yet marked overdue by the sweep
    sweep(now=now)
    assert run_rules(now=now, rules=rule).raised == 2
    areas = {a.area_id for a in _open("cases.overdue_stock")}
    assert areas == {world.tree.street.pk, world.tree.community.pk}
    titles = {a.title for a in _open("cases.overdue_stock")}
    assert "凤鸣社区 有 1 件超期案件" in titles
    world.sign(Case.objects.get(pk=assigned.pk), now + timedelta(minutes=5))
    assert run_rules(now=now + timedelta(minutes=10), rules=rule).cleared == 2


def test_overdue_stock_stays_quiet_under_the_threshold(
    assigned: Case, world: World, settings: Any
) -> None:
    settings.GRIDGOV_ALERT_OVERDUE_STOCK = 2
    sweep(now=SIGN_DUE + H)
    assert run_rules(now=SIGN_DUE + H, rules=_rule("cases.overdue_stock")).raised == 0


# --- cases.repeat ---------------------------------------------------------------------------------


def test_repeat_complaints_fire_for_one_grid_and_category_and_clear_after_the_week(
    world: World, settings: Any
) -> None:
    settings.GRIDGOV_ALERT_REPEAT_COUNT = 3
    for hours in (0, 5, 30):
        world.report(at=T0 + timedelta(hours=hours))
    world.report(at=T0, grid="grid3")
    world.report(at=T0 + H, grid="grid3")  # two in the other grid: under the threshold
    rule = _rule("cases.repeat")
    now = T0 + timedelta(days=2)
    assert run_rules(now=now, rules=rule).raised == 1
    assert run_rules(now=now + timedelta(minutes=2), rules=rule).raised == 0
    (alert,) = _open("cases.repeat")
    assert alert.area_id == world.tree.grid1.pk
    assert alert.fingerprint == f"{world.tree.grid1.pk}:{world.category.pk}:2025-W10"
    assert alert.title == "重复投诉：网格一 7 天内 3 次反映“暴露垃圾”"
    # A week later the reports have left the window.
    assert run_rules(now=T0 + timedelta(days=8), rules=rule).cleared == 1


def test_repeat_complaints_below_the_count_raise_nothing(world: World, settings: Any) -> None:
    settings.GRIDGOV_ALERT_REPEAT_COUNT = 3
    world.report(at=T0)
    world.report(at=T0 + H)
    assert run_rules(now=T0 + timedelta(hours=2), rules=_rule("cases.repeat")).raised == 0


# --- cases.spike ----------------------------------------------------------------------------------


def _past_weekdays(world: World, per_week: int) -> None:
    for week in range(1, 5):
        for i in range(per_week):
            world.report(at=T0 - timedelta(days=7 * week) + timedelta(minutes=i))


def test_a_spike_fires_against_the_same_weekday_of_the_last_four_weeks_and_clears(
    world: World, settings: Any
) -> None:
    settings.GRIDGOV_ALERT_SPIKE_MIN = 3
    settings.GRIDGOV_ALERT_SPIKE_FACTOR = 2
    _past_weekdays(world, 1)  # usually one case on a Monday
    for i in range(3):
        world.report(at=T0 + timedelta(minutes=i))
    rule = _rule("cases.spike")
    now = T0 + H
    assert run_rules(now=now, rules=rule).raised == 2  # the street and the community
    alerts = _open("cases.spike")
    assert {a.area_id for a in alerts} == {world.tree.street.pk, world.tree.community.pk}
    community = next(a for a in alerts if a.area_id == world.tree.community.pk)
    assert community.title == "异常激增：凤鸣社区 今日受理 3 件（往常约 1.0 件）"
    assert community.fingerprint == f"{world.tree.community.pk}:2025-03-03"
    assert run_rules(now=now + timedelta(minutes=2), rules=rule).raised == 0
    # The next day starts afresh: nothing unusual on Tuesday, the alerts clear.
    assert run_rules(now=T0 + timedelta(days=1), rules=rule).cleared == 2


def test_no_spike_when_the_same_weekday_is_usually_as_busy(world: World, settings: Any) -> None:
    settings.GRIDGOV_ALERT_SPIKE_MIN = 3
    settings.GRIDGOV_ALERT_SPIKE_FACTOR = 2
    _past_weekdays(world, 2)  # two on Mondays: 3 is less than twice that
    for i in range(3):
        world.report(at=T0 + timedelta(minutes=i))
    assert run_rules(now=T0 + H, rules=_rule("cases.spike")).raised == 0


def test_no_spike_under_the_minimum(world: World, settings: Any) -> None:
    settings.GRIDGOV_ALERT_SPIKE_MIN = 5
    for i in range(3):
        world.report(at=T0 + timedelta(minutes=i))
    assert run_rules(now=T0 + H, rules=_rule("cases.spike")).raised == 0
