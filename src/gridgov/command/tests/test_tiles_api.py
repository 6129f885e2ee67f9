"""GET /api/v1/command/{scope,tiles,rankings}: the JSON contract, and the refusals as JSON
(403 without command.view, 404 outside the jurisdiction, 400 for a bad period)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import token_issue
from gridgov.cases.indicators import local_today

API = "/api/v1/command"


def _client(user: Any) -> tuple[Client, dict[str, str]]:
    _token, raw = token_issue(user=user)
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def street(tree: Any, make_user: Any) -> tuple[Client, dict[str, str]]:
    return _client(make_user("street_disp", ("dispatcher", tree.street)))


def test_scope_contract(tree: Any, street: Any) -> None:
    client, auth = street
    body = client.get(f"{API}/scope", **auth).json()
    today = local_today()
    assert body == {
        "area": {"id": tree.street.pk, "name": "凤鸣街道", "level": 4, "code": "640110001"},
        "breadcrumbs": [{"id": tree.street.pk, "name": "凤鸣街道"}],
        "children": [{"id": tree.community.pk, "name": "凤鸣社区", "level": 5}],
        "period": {"from": today.replace(day=1).isoformat(), "to": today.isoformat()},
    }


def test_tiles_contract(tree: Any, street: Any) -> None:
    client, auth = street
    response = client.get(f"{API}/tiles?area={tree.community.pk}", **auth)
    assert response.status_code == 200
    body = response.json()
    assert body["area"]["id"] == tree.community.pk
    tiles = {t["key"]: t for t in body["tiles"]}
    assert {"cases.intake", "cases.stock", "disputes.risk", "disputes.screening"} <= set(tiles)
    stock = tiles["cases.stock"]
    assert stock["children"] == [
        {"id": tree.grid1.pk, "name": "网格一", "open": 0, "overdue": 0},
        {"id": tree.grid2.pk, "name": "网格二", "open": 0, "overdue": 0},
    ]
    assert {f["key"] for f in stock["figures"]} == {"open", "overdue"}
    assert all({"key", "label", "value", "unit"} <= set(f) for f in stock["figures"])
    assert len(stock["trend"]["series"][0]["values"]) == 30
    rates = tiles["cases.rates"]["figures"]
    assert [(f["key"], f["value"], f["unit"]) for f in rates][0] == ("on_time_rate", None, "%")
    assert "count" not in rates[0]  # only the shares carry a count
    assert [f["count"] for f in tiles["cases.levels"]["figures"]] == [0, 0, 0, 0]


def test_rankings_contract(tree: Any, make_user: Any) -> None:
    client, auth = _client(make_user("county_disp", ("dispatcher", tree.county)))
    body = client.get(f"{API}/rankings?measure=cases.closed_rate", **auth).json()
    assert [m["key"] for m in body["measures"]] == ["cases.closed_rate"]
    assert body["measures"][0]["unit"] == "%"
    (ranking,) = body["rankings"]
    assert [r["name"] for r in ranking["rows"]] == ["凤鸣街道", "金沙镇"]
    assert ranking["rows"][0] == {
        "id": tree.street.pk,
        "name": "凤鸣街道",
        "value": None,
        "rank": None,
        "previous_rank": None,
        "change": "same",
    }


def test_another_street_is_404(tree: Any, street: Any) -> None:
    client, auth = street
    for path in ("scope", "tiles", "rankings"):
        response = client.get(f"{API}/{path}?area={tree.town.pk}", **auth)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"


def test_without_command_view_is_403(tree: Any, make_user: Any) -> None:
    client, auth = _client(make_user("cs", ("community_staff", tree.community)))
    response = client.get(f"{API}/tiles", **auth)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_is_401() -> None:
    assert Client().get(f"{API}/scope").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-02-30", "from"),
        ("to=tomorrow", "to"),
        ("to=2100-01-01", "to"),
        ("from=2020-01-01&to=2024-01-01", "from"),
    ],
)
def test_bad_period_is_400_with_a_field(street: Any, query: str, field: str) -> None:
    client, auth = street
    response = client.get(f"{API}/tiles?{query}", **auth)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_unknown_measure_is_400(street: Any) -> None:
    client, auth = street
    response = client.get(f"{API}/rankings?measure=nope", **auth)
    assert response.status_code == 400
    assert "measure" in response.json()["fields"]


def test_openapi_names_its_schemas(client: Client, db: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"CommandScopeOut", "CommandTilesOut", "CommandRankingsOut"} <= set(schemas)
