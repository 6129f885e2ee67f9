"""The case map's JSON (/cases/map.json): scoped per role, bounded, nothing personal; and where
the map is shown (home page, area browser)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts.roles import Role
from gridgov.accounts.services import department_create
from gridgov.areas.services import area_set_boundary
from gridgov.cases.casemap import selectors as casemap
from gridgov.cases.states import Status
from gridgov.cases.tests.core_builders import NOW, make_case
from gridgov.conftest import square
from gridgov.rosters.services.places import building_create

URL = "/cases/map.json"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(user: Any, **params: Any) -> Any:
    response = _client(user).get(reverse("cases:map_json"), params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.fixture
def world(tree: Any, make_user: Any) -> Any:
    dept = department_create(actor=None, name="城管中队", kind="urban_management", area=tree.street)
    grant_at = {
        Role.RESIDENT: tree.grid1,
        Role.GRID_WORKER: tree.grid1,
        Role.BUILDING_CHIEF: tree.grid1,
        Role.COMMUNITY_STAFF: tree.community,
    }
    users = {
        role: make_user(f"as_{role}", (role, grant_at.get(role, tree.street)), department=dept)
        for role in Role.values
    }
    users["county_dispatcher"] = make_user("county", (Role.DISPATCHER, tree.county))
    inside = make_case(
        tree.grid1,
        lon=106.205,
        lat=38.505,
        title="王小明 13812345678 家门口路灯不亮",
        description="身份证 640102199001011234",
        address="凤鸣路 12 号",
        reporter_name="王小明",
    )
    second = make_case(
        tree.grid1,
        status=Status.IN_PROGRESS,
        lon=106.206,
        lat=38.506,
        handle_overdue=True,
        reported_at=NOW - timedelta(hours=1),
    )
    closed = make_case(tree.grid1, status=Status.CLOSED, lon=106.207, lat=38.507)
    no_point = make_case(tree.grid2)
    outside = make_case(tree.grid3, lon=106.305, lat=38.605)
    return type(
        "World",
        (),
        {
            "tree": tree,
            "users": users,
            "dept": dept,
            "inside": inside,
            "second": second,
            "closed": closed,
            "no_point": no_point,
            "outside": outside,
        },
    )


def test_dispatcher_sees_the_open_cases_of_the_jurisdiction_only(world: Any) -> None:
    data = _get(world.users[Role.DISPATCHER])
    ids = {p["id"] for p in data["points"]}
    assert ids == {world.inside.pk, world.second.pk}  # not closed, not outside, not unlocated
    assert data["open_total"] == 3  # the case without a point counts in its grid
    by_name = {f["properties"]["name"]: f["properties"]["open"] for f in data["grids"]["features"]}
    assert by_name == {"网格一": 2, "网格二": 1}  # no 金沙村网格: outside the jurisdiction
    assert data["max_open"] == 2
    assert data["truncated"] is False


def test_newest_first_and_overdue_flag(world: Any) -> None:
    points = _get(world.users[Role.DISPATCHER])["points"]
    assert [p["id"] for p in points] == [world.second.pk, world.inside.pk]
    assert points[0]["overdue"] is True and points[1]["overdue"] is False
    assert points[0]["url"] == reverse("cases:detail", args=[world.second.pk])
    assert points[0]["status_label"] == "办理中"


def test_nothing_personal_in_the_answer(world: Any) -> None:
    body = _client(world.users[Role.DISPATCHER]).get(URL).content.decode()
    for personal in ("王小明", "13812345678", "640102199001011234", "凤鸣路", "路灯不亮"):
        assert personal not in body
    point = _get(world.users[Role.DISPATCHER])["points"][0]
    assert set(point) == {
        "id",
        "number",
        "lon",
        "lat",
        "category",
        "status",
        "status_label",
        "overdue",
        "url",
    }


def test_area_narrows_the_map_and_outside_is_404(world: Any) -> None:
    dispatcher = world.users[Role.DISPATCHER]
    data = _get(dispatcher, area=world.tree.grid2.pk)
    assert data["points"] == []
    assert [f["properties"]["name"] for f in data["grids"]["features"]] == ["网格二"]
    assert data["open_total"] == 1
    response = _client(dispatcher).get(URL, {"area": world.tree.grid3.pk})
    assert response.status_code == 404


def test_county_dispatcher_sees_both_towns(world: Any) -> None:
    data = _get(world.users["county_dispatcher"])
    assert {p["id"] for p in data["points"]} == {world.inside.pk, world.second.pk, world.outside.pk}


def test_grid_worker_sees_only_their_grid(world: Any) -> None:
    data = _get(world.users[Role.GRID_WORKER])
    assert {p["id"] for p in data["points"]} == {world.inside.pk, world.second.pk}
    assert [f["properties"]["name"] for f in data["grids"]["features"]] == ["网格一"]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.BUILDING_CHIEF])
def test_roles_without_case_view_get_nothing(world: Any, role: str) -> None:
    # Residents see their own reports on their report pages, never on a map of others' cases.
    response = _client(world.users[role]).get(URL)
    assert response.status_code == 403
    assert b"points" not in response.content


def test_anonymous_is_sent_to_sign_in(world: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_points_are_limited_to_the_newest(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(casemap, "MAX_POINTS", 1)
    data = _get(world.users[Role.DISPATCHER])
    assert [p["id"] for p in data["points"]] == [world.second.pk]
    assert data["truncated"] is True
    assert data["open_total"] == 3  # the counts per grid still cover every open case
    assert sum(f["properties"]["open"] for f in data["grids"]["features"]) == 3


def test_county_outline_and_buildings_with_coordinates(world: Any) -> None:
    county = world.tree.county
    area_set_boundary(
        actor=None, area=county, geometry=square(106.10, 38.40, 0.5), version=county.version
    )
    building_create(
        actor=None,
        area=world.tree.grid1,
        name="3号楼",
        floors=6,
        units=2,
        rooms_per_floor=2,
        lon=106.203,
        lat=38.503,
    )
    building_create(
        actor=None, area=world.tree.grid1, name="无坐标楼", floors=6, units=1, rooms_per_floor=2
    )
    data = _get(world.users[Role.DISPATCHER])
    assert data["county"]["properties"]["name"] == "凤城区"
    assert data["county"]["geometry"]["type"] == "Polygon"
    assert data["buildings"] == [{"name": "3号楼", "lon": 106.203, "lat": 38.503}]
    # A department handler does not see rosters: no buildings on its map.
    assert _get(world.users[Role.DEPT_HANDLER])["buildings"] == []


def test_home_shows_the_case_map_to_dispatchers_only(world: Any) -> None:
    home = reverse("core:home")
    page = _client(world.users[Role.DISPATCHER]).get(home).content.decode()
    assert 'data-testid="home-case-map"' in page
    assert f'data-cases-url="{reverse("cases:map_json")}"' in page
    assert "未配置底图" in page  # GRIDGOV_TILE_URL is unset in the tests
    for role in (Role.RESIDENT, Role.GRID_WORKER, Role.DEPT_HANDLER):
        page = _client(world.users[role]).get(home).content.decode()
        assert 'data-testid="home-case-map"' not in page, role


def test_area_browser_adds_the_case_layer_where_cases_are_visible(world: Any) -> None:
    grid = world.tree.grid1
    detail = reverse("areas:detail", args=[grid.pk])
    page = _client(world.users[Role.DISPATCHER]).get(detail).content.decode()
    assert f'data-cases-url="{reverse("cases:map_json")}?area={grid.pk}"' in page
    assert "leaflet.markercluster.js" in page
    page = _client(world.users[Role.RESIDENT]).get(detail).content.decode()
    assert "data-cases-url" not in page
    assert "leaflet.markercluster.js" not in page


def test_tile_server_replaces_the_note(world: Any, settings: Any) -> None:
    settings.GRIDGOV_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    page = _client(world.users[Role.DISPATCHER]).get(reverse("core:home")).content.decode()
    assert 'data-tile-url="/tiles/{z}/{x}/{y}.png"' in page
    assert "未配置底图" not in page


def test_the_api_gives_the_same_scoped_answer(world: Any) -> None:
    from gridgov.accounts.services import token_issue

    def api(user: Any, **params: Any) -> Any:
        _token, raw = token_issue(user=user, name="map")
        return Client().get("/api/v1/cases/map", params, HTTP_AUTHORIZATION=f"Bearer {raw}")

    dispatcher = world.users[Role.DISPATCHER]
    answer = api(dispatcher)
    assert answer.status_code == 200
    assert answer.json() == _get(dispatcher)
    assert api(dispatcher, area=world.tree.grid3.pk).status_code == 404
    assert api(world.users[Role.RESIDENT]).status_code == 403


def test_many_open_cases_are_read_newest_first_the_other_way(world: Any, monkeypatch: Any) -> None:
    # Above WALK_ABOVE open cases the points come from the newest-first walk: same answer.
    expected = _get(world.users[Role.DISPATCHER])
    monkeypatch.setattr(casemap, "WALK_ABOVE", 0)
    assert _get(world.users[Role.DISPATCHER]) == expected
    monkeypatch.setattr(casemap, "MAX_POINTS", 1)
    assert [p["id"] for p in _get(world.users[Role.DISPATCHER])["points"]] == [world.second.pk]
