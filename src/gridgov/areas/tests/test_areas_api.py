"""/api/v1/areas: scoped reads, the jurisdiction tree, GeoJSON, point location and admin writes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts.services import token_issue
from gridgov.areas import api as areas_api
from gridgov.areas import geo
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.services import area_create
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import square


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_locator():
    # The point locator caches its index by boundary revision, a counter that a rolled-back
    # test resets while PostgreSQL's id sequences move on: start every test from scratch.
    geo.locator.reset()


def call(client: Any, method: str, url: str, user: Any = None, body: Any = None, **kw: Any) -> Any:
    headers = {}
    if user is not None:
        _token, raw = token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    if body is not None:
        kw["data"] = body if isinstance(body, str) else json.dumps(body)
        kw["content_type"] = "application/json"
    return getattr(client, method)(url, **kw, **headers)


def snapshot(area: Area) -> dict[str, Any]:
    return Area.objects.filter(pk=area.pk).values().get()


@pytest.fixture
def admin(tree, make_user):
    return make_user("admin", ("admin", tree.street))


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


# --- Lists ------------------------------------------------------------------------------------


def test_list_shows_only_the_users_subtree(client, tree, make_user):
    staff = make_user("staff", ("community_staff", tree.community))
    r = call(client, "get", "/api/v1/areas", staff)
    assert r.status_code == 200
    data = r.json()
    assert [a["code"] for a in data["items"]] == [
        tree.community.code,
        tree.grid1.code,
        tree.grid2.code,
    ]
    assert data["count"] == 3 and data["page"] == 1 and data["pages"] == 1
    first = data["items"][0]
    assert first["level"] == Level.COMMUNITY and first["level_label"]
    assert first["has_boundary"] is False and data["items"][1]["has_boundary"] is True


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=6", ["grid1", "grid2"]),
        ("q=网格二", ["grid2"]),
        ("q=640110001001", ["community", "grid1", "grid2"]),
    ],
)
def test_list_filters(client, tree, admin, query, expected):
    r = call(client, "get", f"/api/v1/areas?{query}", admin)
    assert r.status_code == 200
    assert [a["code"] for a in r.json()["items"]] == [getattr(tree, n).code for n in expected]


def test_list_filters_by_parent_and_subtree(client, tree, make_user):
    leader = make_user("leader", ("leader", tree.county))
    r = call(client, "get", f"/api/v1/areas?parent={tree.county.pk}", leader)
    assert [a["code"] for a in r.json()["items"]] == [tree.street.code, tree.town.code]
    r = call(client, "get", f"/api/v1/areas?under={tree.town.pk}", leader)
    assert [a["code"] for a in r.json()["items"]] == [
        tree.town.code,
        tree.village.code,
        tree.grid3.code,
    ]


def test_list_filter_on_an_area_outside_the_jurisdiction_is_404(client, tree, admin):
    r = call(client, "get", f"/api/v1/areas?under={tree.town.pk}", admin)
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_list_pages(client, tree, admin):
    r = call(client, "get", "/api/v1/areas?page=2&page_size=2", admin)
    data = r.json()
    assert data["count"] == 4 and data["pages"] == 2 and data["page"] == 2
    assert [a["code"] for a in data["items"]] == [tree.grid1.code, tree.grid2.code]


@pytest.mark.parametrize("query", ["page_size=201", "page=0", "page_size=abc", "level=42"])
def test_list_rejects_bad_paging_or_filters(client, tree, admin, query):
    r = call(client, "get", f"/api/v1/areas?{query}", admin)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_failed"
    assert r.json()["fields"]


def test_list_query_count_does_not_grow_with_rows(client, tree, admin):
    def queries() -> int:
        _token, raw = token_issue(user=admin)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/areas", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert r.status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(3, 9):
        code = f"{tree.community.code}{i:03d}"
        area_create(actor=None, parent=tree.community, level=Level.GRID, code=code, name=code)
    assert queries() == before


def test_children_are_paginated(client, tree, admin):
    r = call(client, "get", f"/api/v1/areas/{tree.community.pk}/children?page_size=1", admin)
    data = r.json()
    assert data["count"] == 2 and data["pages"] == 2
    assert [a["code"] for a in data["items"]] == [tree.grid1.code]


def test_children_of_an_area_outside_are_404(client, tree, admin):
    r = call(client, "get", f"/api/v1/areas/{tree.village.pk}/children", admin)
    assert r.status_code == 404


# --- Tree -------------------------------------------------------------------------------------


def test_tree_starts_at_the_jurisdiction_roots(client, tree, make_user):
    user = make_user("two", ("community_staff", tree.community), ("community_staff", tree.village))
    r = call(client, "get", "/api/v1/areas/tree?depth=1", user)
    assert r.status_code == 200
    data = r.json()
    assert data["depth"] == 1 and data["truncated"] is False
    roots = data["roots"]
    assert sorted(n["code"] for n in roots) == sorted([tree.community.code, tree.village.code])
    community = next(n for n in roots if n["code"] == tree.community.code)
    assert [c["code"] for c in community["children"]] == [tree.grid1.code, tree.grid2.code]
    assert community["child_count"] == 2


def test_tree_depth_is_bounded(client, tree, make_user):
    leader = make_user("leader", ("leader", tree.province))
    r = call(client, "get", "/api/v1/areas/tree", leader)  # default depth 2
    root = r.json()["roots"][0]
    assert root["code"] == tree.province.code
    county = root["children"][0]["children"][0]
    assert county["code"] == tree.county.code
    assert county["children"] == [] and county["child_count"] == 2
    assert call(client, "get", "/api/v1/areas/tree?depth=5", leader).status_code == 422


def test_tree_drops_whole_levels_beyond_the_node_cap(client, tree, admin, monkeypatch):
    monkeypatch.setattr(areas_api, "TREE_MAX_NODES", 3)
    r = call(client, "get", "/api/v1/areas/tree?depth=3", admin)
    data = r.json()
    assert data["truncated"] is True and data["depth"] == 1
    street = data["roots"][0]
    assert [c["code"] for c in street["children"]] == [tree.community.code]
    assert street["children"][0]["children"] == []
    assert street["children"][0]["child_count"] == 2


# --- Detail -----------------------------------------------------------------------------------


def test_detail(client, tree, make_user):
    dispatcher = make_user("disp", ("dispatcher", tree.street))
    make_user("w1", ("grid_worker", tree.grid1))
    r = call(client, "get", f"/api/v1/areas/{tree.community.pk}", dispatcher)
    assert r.status_code == 200
    d = r.json()
    assert d["code"] == tree.community.code and d["kind"] == "residents" and d["kind_label"]
    assert [a["code"] for a in d["ancestors"]] == [
        tree.province.code,
        tree.city.code,
        tree.county.code,
        tree.street.code,
    ]
    assert [a["accessible"] for a in d["ancestors"]] == [False, False, False, True]
    assert d["child_counts"] == [
        {"level": 6, "level_label": d["child_counts"][0]["level_label"], "count": 2}
    ]
    assert d["staff_count"] == 0 and d["staff_count_subtree"] == 1
    assert d["bbox"] is None and d["version"] == 1


def test_detail_of_a_grid_has_bbox_and_centre(client, tree, worker):
    d = call(client, "get", f"/api/v1/areas/{tree.grid1.pk}", worker).json()
    assert d["bbox"] == pytest.approx([106.20, 38.50, 106.21, 38.51])
    lon, lat = d["centre"]
    assert 106.20 < lon < 106.21 and 38.50 < lat < 38.51
    assert d["has_boundary"] is True and d["display_code"] == tree.grid1.code


def test_detail_hides_staff_count_without_staff_view(client, tree, make_user):
    resident = make_user("res", ("resident", tree.grid1))
    d = call(client, "get", f"/api/v1/areas/{tree.grid1.pk}", resident).json()
    assert d["staff_count"] is None and d["staff_count_subtree"] is None


def test_detail_outside_and_missing_look_the_same(client, tree, worker):
    outside = call(client, "get", f"/api/v1/areas/{tree.grid3.pk}", worker)
    missing = call(client, "get", "/api/v1/areas/999999", worker)
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


# --- GeoJSON ----------------------------------------------------------------------------------


def test_geojson_of_a_subtree(client, tree, admin):
    r = call(client, "get", f"/api/v1/areas/{tree.street.pk}/geojson", admin)
    assert r.status_code == 200
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["truncated"] is False
    assert [f["properties"]["code"] for f in fc["features"]] == [tree.grid1.code, tree.grid2.code]
    assert fc["features"][0]["geometry"]["type"] == "Polygon"


def test_geojson_level_filter(client, tree, admin):
    r = call(client, "get", f"/api/v1/areas/{tree.street.pk}/geojson?level=5", admin)
    assert r.json()["features"] == []


def test_geojson_says_when_it_is_truncated(client, tree, admin, monkeypatch):
    monkeypatch.setattr(areas_api, "GEOJSON_MAX_FEATURES", 1)
    fc = call(client, "get", f"/api/v1/areas/{tree.street.pk}/geojson", admin).json()
    assert fc["truncated"] is True and fc["limit"] == 1 and len(fc["features"]) == 1


def test_geojson_outside_is_404(client, tree, admin):
    assert call(client, "get", f"/api/v1/areas/{tree.town.pk}/geojson", admin).status_code == 404


# --- Locate -----------------------------------------------------------------------------------


def test_locate_finds_the_grid(client, tree, worker):
    r = call(client, "get", "/api/v1/areas/locate?lon=106.205&lat=38.505", worker)
    assert r.status_code == 200
    data = r.json()
    assert data["grid"]["code"] == tree.grid1.code
    assert data["ancestors"][-1]["code"] == tree.community.code


def test_locate_outside_the_jurisdiction_looks_like_no_grid(client, tree, worker):
    elsewhere = call(client, "get", "/api/v1/areas/locate?lon=106.305&lat=38.605", worker)
    nowhere = call(client, "get", "/api/v1/areas/locate?lon=110.0&lat=30.0", worker)
    assert elsewhere.status_code == nowhere.status_code == 404
    assert elsewhere.json() == nowhere.json()
    assert elsewhere.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("lon=abc&lat=38.5", "invalid_point"),
        ("lon=nan&lat=38.5", "invalid_point"),
        ("lon=38.505&lat=106.205", "out_of_bounds"),  # swapped
    ],
)
def test_locate_rejects_bad_coordinates(client, tree, worker, query, code):
    r = call(client, "get", f"/api/v1/areas/locate?{query}", worker)
    assert r.status_code == 400
    assert r.json()["code"] == code


def test_locate_needs_both_coordinates(client, tree, worker):
    r = call(client, "get", "/api/v1/areas/locate?lon=106.2", worker)
    assert r.status_code == 422
    assert "lat" in r.json()["fields"]


# --- Create -----------------------------------------------------------------------------------


def new_grid(tree: Any, **extra: Any) -> dict[str, Any]:
    return {
        "parent_id": tree.community.pk,
        "level": 6,
        "code": "640110001001003",
        "name": "网格三",
        **extra,
    }


def test_admin_creates_an_area(client, tree, admin):
    body = new_grid(tree, geometry=square(106.22, 38.50))
    r = call(client, "post", "/api/v1/areas", admin, body)
    assert r.status_code == 201
    d = r.json()
    assert d["code"] == "640110001001003" and d["parent_id"] == tree.community.pk
    assert d["has_boundary"] is True and d["version"] == 1
    area = Area.objects.get(code="640110001001003")
    assert area.path == f"{tree.community.path}{area.pk}/"
    assert AuditEntry.objects.filter(event=Event.AREA_CREATED, target_id=str(area.pk)).exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"code": "640110001002001"}, "code"),  # not under the parent's code
        ({"code": "64011000100100"}, "code"),  # 14 digits
        ({"code": "640110001001000"}, "code"),  # grid number 000
        ({"name": "   "}, "name"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(client, tree, admin, extra, field):
    before = Area.objects.count()
    r = call(client, "post", "/api/v1/areas", admin, new_grid(tree, **extra))
    assert r.status_code == 400
    assert r.json()["code"] == "validation_failed" or field in r.json().get("fields", {})
    assert field in r.json()["fields"]
    assert Area.objects.count() == before


def test_create_refuses_an_overlapping_grid(client, tree, admin):
    body = new_grid(tree, geometry=square(106.205, 38.505))
    r = call(client, "post", "/api/v1/areas", admin, body)
    assert r.status_code == 400
    assert r.json()["code"] == "overlap"
    assert tree.grid1.code in r.json()["fields"]["geometry"]
    assert not Area.objects.filter(code="640110001001003").exists()


def test_create_refuses_a_duplicate_code(client, tree, admin):
    r = call(client, "post", "/api/v1/areas", admin, new_grid(tree, code=tree.grid1.code))
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate_code"


def test_create_refuses_malformed_json(client, tree, admin):
    before = Area.objects.count()
    r = call(client, "post", "/api/v1/areas", admin, '{"parent_id": 1,')
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"
    assert Area.objects.count() == before


def test_create_refuses_missing_fields_and_unknown_levels(client, tree, admin):
    r = call(client, "post", "/api/v1/areas", admin, {"parent_id": tree.community.pk, "level": 42})
    assert r.status_code == 422
    assert {"level", "code", "name"} <= set(r.json()["fields"])


def test_create_under_a_parent_outside_is_404(client, tree, admin):
    body = {"parent_id": tree.village.pk, "level": 6, "code": "640110100201002", "name": "x"}
    assert call(client, "post", "/api/v1/areas", admin, body).status_code == 404
    assert not Area.objects.filter(code="640110100201002").exists()


def test_create_by_a_non_admin_is_403_and_audited(client, tree, worker):
    r = call(client, "post", "/api/v1/areas", worker, new_grid(tree))
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert not Area.objects.filter(code="640110001001003").exists()
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=worker).exists()


# --- Update, boundary, move -------------------------------------------------------------------


def test_rename_with_the_current_version(client, tree, admin):
    body = {"name": "网格一（新）", "version": 1}
    r = call(client, "patch", f"/api/v1/areas/{tree.grid1.pk}", admin, body)
    assert r.status_code == 200
    assert r.json()["name"] == "网格一（新）" and r.json()["version"] == 2
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "网格一（新）"


def test_stale_version_is_409_and_changes_nothing(client, tree, admin):
    call(client, "patch", f"/api/v1/areas/{tree.grid1.pk}", admin, {"name": "A", "version": 1})
    before = snapshot(tree.grid1)
    r = call(client, "patch", f"/api/v1/areas/{tree.grid1.pk}", admin, {"name": "B", "version": 1})
    assert r.status_code == 409
    assert r.json()["code"] == "stale_version"
    assert snapshot(tree.grid1) == before


def test_patch_needs_a_version_and_something_to_change(client, tree, admin):
    url = f"/api/v1/areas/{tree.grid1.pk}"
    assert call(client, "patch", url, admin, {"name": "A"}).status_code == 422
    r = call(client, "patch", url, admin, {"version": 1})
    assert r.status_code == 400 and r.json()["code"] == "nothing_to_change"


def test_deactivate_an_area(client, tree, admin):
    r = call(
        client, "patch", f"/api/v1/areas/{tree.grid2.pk}", admin, {"is_active": False, "version": 1}
    )
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_set_boundary(client, tree, admin):
    body = {"geometry": square(106.201, 38.501, 0.005), "version": 1}
    r = call(client, "put", f"/api/v1/areas/{tree.grid1.pk}/boundary", admin, body)
    assert r.status_code == 200
    assert r.json()["bbox"] == pytest.approx([106.201, 38.501, 106.206, 38.506])
    assert r.json()["version"] == 2


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        (square(106.215, 38.50), "overlap"),  # half over grid 2
        ({"type": "Point", "coordinates": [106.2, 38.5]}, "invalid_geojson"),
        (square(6.2, 38.5), "out_of_bounds"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[106.2, 38.5], [106.21, 38.51], [106.21, 38.5], [106.2, 38.51], [106.2, 38.5]]
                ],
            },
            "invalid_polygon",
        ),  # bow-tie
    ],
)
def test_bad_boundaries_are_refused_and_change_nothing(client, tree, admin, geometry, code):
    before = snapshot(tree.grid1)
    body = {"geometry": geometry, "version": 1}
    r = call(client, "put", f"/api/v1/areas/{tree.grid1.pk}/boundary", admin, body)
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert snapshot(tree.grid1) == before


def test_boundary_with_a_stale_version_is_409(client, tree, admin):
    before = snapshot(tree.grid1)
    body = {"geometry": square(106.201, 38.501, 0.005), "version": 7}
    r = call(client, "put", f"/api/v1/areas/{tree.grid1.pk}/boundary", admin, body)
    assert r.status_code == 409
    assert snapshot(tree.grid1) == before


def test_move_under_the_same_parent_bumps_the_version(client, tree, admin):
    body = {"parent_id": tree.community.pk, "version": 1}
    r = call(client, "post", f"/api/v1/areas/{tree.grid1.pk}/move", admin, body)
    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.json()["parent_id"] == tree.community.pk


def test_move_under_its_own_descendant_is_refused(client, tree, admin):
    before = snapshot(tree.community)
    body = {"parent_id": tree.grid1.pk, "version": 1}
    r = call(client, "post", f"/api/v1/areas/{tree.community.pk}/move", admin, body)
    assert r.status_code == 400
    assert r.json()["code"] == "cycle"
    assert snapshot(tree.community) == before


def test_move_where_the_code_does_not_fit_is_refused(client, tree, make_user):
    admin = make_user("countyadmin", ("admin", tree.county))
    before = snapshot(tree.grid1)
    body = {"parent_id": tree.village.pk, "version": 1}
    r = call(client, "post", f"/api/v1/areas/{tree.grid1.pk}/move", admin, body)
    assert r.status_code == 400
    assert "code" in r.json()["fields"]
    assert snapshot(tree.grid1) == before


def test_move_to_a_parent_outside_is_404(client, tree, admin):
    before = snapshot(tree.grid1)
    body = {"parent_id": tree.village.pk, "version": 1}
    r = call(client, "post", f"/api/v1/areas/{tree.grid1.pk}/move", admin, body)
    assert r.status_code == 404
    assert snapshot(tree.grid1) == before
