"""The series reads (:mod:`gridgov.kernel.counters.series`): per day of one area and per area
of many, for a kind with a wide flow table (cases' CaseStat) and one in the shared narrow
table; the stock of many areas. Each agrees with the single-area readers; run on SQLite and
PostgreSQL (the SQL is built by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from gridgov.kernel.counters import readers, series
from gridgov.kernel.counters.models import StockCount
from gridgov.kernel.counters.registry import Kind, get, register, unregister
from gridgov.kernel.counters.writer import add_flows

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 3)


@pytest.fixture
def gadgets() -> Iterator[Kind]:
    kind = register(
        Kind(
            name="gadgets",
            flows=("found", "done"),
            flow_deltas=lambda obj, event: {},
            stock_keys=("open", "late"),
            stock_of=lambda obj: frozenset(),
            area_path_of=lambda obj: obj.area_path,
            object_id_of=lambda obj: obj.pk,
            day_of=lambda event: event.at.date(),
        )
    )
    yield kind
    unregister("gadgets")


def _fill(kind: Kind, tree: Any) -> None:
    first = kind.flows[0]
    second = kind.flows[1]
    add_flows(
        kind,
        {
            (tree.street.pk, DAY): {first: 2, second: 1},
            (tree.street.pk, DAY + timedelta(days=2)): {first: 1},
            (tree.town.pk, DAY): {second: 4},
            (tree.town.pk, DAY - timedelta(days=1)): {first: 9},  # outside the periods read
        },
    )


@pytest.mark.parametrize("name", ["cases", "gadgets"])
def test_flows_by_day_has_every_day(tree: Any, gadgets: Kind, name: str) -> None:
    kind = get(name)
    _fill(kind, tree)
    first, second = kind.flows[0], kind.flows[1]
    by_day = series.flows_by_day(name, tree.street.pk, DAY, DAY + timedelta(days=3))
    assert list(by_day) == [DAY + timedelta(days=i) for i in range(4)]
    assert [(d[first], d[second]) for d in by_day.values()] == [(2, 1), (0, 0), (1, 0), (0, 0)]
    assert all(set(d) == set(kind.flows) for d in by_day.values())
    total = readers.flows_for(name, tree.street, DAY, DAY + timedelta(days=3))
    assert total[first] == sum(d[first] for d in by_day.values())


@pytest.mark.parametrize("name", ["cases", "gadgets"])
def test_flows_of_areas_equals_the_single_reads(tree: Any, gadgets: Kind, name: str) -> None:
    kind = get(name)
    _fill(kind, tree)
    ids = [tree.street.pk, tree.town.pk, tree.grid1.pk]  # three ids: padded to four
    many = series.flows_of_areas(name, ids, DAY, DAY + timedelta(days=2))
    assert set(many) == set(ids)
    for area_id in ids:
        assert many[area_id] == readers.flows_for(name, area_id, DAY, DAY + timedelta(days=2))
    assert many[tree.street.pk][kind.flows[0]] == 3
    assert many[tree.town.pk][kind.flows[1]] == 4
    assert set(many[tree.grid1.pk].values()) == {0}


def test_flows_of_areas_in_chunks(tree: Any, gadgets: Kind, monkeypatch: Any) -> None:
    _fill(gadgets, tree)
    monkeypatch.setattr(series, "MAX_IDS", 1)
    many = series.flows_of_areas("gadgets", [tree.street.pk, tree.town.pk], DAY, DAY)
    assert (many[tree.street.pk]["found"], many[tree.town.pk]["done"]) == (2, 4)


def test_stock_of_areas(tree: Any, gadgets: Kind) -> None:
    StockCount.objects.bulk_create(
        [
            StockCount(kind="gadgets", area_id=tree.street.pk, key="open", value=3),
            StockCount(kind="gadgets", area_id=tree.street.pk, key="late", value=1),
            StockCount(kind="gadgets", area_id=tree.town.pk, key="open", value=5),
            StockCount(kind="other", area_id=tree.town.pk, key="open", value=7),
        ]
    )
    many = series.stock_of_areas("gadgets", [tree.street.pk, tree.town.pk, tree.grid3.pk])
    assert many == {
        tree.street.pk: {"open": 3, "late": 1},
        tree.town.pk: {"open": 5, "late": 0},
        tree.grid3.pk: {"open": 0, "late": 0},
    }
    assert many[tree.street.pk] == readers.stock_for("gadgets", tree.street)


def test_no_ids_reads_nothing(gadgets: Kind, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert series.flows_of_areas("gadgets", [], DAY, DAY) == {}
        assert series.stock_of_areas("gadgets", []) == {}
