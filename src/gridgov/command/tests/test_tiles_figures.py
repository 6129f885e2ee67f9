"""The registered tiles' figures after real case and dispute actions through the services
(the counters they move), and the tiles engine's permission filter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils.translation import gettext

from gridgov.accounts.roles import Perm
from gridgov.cases.tests.ops_builders import DAY0, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command import registry
from gridgov.command.tiles.selectors import scope_for, tiles_for
from gridgov.mediation.disputes.services import dispute_accept
from gridgov.mediation.tests.dispute_builders import register

H = timedelta(hours=1)


def _closed(w: World, grid: str = "grid1") -> Any:
    case = w.report(at=T0, grid=grid)
    w.accept(case, T0 + H)
    w.dispatch(case, T0 + 2 * H)
    w.sign(case, T0 + 3 * H)
    w.reply(case, T0 + 4 * H)
    return w.verify(case, T0 + 5 * H)


def _tiles(actor: Any, **kw: Any) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in tiles_for(scope_for(actor=actor, **kw))}


def _figures(tile: dict[str, Any]) -> dict[str, Any]:
    return {f["key"]: f["value"] for f in tile["figures"]}


def test_case_tiles_after_the_lifecycle(world: World) -> None:
    closed = _closed(world)
    world.rate(closed, T0 + 6 * H)
    open_case = world.report(at=T0)
    world.accept(open_case, T0 + H)
    world.report(at=T0, grid="grid3")
    tiles = _tiles(world.dispatcher, today=DAY0, date_from=DAY0, date_to=DAY0)

    intake = tiles["cases.intake"]
    assert _figures(intake) == {"reported_today": 3, "reported": 3, "accepted": 2}
    assert (intake["group"], intake["title"]) == (gettext("Cases"), gettext("Intake"))
    assert len(intake["trend"]["days"]) == 30
    assert intake["trend"]["days"][-1] == DAY0.isoformat()
    reported = intake["trend"]["series"][0]
    assert reported["key"] == "reported" and reported["values"][-1] == 3
    assert sum(reported["values"][:-1]) == 0
    assert intake["link"].endswith(f"?area={world.tree.county.pk}")

    stock = tiles["cases.stock"]
    assert _figures(stock) == {"open": 2, "overdue": 0}
    by_child = {c["name"]: (c["open"], c["overdue"]) for c in stock["children"]}
    assert by_child == {"凤鸣街道": (1, 0), "金沙镇": (1, 0)}

    rates = _figures(tiles["cases.rates"])
    assert rates == {"on_time_rate": 100.0, "satisfaction_rate": 100.0, "closed_rate": 50.0}

    levels = tiles["cases.levels"]
    assert _figures(levels) == {"grid": 100.0, "community": 0.0, "street": 0.0, "county": 0.0}
    assert [f["count"] for f in levels["figures"]] == [1, 0, 0, 0]


def test_case_tiles_are_scoped_to_the_drilled_area(world: World) -> None:
    world.report(at=T0)
    world.report(at=T0, grid="grid3")
    tiles = _tiles(
        world.dispatcher,
        area_id=world.tree.town.pk,
        today=DAY0,
        date_from=DAY0,
        date_to=DAY0,
    )
    assert _figures(tiles["cases.intake"])["reported"] == 1
    assert [c["name"] for c in tiles["cases.stock"]["children"]] == ["金沙村"]


def test_empty_rates_are_none(world: World) -> None:
    tiles = _tiles(world.dispatcher, today=DAY0, date_from=DAY0, date_to=DAY0)
    assert set(_figures(tiles["cases.rates"]).values()) == {None}


def test_dispute_tiles_after_register_and_accept(tree: Any, make_user: Any) -> None:
    dispatcher = make_user("zz_disp", ("dispatcher", tree.street))
    red = register(tree.grid1, risk="red", risk_reasons="扬言报复")
    register(tree.grid2)
    dispute_accept(actor=dispatcher, dispute=red, version=red.version)
    tiles = _tiles(dispatcher)
    assert _figures(tiles["disputes.risk"]) == {
        "high_risk_open": 1,
        "registered_today": 2,
        "registered": 2,
    }
    assert _figures(tiles["disputes.stock"]) == {"open": 2, "overdue": 0}
    assert tiles["disputes.stock"]["children"][0]["high_risk_open"] == 1
    rates = _figures(tiles["disputes.rates"])
    assert rates == {"resolution_rate": None, "on_time_rate": None, "accept_rate": 50.0}
    screening = tiles["disputes.screening"]
    assert screening["round"] is None and _figures(screening)["coverage"] is None


def test_a_tile_needs_its_own_permission(tree: Any, make_user: Any) -> None:
    leader = make_user("leader", ("leader", tree.street))  # case.view, not area.manage
    secret = registry.Tile(
        key="test.secret",
        title="secret",
        perm=Perm.MANAGE_AREA,
        compute=lambda scope: {"figures": []},
    )
    registry.register_tile(secret)
    try:
        keys = set(_tiles(leader))
    finally:
        registry.tiles.unregister("test.secret")
    assert "test.secret" not in keys
    assert {"cases.intake", "disputes.risk"} <= keys


@pytest.mark.parametrize("role", ["dispatcher", "leader", "admin"])
def test_every_command_role_gets_the_case_tiles(tree: Any, make_user: Any, role: str) -> None:
    user = make_user(f"u_{role}", (role, tree.county))
    assert "cases.stock" in _tiles(user)
