"""Rankings: the children ranked by each measure, ties sharing a rank, no value last, and the
arrows against the preceding period of the same length, after real case actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from gridgov.cases.tests.ops_builders import DAY0, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command.tiles.selectors import (
    measures_for,
    previous_period,
    rank_rows,
    rankings_for,
    scope_for,
)
from gridgov.core.errors import ValidationFailed

H = timedelta(hours=1)
D = timedelta(days=1)


def test_previous_period_has_the_same_length() -> None:
    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 1, 29),
        date(2026, 2, 28),
    )
    assert previous_period(date(2026, 3, 5), date(2026, 3, 5)) == (
        date(2026, 3, 4),
        date(2026, 3, 4),
    )


def test_ties_share_a_rank_and_none_comes_last() -> None:
    subjects = [(1, "甲"), (2, "乙"), (3, "丙"), (4, "丁")]
    rows = rank_rows(
        subjects,
        {1: 50.0, 2: None, 3: 80.0, 4: 50.0},
        {1: 80.0, 2: 10.0, 3: 50.0, 4: None},
        higher_is_better=True,
    )
    assert [(r["id"], r["rank"], r["previous_rank"], r["change"]) for r in rows] == [
        (3, 1, 2, "up"),
        (1, 2, 1, "down"),
        (4, 2, None, "new"),
        (2, None, 3, "same"),
    ]


def test_lower_is_better_ranks_the_smallest_first() -> None:
    rows = rank_rows(
        [(1, "甲"), (2, "乙"), (3, "丙")],
        {1: 5.0, 2: 0.0, 3: 5.0},
        {},
        higher_is_better=False,
        compared=False,
    )
    assert [(r["id"], r["rank"], r["change"]) for r in rows] == [
        (2, 1, "same"),
        (1, 2, "same"),
        (3, 2, "same"),
    ]


def _close(w: World, grid: str, at: Any) -> None:
    case = w.report(at=at, grid=grid)
    w.accept(case, at + H)
    w.dispatch(case, at + 2 * H)
    w.sign(case, at + 3 * H)
    w.reply(case, at + 4 * H)
    w.verify(case, at + 5 * H)


def _accept_only(w: World, grid: str, at: Any) -> Any:
    case = w.report(at=at, grid=grid)
    return w.accept(case, at + H)


def _rows(rankings: list[dict[str, Any]], key: str) -> list[tuple[str, Any, Any, Any, str]]:
    ranking = next(r for r in rankings if r["measure"] == key)
    return [
        (r["name"], r["value"], r["rank"], r["previous_rank"], r["change"])
        for r in ranking["rows"]
    ]


def test_streets_ranked_with_arrows_after_real_cases(world: World) -> None:
    # Day 1: the street accepts one case and closes none; the town closes its case.
    _accept_only(world, "grid1", T0)
    _close(world, "grid3", T0)
    # Day 2: the other way round.
    _close(world, "grid1", T0 + D)
    _accept_only(world, "grid3", T0 + D)
    day2 = DAY0 + D
    scope = scope_for(actor=world.dispatcher, today=day2, date_from=day2, date_to=day2)
    rankings = rankings_for(scope)
    assert _rows(rankings, "cases.closed_rate") == [
        ("凤鸣街道", 100.0, 1, 2, "up"),
        ("金沙镇", 0.0, 2, 1, "down"),
    ]
    # Both closed on time on their day, the town had nothing to close on day 2.
    assert _rows(rankings, "cases.on_time_rate") == [
        ("凤鸣街道", 100.0, 1, None, "new"),
        ("金沙镇", None, None, 1, "same"),
    ]
    # The stock now: the street's day-1 case and the town's day-2 case are open, none overdue.
    assert _rows(rankings, "cases.overdue") == [
        ("凤鸣街道", 0.0, 1, None, "same"),
        ("金沙镇", 0.0, 1, None, "same"),
    ]
    # Closed at the grid: below the street's own level, so resolved locally.
    assert _rows(rankings, "cases.own_level_rate")[0] == ("凤鸣街道", 100.0, 1, None, "new")


def test_one_measure_and_its_description(world: World) -> None:
    scope = scope_for(actor=world.dispatcher, today=DAY0)
    rankings = rankings_for(scope, "cases.overdue")
    assert [r["measure"] for r in rankings] == ["cases.overdue"]
    (measure,) = measures_for(scope, "cases.overdue")
    assert measure["higher_is_better"] is False
    assert measure["subjects"] == "areas"
    assert measure["formula"]
    with pytest.raises(ValidationFailed) as err:
        rankings_for(scope, "cases.nonsense")
    assert "measure" in err.value.as_dict()["fields"]


def test_a_grid_has_nothing_to_rank(world: World) -> None:
    scope = scope_for(actor=world.dispatcher, area_id=world.tree.grid1.pk, today=DAY0)
    assert all(r["rows"] == [] for r in rankings_for(scope))


def test_dispute_measures_are_listed_for_a_dispatcher(world: World) -> None:
    scope = scope_for(actor=world.dispatcher, today=DAY0)
    keys = {m["key"] for m in measures_for(scope)}
    assert {"disputes.resolution_rate", "disputes.high_risk_open", "cases.on_time_rate"} <= keys
