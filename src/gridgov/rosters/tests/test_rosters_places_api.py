"""/api/v1/rosters places endpoints: estates, villagers' groups, buildings (grid, move), staff
posts and the portrait — shapes, scoping (404 outside), refusals (403, nothing changed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gridgov.accounts.services import token_issue
from gridgov.rosters.models import Building, BuildingMove, Estate, Room, StaffAssignment
from gridgov.rosters.services.places import building_create
from gridgov.rosters.tests import places_support as sup

API = "/api/v1/rosters"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def call(client: Any, method: str, url: str, user: Any = None, body: Any = None) -> Any:
    kw: dict[str, Any] = {}
    if user is not None:
        _token, raw = token_issue(user=user)
        kw["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    if body is not None:
        kw["data"] = json.dumps(body)
        kw["content_type"] = "application/json"
    return getattr(client, method)(API + url, **kw)


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def staff(tree, make_user):
    return make_user("staff", ("community_staff", tree.community))


@pytest.fixture
def building(tree):
    return building_create(
        actor=None, area=tree.grid1, name="1号楼", floors=2, units=2, rooms_per_floor=2
    )


def test_anonymous_gets_401(client, tree):
    assert call(client, "get", "/buildings").status_code == 401


def test_create_building_answers_its_units(client, tree, worker):
    response = call(
        client,
        "post",
        "/buildings",
        worker,
        {"area_id": tree.grid1.pk, "name": "3号楼", "floors": 18, "units": 2, "rooms_per_floor": 4},
    )
    assert response.status_code == 201
    data = response.json()
    assert data["area"]["id"] == tree.grid1.pk
    assert data["version"] == 1
    assert [(u["number"], u["name"], u["rooms"]) for u in data["units"]] == [
        (1, "1单元", 72),
        (2, "2单元", 72),
    ]
    assert data["moves"] == []


def test_create_building_with_bad_sizes_is_422(client, tree, worker):
    response = call(
        client,
        "post",
        "/buildings",
        worker,
        {"area_id": tree.grid1.pk, "name": "3号楼", "floors": 0, "units": 1, "rooms_per_floor": 1},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert not Building.objects.exists()


def test_create_building_in_another_grid_is_404(client, tree, worker):
    response = call(
        client,
        "post",
        "/buildings",
        worker,
        {"area_id": tree.grid2.pk, "name": "3号楼", "floors": 1, "units": 1, "rooms_per_floor": 1},
    )
    assert response.status_code == 404
    assert not Building.objects.exists()


def test_viewer_without_roster_edit_gets_403(client, tree, make_user):
    bc = make_user("bc", ("building_chief", tree.grid1))
    response = call(
        client,
        "post",
        "/buildings",
        bc,
        {"area_id": tree.grid1.pk, "name": "3号楼", "floors": 1, "units": 1, "rooms_per_floor": 1},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_building_list_is_scoped(client, tree, worker, building):
    building_create(
        actor=None, area=tree.grid2, name="别处楼", floors=1, units=1, rooms_per_floor=1
    )
    data = call(client, "get", "/buildings", worker).json()
    assert data["count"] == 1
    assert data["items"][0]["name"] == "1号楼"
    assert set(data) == {"items", "count", "page", "page_size", "pages"}


def test_building_of_another_grid_is_404(client, tree, make_user, building):
    other = make_user("other", ("grid_worker", tree.grid2))
    response = call(client, "get", f"/buildings/{building.pk}", other)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_patch_building_with_version(client, tree, worker, building):
    url = f"/buildings/{building.pk}"
    ok = call(client, "patch", url, worker, {"version": 1, "name": "2号楼"})
    assert ok.status_code == 200
    assert (ok.json()["name"], ok.json()["version"]) == ("2号楼", 2)
    stale = call(client, "patch", url, worker, {"version": 1, "name": "9号楼"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert Building.objects.get(pk=building.pk).name == "2号楼"


def test_patch_building_sets_and_clears_the_estate(client, tree, worker, building):
    estate = call(
        client, "post", "/estates", worker, {"area_id": tree.grid1.pk, "name": "凤鸣小区"}
    )
    assert estate.status_code == 201
    url = f"/buildings/{building.pk}"
    data = call(client, "patch", url, worker, {"version": 1, "estate_id": estate.json()["id"]})
    assert data.json()["estate"]["name"] == "凤鸣小区"
    cleared = call(client, "patch", url, worker, {"version": 2, "estate_id": None}).json()
    assert cleared["estate"] is None


def test_building_grid_shape_and_occupancy(client, tree, worker, building):
    room = Room.objects.get(unit__building=building, unit__number=2, number="102")
    h = sup.household(area=tree.grid1, room=room)
    sup.resident(household=h)
    sup.resident(household=h)
    data = call(client, "get", f"/buildings/{building.pk}/grid", worker).json()
    assert (data["rooms"], data["occupied_rooms"], data["households"], data["residents"]) == (
        8,
        1,
        1,
        2,
    )
    unit2 = data["units"][1]
    assert [f["floor"] for f in unit2["floors"]] == [2, 1]
    cell = unit2["floors"][1]["rooms"][1]
    assert cell == {
        "id": room.pk,
        "number": "102",
        "households": 1,
        "residents": 2,
        "household_ids": [h.pk],
    }


def test_move_building(client, tree, staff, building):
    response = call(
        client,
        "post",
        f"/buildings/{building.pk}/move",
        staff,
        {"to_area_id": tree.grid2.pk, "reason": "网格调整"},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["from_area"]["id"], data["to_area"]["id"]) == (tree.grid1.pk, tree.grid2.pk)
    detail = call(client, "get", f"/buildings/{building.pk}", staff).json()
    assert detail["area"]["id"] == tree.grid2.pk
    assert len(detail["moves"]) == 1


def test_worker_cannot_move_a_building_outside_the_jurisdiction(client, tree, worker, building):
    response = call(
        client,
        "post",
        f"/buildings/{building.pk}/move",
        worker,
        {"to_area_id": tree.grid2.pk, "reason": "网格调整"},
    )
    assert response.status_code == 404
    assert Building.objects.get(pk=building.pk).area_id == tree.grid1.pk
    assert not BuildingMove.objects.exists()


def test_add_unit_and_room(client, tree, worker, building):
    unit = call(client, "post", f"/buildings/{building.pk}/units", worker, {})
    assert unit.status_code == 201
    assert unit.json()["number"] == 3
    room = call(
        client,
        "post",
        f"/buildings/{building.pk}/rooms",
        worker,
        {"unit_id": unit.json()["id"], "floor": 1},
    )
    assert room.status_code == 201
    assert room.json()["number"] == "101"


def test_estates_and_village_groups(client, tree, make_user):
    v = make_user("v", ("grid_worker", tree.grid3))
    created = call(client, "post", "/village-groups", v, {"area_id": tree.grid3.pk, "name": "一组"})
    assert created.status_code == 201
    listed = call(client, "get", "/village-groups", v).json()
    assert [g["name"] for g in listed["items"]] == ["一组"]
    dup = call(client, "post", "/village-groups", v, {"area_id": tree.grid3.pk, "name": "一组"})
    assert dup.status_code == 409
    renamed = call(client, "patch", f"/village-groups/{created.json()['id']}", v, {"name": "二组"})
    assert renamed.json()["name"] == "二组"


def test_estate_list_filters_by_area(client, tree, staff):
    for area, name in ((tree.grid1, "甲小区"), (tree.grid2, "乙小区")):
        call(client, "post", "/estates", staff, {"area_id": area.pk, "name": name})
    data = call(client, "get", f"/estates?area={tree.grid2.pk}", staff).json()
    assert [e["name"] for e in data["items"]] == ["乙小区"]
    assert Estate.objects.count() == 2


def test_staff_posts_assign_list_end(client, tree, staff, worker, building):
    created = call(
        client,
        "post",
        "/staff-posts",
        staff,
        {
            "user_id": worker.pk,
            "post": "unit_chief",
            "area_id": tree.grid1.pk,
            "building_id": building.pk,
            "unit_id": building.units.get(number=1).pk,
            "start_on": "2025-03-01",
        },
    )
    assert created.status_code == 201
    data = created.json()
    assert data["user"]["username"] == "worker"
    assert (data["post"], data["building_id"], data["end_on"]) == ("unit_chief", building.pk, None)
    listed = call(client, "get", f"/staff-posts?area={tree.grid1.pk}", staff).json()
    assert listed["count"] == 1
    ended = call(client, "post", f"/staff-posts/{data['id']}/end", staff, {"end_on": "2025-09-30"})
    assert ended.json()["end_on"] == "2025-09-30"
    assert call(client, "get", "/staff-posts", staff).json()["count"] == 0


def test_staff_assign_user_without_grant_is_400(client, tree, staff, make_user):
    far = make_user("far", ("grid_worker", tree.grid3))
    response = call(
        client,
        "post",
        "/staff-posts",
        staff,
        {
            "user_id": far.pk,
            "post": "full_time",
            "area_id": tree.grid1.pk,
            "start_on": "2025-03-01",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "no_grant"
    assert "user" in response.json()["fields"]
    assert not StaffAssignment.objects.exists()


def test_portrait_shape(client, tree, worker):
    h = sup.household(area=tree.grid1)
    sup.resident(household=h)
    response = call(client, "get", f"/grids/{tree.grid1.pk}/portrait", worker)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "area",
        "households",
        "residents",
        "buildings",
        "estates",
        "village_groups",
        "household_types",
        "special_groups",
        "staff",
        "party_members",
        "recent_cases",
    }
    assert (data["households"], data["residents"]) == (1, 1)
    assert data["party_members"] == 0
    assert data["recent_cases"] == []


def test_portrait_of_another_grid_is_404(client, tree, make_user):
    other = make_user("other", ("grid_worker", tree.grid2))
    assert call(client, "get", f"/grids/{tree.grid1.pk}/portrait", other).status_code == 404
