"""Rankings in the reports are generic over the registered RankMeasures: a measure a module
registers ranks the children of the report's area, with the rank of the previous period and
the change, and its formula joins the formulas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils.translation import gettext as _

from gridgov.command.registry import RankMeasure, Scope, rank_measures, register_rank_measure
from gridgov.command.reports.rankings import _ranks, rankings

# Reports per child area, invented for the test: 金沙镇 falls behind in March.
VALUES = {
    "2025-03": {"凤鸣街道": 5.0, "金沙镇": 1.0},
    "2025-02": {"凤鸣街道": 2.0, "金沙镇": 4.0},
}


@pytest.fixture
def measure(tree: Any) -> Iterator[RankMeasure]:
    names = {tree.street.pk: "凤鸣街道", tree.town.pk: "金沙镇"}

    def compute(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
        month = VALUES.get(f"{date_from:%Y-%m}", {})
        return {i: month.get(names.get(i, ""), None) for i in ids}

    m = register_rank_measure(
        RankMeasure(
            key="cases.test_reports",
            title="测试上报数",
            perm="case.view",
            compute=compute,
            formula="本期上报数",
        )
    )
    yield m
    rank_measures.unregister(m.key)


def test_the_children_are_ranked_with_the_change(tree: Any, measure: RankMeasure) -> None:
    scope = Scope(
        actor=None,
        area=tree.county,
        today=date(2025, 4, 2),
        date_from=date(2025, 3, 1),
        date_to=date(2025, 3, 28),
    )
    # The previous period has the same length: 28 days before 1 March starts on 1 February.
    assert scope.date_from - timedelta(days=28) == date(2025, 2, 1)
    result = rankings(scope, prefix="cases.")
    table = next(t for t in result["tables"] if "测试上报数" in t["title"])
    rows = {row[1]: row for row in table["rows"]}
    assert rows["凤鸣街道"][0] == 1 and rows["凤鸣街道"][3] == 2
    assert rows["金沙镇"][0] == 2 and rows["金沙镇"][3] == 1
    assert (rows["凤鸣街道"][4], rows["金沙镇"][4]) == (_("up"), _("down"))
    assert {"name": "测试上报数", "formula": "本期上报数"} in result["formulas"]
    # Only the measures of the asked module.
    assert all(
        "测试上报数" not in t["title"] for t in rankings(scope, prefix="mediation.")["tables"]
    )


def test_rates_are_shown_as_percentages() -> None:
    from gridgov.command.reports.rankings import format_measure

    assert format_measure(85.25, "%") == "85.3%"
    assert format_measure(None, "%") == "—"
    assert format_measure(3.0, "件") == 3


def test_ties_share_a_rank_and_undefined_values_have_none() -> None:
    assert _ranks({1: 0.9, 2: 0.9, 3: 0.5, 4: None}, True) == {1: 1, 2: 1, 3: 3}
    assert _ranks({1: 3.0, 2: 1.0}, False) == {2: 1, 1: 2}
