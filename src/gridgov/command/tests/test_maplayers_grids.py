"""The live map's grids (/api/v1/command/map/grids): each polygon's value is the counters'
stock of its grid after real actions through the services, read in one statement; an area
with too many grids is drawn by a coarser level with that level's own counters; polygons are
simplified and remembered until the areas change."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridgov.areas.codes import Level
from gridgov.areas.services import area_set_boundary, area_update
from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES
from gridgov.cases.supervision import sweep
from gridgov.cases.tests.ops_builders import SH, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command import registry
from gridgov.command.maplayers import geometry, selectors
from gridgov.conftest import square
from gridgov.kernel.counters.models import StockCount
from gridgov.kernel.counters.readers import stock_for
from gridgov.mediation.tests.dispute_builders import register

pytestmark = pytest.mark.django_db

URL = "/api/v1/command/map/grids"
H = timedelta(hours=1)
SIGN_DUE = datetime(2025, 3, 3, 15, 30, tzinfo=SH)


def _get(user: Any, **params: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(URL, params)


def _values(data: dict[str, Any]) -> dict[int, int]:
    return {f["properties"]["id"]: f["properties"]["value"] for f in data["features"]}


def _open_by_grid() -> Counter[int]:
    """The open cases per grid as a count over the cases would give them (for comparison)."""
    return Counter(
        Case.objects.filter(status__in=[str(s) for s in OPEN_STATES]).values_list(
            "area_id", flat=True
        )
    )


@pytest.fixture
def moved(world: World) -> World:
    """Three open cases in grid 1 (one dispatched and overdue for signing, one accepted, one
    reported) and one in grid 3, all through the services."""
    first = world.report(at=T0 - H)
    first = world.accept(first, T0 - H)
    world.dispatch(first, T0)
    second = world.report(at=T0)
    world.accept(second, T0)
    world.report(at=T0)
    world.report(grid="grid3")
    sweep(now=SIGN_DUE + H)  # the dispatched case is now overdue for signing
    return world


def test_values_are_the_counters_of_each_grid(moved: World) -> None:
    t = moved.tree
    data = _get(moved.dispatcher, area=t.county.pk, measure="cases.open").json()
    assert data["type"] == "FeatureCollection"
    assert data["level"] == Level.GRID and data["is_grids"] is True
    values = _values(data)
    assert values == {t.grid1.pk: 3, t.grid2.pk: 0, t.grid3.pk: 1}
    assert values == {g: _open_by_grid().get(g, 0) for g in values}
    assert data["max"] == 3
    assert {f["properties"]["name"] for f in data["features"]} == {"网格一", "网格二", "金沙村网格"}
    overdue = _values(_get(moved.dispatcher, area=t.county.pk, measure="cases.overdue").json())
    assert overdue == {t.grid1.pk: 1, t.grid2.pk: 0, t.grid3.pk: 0}
    assert overdue[t.grid1.pk] == stock_for("cases", t.grid1)["overdue"]
    to_dispatch = _values(
        _get(moved.dispatcher, area=t.county.pk, measure="cases.to_dispatch").json()
    )
    assert to_dispatch[t.grid1.pk] == 1  # the second case: accepted, not yet dispatched


def test_disputes_colour_by_their_own_counters(world: World) -> None:
    t = world.tree
    register(t.grid2, risk="red", risk_reasons="扬言报复")
    register(t.grid2)
    data = _get(world.dispatcher, area=t.community.pk, measure="disputes.high_risk_open").json()
    assert _values(data) == {t.grid1.pk: 0, t.grid2.pk: 1}
    data = _get(world.dispatcher, area=t.community.pk, measure="disputes.open").json()
    assert _values(data) == {t.grid1.pk: 0, t.grid2.pk: 2}
    keys = [m["key"] for m in data["measures"]]
    assert {"cases.open", "cases.overdue", "disputes.high_risk_open", "disputes.open"} <= set(keys)
    assert [layer["key"] for layer in data["layers"]] == ["cases"]


def test_the_values_are_read_in_one_statement(moved: World) -> None:
    t = moved.tree
    measure = registry.map_measures.get("cases.open")
    ids = [t.grid1.pk, t.grid2.pk, t.grid3.pk]
    with CaptureQueriesContext(connection) as ctx:
        values = selectors.stock_values(measure, ids)
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert StockCount._meta.db_table in sql and Case._meta.db_table not in sql
    assert values[t.grid1.pk] == 3


def test_an_area_with_too_many_grids_draws_its_communities(
    moved: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = moved.tree
    area_set_boundary(actor=None, area=t.community, geometry=square(106.195, 38.495, 0.03))
    area_set_boundary(actor=None, area=t.village, geometry=square(106.295, 38.595, 0.02))
    monkeypatch.setattr(geometry, "MAX_FEATURES", 2)  # three grids are "too many"
    data = _get(moved.dispatcher, area=t.county.pk, measure="cases.open").json()
    assert data["level"] == Level.COMMUNITY and data["is_grids"] is False
    assert data["level_label"]
    values = _values(data)
    assert values == {t.community.pk: 3, t.village.pk: 1}
    assert values[t.community.pk] == stock_for("cases", t.community)["open"]
    # A community of the county still draws its own grids.
    inner = _get(moved.dispatcher, area=t.community.pk, measure="cases.open").json()
    assert inner["level"] == Level.GRID and _values(inner) == {t.grid1.pk: 3, t.grid2.pk: 0}


def test_level_to_draw_picks_the_deepest_level_that_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    county = type("A", (), {"level": Level.COUNTY})()
    monkeypatch.setattr(geometry, "MAX_FEATURES", 3000)
    counts = {Level.TOWN: 20, Level.COMMUNITY: 2500, Level.GRID: 100_000}
    assert geometry.level_to_draw(county, counts) == Level.COMMUNITY  # type: ignore[arg-type]
    counts = {Level.TOWN: 20, Level.COMMUNITY: 4000, Level.GRID: 100_000}
    assert geometry.level_to_draw(county, counts) == Level.TOWN  # type: ignore[arg-type]
    counts = {Level.TOWN: 20, Level.COMMUNITY: 300, Level.GRID: 2900}
    assert geometry.level_to_draw(county, counts) == Level.GRID  # type: ignore[arg-type]


def test_polygons_are_simplified_and_follow_boundary_changes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = world.tree
    # A grid edge with 200 points on a straight line: simplified to the corners.
    x0, y0 = 106.20, 38.50
    edge = [[round(x0 + i * 0.00005, 6), y0] for i in range(200)]
    ring = [*edge, [x0 + 0.01, y0], [x0 + 0.01, y0 + 0.01], [x0, y0 + 0.01], [x0, y0]]
    area_set_boundary(actor=None, area=t.grid1, geometry={"type": "Polygon", "coordinates": [ring]})
    data = _get(world.dispatcher, area=t.community.pk, measure="cases.open").json()
    grid1 = next(f for f in data["features"] if f["id"] == t.grid1.pk)
    assert len(grid1["geometry"]["coordinates"][0]) <= 6
    # Remembered: the second read of the same area builds nothing.
    builds: list[Any] = []
    build = geometry._build
    monkeypatch.setattr(geometry, "_build", lambda area: builds.append(area) or build(area))
    _get(world.dispatcher, area=t.community.pk, measure="cases.open")
    assert builds == []
    # A new boundary and a new name (through the areas services) are seen at once.
    area_set_boundary(actor=None, area=t.grid1, geometry=square(106.201, 38.501, 0.005))
    area_update(actor=None, area=t.grid1, name="网格一（新）")
    data = _get(world.dispatcher, area=t.community.pk, measure="cases.open").json()
    grid1 = next(f for f in data["features"] if f["id"] == t.grid1.pk)
    assert grid1["properties"]["name"] == "网格一（新）"
    assert grid1["geometry"]["coordinates"][0][0] == [106.201, 38.501]
    assert len(builds) == 1


def test_the_cache_stays_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    t = world.tree
    monkeypatch.setattr(geometry, "MAX_CACHED", 2)
    for area in (t.county, t.street, t.community, t.grid1):
        geometry.drawn_under(area)
    assert len(geometry._cache.rows()) == 2
