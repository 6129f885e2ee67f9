"""Area browser pages and their map data: scoped reads, and changes through the services."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from gridgov.areas.codes import Level, validate_code
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import square
from gridgov.core.errors import ValidationFailed


@pytest.fixture
def worker(tree, make_user):
    return make_user("wang", ("grid_worker", tree.grid1), mobile="13912345678")


@pytest.fixture
def admin(tree, make_user):
    """Administrator of the street 凤鸣街道; 金沙镇 lies outside."""
    return make_user("zhou", ("admin", tree.street))


def detail(area):
    return reverse("areas:detail", args=[area.pk])


def map_url(area):
    return reverse("areas:map_json", args=[area.pk])


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(detail(tree.grid1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_index_lists_the_users_jurisdiction_roots_only(client, tree, worker):
    client.force_login(worker)
    html = client.get(reverse("areas:index")).content.decode()
    assert tree.grid1.name in html
    assert tree.grid2.name not in html
    assert tree.grid3.name not in html


def test_user_without_roles_cannot_browse(client, make_user, tree):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("areas:index")).status_code == 403


def test_detail_inside_the_jurisdiction(client, tree, admin):
    client.force_login(admin)
    response = client.get(detail(tree.community))
    assert response.status_code == 200
    html = response.content.decode()
    assert tree.community.code in html
    assert tree.grid1.name in html and tree.grid2.name in html
    assert detail(tree.grid1) in html


@pytest.mark.parametrize("attr", ["grid2", "grid3", "community", "county"])
def test_area_outside_the_jurisdiction_is_404(client, tree, worker, attr):
    client.force_login(worker)
    assert client.get(detail(getattr(tree, attr))).status_code == 404
    assert client.get(map_url(getattr(tree, attr))).status_code == 404


def test_breadcrumbs_link_only_visible_ancestors(client, tree, admin):
    client.force_login(admin)
    html = client.get(detail(tree.grid1)).content.decode()
    assert f'<a href="{detail(tree.street)}">{tree.street.name}</a>' in html
    assert f'<a href="{detail(tree.community)}">{tree.community.name}</a>' in html
    assert tree.county.name in html  # shown, as text
    assert detail(tree.county) not in html
    assert detail(tree.province) not in html


def test_town_code_is_shown_in_its_12_digit_form(client, tree, admin):
    client.force_login(admin)
    html = client.get(detail(tree.street)).content.decode()
    assert "640110001000" in html


def test_staff_are_listed_with_masked_mobiles(client, tree, admin, worker):
    client.force_login(admin)
    html = client.get(detail(tree.grid1)).content.decode()
    assert 'data-testid="area-staff"' in html
    assert "139****5678" in html
    assert "13912345678" not in html


def test_staff_are_hidden_without_staff_view(client, tree, worker, make_user):
    resident = make_user("res", ("resident", tree.community))
    client.force_login(resident)
    html = client.get(detail(tree.grid1)).content.decode()
    assert 'data-testid="area-staff"' not in html
    assert "139****5678" not in html


def test_child_counts_per_level(client, tree, admin):
    client.force_login(admin)
    response = client.get(detail(tree.street))
    counts = dict(response.context["counts"])
    assert counts[Level.COMMUNITY.label] == 1
    assert counts[Level.GRID.label] == 2


def test_map_json_of_a_community_has_its_grids(client, tree, admin):
    client.force_login(admin)
    data = client.get(map_url(tree.community)).json()
    assert data["type"] == "FeatureCollection"
    codes = sorted(f["properties"]["code"] for f in data["features"])
    assert codes == [tree.grid1.code, tree.grid2.code]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["url"] == detail(
        Area.objects.get(code=feature["properties"]["code"])
    )


def test_map_json_falls_back_to_the_grids_below(client, tree, admin):
    client.force_login(admin)
    data = client.get(map_url(tree.street)).json()  # the community has no boundary
    assert {f["properties"]["code"] for f in data["features"]} == {
        tree.grid1.code,
        tree.grid2.code,
    }


def test_map_json_by_level_stays_in_the_jurisdiction(client, tree, make_user):
    client.force_login(make_user("zhou", ("admin", tree.street)))
    data = client.get(map_url(tree.street), {"level": Level.GRID}).json()
    assert tree.grid3.code not in {f["properties"]["code"] for f in data["features"]}
    assert len(data["features"]) == 2


def test_map_json_of_a_grid_is_its_own_outline(client, tree, worker):
    client.force_login(worker)
    data = client.get(map_url(tree.grid1)).json()
    assert data["features"] == []
    assert data["area"]["properties"]["code"] == tree.grid1.code


def test_roots_map_json_is_scoped(client, tree, worker):
    client.force_login(worker)
    data = client.get(reverse("areas:roots_map_json")).json()
    assert [f["properties"]["code"] for f in data["features"]] == [tree.grid1.code]


def test_admin_actions_are_shown_only_to_area_managers(client, tree, admin, worker):
    client.force_login(worker)
    html = client.get(detail(tree.grid1)).content.decode()
    assert reverse("areas:rename", args=[tree.grid1.pk]) not in html
    client.force_login(admin)
    html = client.get(detail(tree.grid1)).content.decode()
    assert reverse("areas:rename", args=[tree.grid1.pk]) in html
    assert reverse("areas:boundary", args=[tree.grid1.pk]) in html


def test_non_manager_cannot_open_the_admin_forms(client, tree, worker):
    client.force_login(worker)
    assert client.get(reverse("areas:create_child", args=[tree.grid1.pk])).status_code == 403
    response = client.post(
        reverse("areas:rename", args=[tree.grid1.pk]), {"name": "x", "version": 1}
    )
    assert response.status_code == 403
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "网格一"


def test_create_child_area(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:create_child", args=[tree.community.pk]),
        {"level": Level.GRID, "code": "640110001001003", "name": "网格三"},
    )
    child = Area.objects.get(code="640110001001003")
    assert response.status_code == 302
    assert response["Location"] == detail(child)
    assert child.parent == tree.community
    assert AuditEntry.objects.filter(event=Event.AREA_CREATED, target_id=str(child.pk)).exists()


@pytest.mark.parametrize("code", ["640110001001", "641110001001003", "64011000100100x"])
def test_create_child_with_a_bad_code_shows_a_field_error(client, tree, admin, code):
    client.force_login(admin)
    before = Area.objects.count()
    response = client.post(
        reverse("areas:create_child", args=[tree.community.pk]),
        {"level": Level.GRID, "code": code, "name": "网格三"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_code_errors"' in html
    # The message is the code rules' own, in the page's language (zh-Hans by default).
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        validate_code(code, Level.GRID, tree.community.code)
    assert escape(str(refused.value.fields["code"])) in html
    assert Area.objects.count() == before


def test_create_child_with_an_empty_name_shows_djangos_chinese_message(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:create_child", args=[tree.community.pk]),
        {"level": Level.GRID, "code": "640110001001003", "name": ""},
    )
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not Area.objects.filter(code="640110001001003").exists()


def test_create_child_outside_the_jurisdiction_is_404(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:create_child", args=[tree.village.pk]),
        {"level": Level.GRID, "code": "640110100201002", "name": "外"},
    )
    assert response.status_code == 404
    assert not Area.objects.filter(code="640110100201002").exists()


def test_rename(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:rename", args=[tree.grid1.pk]),
        {"name": "东网格", "version": tree.grid1.version},
    )
    assert response.status_code == 302
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "东网格"


def test_rename_with_a_stale_version_is_refused(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:rename", args=[tree.grid1.pk]),
        {"name": "东网格", "version": tree.grid1.version - 1 or 99},
    )
    assert response.status_code == 400
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "网格一"


def test_upload_a_boundary_as_text(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:boundary", args=[tree.community.pk]),
        {"geojson": json.dumps(square(106.20, 38.50, 0.02)), "version": tree.community.version},
    )
    assert response.status_code == 302
    tree.community.refresh_from_db()
    assert tree.community.geometry["type"] == "Polygon"


def test_upload_a_boundary_as_a_file(client, tree, admin):
    client.force_login(admin)
    upload = SimpleUploadedFile(
        "b.geojson",
        json.dumps({"type": "Feature", "geometry": square(106.20, 38.50, 0.02)}).encode(),
        content_type="application/geo+json",
    )
    response = client.post(
        reverse("areas:boundary", args=[tree.community.pk]),
        {"file": upload, "version": tree.community.version},
    )
    assert response.status_code == 302
    tree.community.refresh_from_db()
    assert tree.community.geometry is not None


def test_overlapping_grid_boundary_is_refused_with_a_field_error(client, tree, admin):
    client.force_login(admin)
    before = Area.objects.get(pk=tree.grid2.pk).geometry
    response = client.post(
        reverse("areas:boundary", args=[tree.grid2.pk]),
        {"geojson": json.dumps(square(106.205, 38.50)), "version": tree.grid2.version},
    )
    assert response.status_code == 400
    assert 'id="id_geojson_errors"' in response.content.decode()
    assert tree.grid1.name in response.content.decode()
    tree.grid2.refresh_from_db()
    assert tree.grid2.geometry == before


def test_invalid_geojson_is_refused(client, tree, admin):
    client.force_login(admin)
    response = client.post(
        reverse("areas:boundary", args=[tree.community.pk]),
        {"geojson": "{not json", "version": tree.community.version},
    )
    assert response.status_code == 400
    assert 'id="id_geojson_errors"' in response.content.decode()
    tree.community.refresh_from_db()
    assert tree.community.geometry is None
