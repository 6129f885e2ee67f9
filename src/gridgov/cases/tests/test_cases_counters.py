"""The cases' stock counters (open now, overdue now, by status) kept by the kernel's counters:
after every step through the real services the maintained rows equal a count over the cases,
for the case's area and every ancestor; the overdue flag moves them on every path."""

from __future__ import annotations

import importlib
from collections import Counter
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from gridgov.cases.indicators import stock_keys_of
from gridgov.cases.models import Case
from gridgov.cases.services.handling import case_decide_delay, case_request_delay
from gridgov.cases.services.lifecycle import case_return
from gridgov.cases.states import Source
from gridgov.cases.supervision import sweep
from gridgov.cases.tests.ops_builders import POINTS, SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.kernel.counters.models import CounterMember, StockCount
from gridgov.kernel.counters.readers import stock_for

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)
AFTER_HANDLE_DUE = datetime(2025, 3, 6, 9, 0, tzinfo=SH)


def maintained() -> dict[tuple[int, str], int]:
    return {
        (a, k): v
        for a, k, v in StockCount.objects.filter(kind="cases").values_list(
            "area_id", "key", "value"
        )
        if v
    }


def counted() -> dict[tuple[int, str], int]:
    """The stock as a GROUP BY over the cases would give it (for the comparison)."""
    totals: Counter[tuple[int, str]] = Counter()
    for path, status, sign, handle in Case.objects.values_list(
        "area_path", "status", "sign_overdue", "handle_overdue"
    ):
        for key in stock_keys_of(status=status, sign_overdue=sign, handle_overdue=handle):
            for area_id in (int(p) for p in path.split("/") if p):
                totals[(area_id, key)] += 1
    return dict(totals)


def check() -> None:
    assert maintained() == counted()


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_report_is_open_in_its_grid_and_every_ancestor(world: World) -> None:
    case = world.report()
    for area in (world.tree.grid1, world.tree.community, world.tree.street, world.tree.county):
        stock = stock_for("cases", area)
        assert stock["open"] == 1
        assert stock[f"status:{case.status}"] == 1
        assert stock["overdue"] == 0
    assert stock_for("cases", world.tree.grid3)["open"] == 0
    check()


def test_the_overdue_flag_moves_the_stock_on_every_path(world: World) -> None:
    case = world.report(at=T0 - H)
    world.accept(case, T0 - H)
    world.dispatch(case, T0)
    check()
    sweep(now=SIGN_DUE + H)  # sign-for overdue: the sweep's OVERDUE entry
    assert stock_for("cases", world.tree.county)["overdue"] == 1
    check()
    case = world.sign(fresh(case), SIGN_DUE + 2 * H)  # the handling clock runs: not overdue
    assert stock_for("cases", world.tree.county)["overdue"] == 0
    check()
    case = fresh(case)
    case = case_request_delay(  # asked for in time, decided after the deadline
        actor=world.worker,
        case=case,
        version=case.version,
        kind="extend",
        amount=3,
        unit="days",
        reason="需协调",
        now=SIGN_DUE + 3 * H,
    )
    check()
    sweep(now=AFTER_HANDLE_DUE)  # handling overdue
    assert stock_for("cases", world.tree.county)["overdue"] == 1
    check()
    case_decide_delay(  # an approved extension clears the flag
        actor=world.dispatcher,
        case=fresh(case),
        version=fresh(case).version,
        approve=True,
        now=AFTER_HANDLE_DUE + 2 * H,
    )
    assert stock_for("cases", world.tree.county)["overdue"] == 0
    check()
    case = world.reply(fresh(case), AFTER_HANDLE_DUE + 3 * H)
    case = world.verify(case, AFTER_HANDLE_DUE + 4 * H)
    county = stock_for("cases", world.tree.county)
    assert county["open"] == 0 and county["status:closed"] == 1
    check()
    world.reopen(case, AFTER_HANDLE_DUE + 5 * H)
    assert stock_for("cases", world.tree.county)["open"] == 1
    check()


def test_a_return_clears_an_overdue_case(world: World) -> None:
    case = world.report(at=T0 - H)
    world.accept(case, T0 - H)
    world.dispatch(case, T0)
    sweep(now=SIGN_DUE + H)
    case = fresh(case)
    case_return(
        actor=world.worker, case=case, version=case.version, reason="不属于本网格", now=SIGN_DUE + H
    )
    county = stock_for("cases", world.tree.county)
    assert county["overdue"] == 0 and county["status:accepted"] == 1
    check()


def test_resolved_on_the_spot_is_closed_not_open(world: World) -> None:
    world.report(on_spot=True)
    county = stock_for("cases", world.tree.county)
    assert county["open"] == 0
    assert county["status:closed"] == 1
    check()


def test_batch_intake_counts_what_single_intake_counts(world: World) -> None:
    from gridgov.cases.services.intake_many import case_report_many

    reports = [
        {
            "source": Source.PATROL,
            "category": world.category,
            "title": "路边垃圾堆放",
            "lon": POINTS[grid][0],
            "lat": POINTS[grid][1],
            "resolved_on_spot": on_spot,
            "on_spot_reply": "已清理" if on_spot else "",
        }
        for grid, on_spot in (("grid1", False), ("grid1", True), ("grid1", False))
    ]
    answers = case_report_many(actor=world.worker, reports=reports)
    assert [type(a).__name__ for a in answers] == ["IntakeResult"] * 3
    assert stock_for("cases", world.tree.community)["open"] == 2
    check()


def test_a_resident_report_not_checked_in_time_moves_to_reported(world: World) -> None:
    from gridgov.cases.services.intake import case_report

    lon, lat = POINTS["grid1"]
    case = case_report(
        actor=None,
        source=Source.RESIDENT,
        category=world.category,
        title="井盖缺失",
        lon=lon,
        lat=lat,
        reported_at=T0,
    ).case
    assert case.status == "to_check" and case.check_due_at is not None
    assert stock_for("cases", world.tree.county)["status:to_check"] == 1
    check()
    sweep(now=case.check_due_at + H)  # the sweep's bulk path (check time-out)
    assert fresh(case).status == "reported"
    county = stock_for("cases", world.tree.county)
    assert county["status:to_check"] == 0 and county["status:reported"] == 1
    check()


def test_rebuild_restores_the_maintained_stock(world: World) -> None:
    case = world.report(at=T0 - H)
    world.accept(case, T0 - H)
    world.dispatch(case, T0)
    sweep(now=SIGN_DUE + H)
    world.report(grid="grid3")
    before = maintained()
    StockCount.objects.filter(kind="cases").update(value=99)
    CounterMember.objects.filter(kind="cases").delete()
    call_command("rebuild_counters", "--kind", "cases", verbosity=0)
    assert maintained() == before
    StockCount.objects.all().delete()
    call_command("rebuild_case_stats", verbosity=0)  # the old command rebuilds the stock too
    assert maintained() == before
    # and after a rebuild the writer goes on from the member rows
    world.sign(fresh(case), SIGN_DUE + 2 * H)
    check()


def test_the_data_migration_fills_the_stock_of_existing_cases(world: World) -> None:
    world.report()
    world.report(grid="grid3", on_spot=True)
    expected = maintained()
    StockCount.objects.all().delete()
    CounterMember.objects.all().delete()
    migration = importlib.import_module("gridgov.cases.migrations.0011_counters_stock_fill")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert maintained() == expected == counted()
    assert CounterMember.objects.filter(kind="cases").count() == 2


def test_stock_for_lists_every_status_key(world: World) -> None:
    stock: dict[str, Any] = stock_for("cases", world.tree.county)
    assert {"open", "overdue", "status:reported", "status:closed"} <= set(stock)
    assert set(stock.values()) == {0}
