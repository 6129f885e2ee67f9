"""Places pages: building list and view, forms (create, edit, move, units and rooms), estates and
villagers' groups, and the grid staff page — scoped, changes through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.rosters.models import (
    Building,
    BuildingMove,
    Estate,
    Room,
    StaffAssignment,
    VillageGroup,
)
from gridgov.rosters.services.places import building_create, estate_create
from gridgov.rosters.services.staff import staff_assign
from gridgov.rosters.tests import places_support as sup


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def staff(tree, make_user):
    return make_user("staff", ("community_staff", tree.community))


def make_building(area: Any, name: str = "1号楼", **kw: Any) -> Building:
    args: dict[str, Any] = {"floors": 3, "units": 2, "rooms_per_floor": 2}
    args.update(kw)
    return building_create(actor=None, area=area, name=name, **args)


def detail(building: Building) -> str:
    return reverse("rosters:building_detail", args=[building.pk])


# --- List and building view -------------------------------------------------------------------


def test_building_list_is_scoped_and_grouped_by_estate(client, tree, worker):
    estate = estate_create(actor=None, area=tree.grid1, name="凤鸣小区")
    make_building(tree.grid1, "1号楼", estate=estate)
    make_building(tree.grid1, "独栋楼")
    make_building(tree.grid2, "别处楼")
    client.force_login(worker)
    html = client.get(reverse("rosters:buildings")).content.decode()
    assert "凤鸣小区" in html and "1号楼" in html and "独栋楼" in html
    assert "别处楼" not in html
    assert html.count('data-testid="estate-group"') == 2


def test_building_list_filters_by_text(client, tree, worker):
    make_building(tree.grid1, "1号楼")
    make_building(tree.grid1, "2号楼")
    client.force_login(worker)
    html = client.get(reverse("rosters:buildings"), {"q": "2号"}).content.decode()
    assert "2号楼" in html and "1号楼" not in html


def test_building_list_needs_roster_view(client, tree, make_user):
    client.force_login(make_user("res", ("resident", tree.grid1)))
    assert client.get(reverse("rosters:buildings")).status_code == 403


def test_building_view_shows_rooms_with_occupancy(client, tree, worker):
    building = make_building(tree.grid1, floors=2, units=1, rooms_per_floor=2)
    room = Room.objects.get(unit__building=building, number="201")
    h = sup.household(area=tree.grid1, room=room)
    sup.resident(household=h)
    sup.resident(household=h)
    sup.resident(household=h, status="moved_out")
    client.force_login(worker)
    html = client.get(detail(building)).content.decode()
    for number in ("101", "102", "201", "202"):
        assert f'data-room="{number}"' in html
    assert 'data-testid="building-households">1<' in html
    assert 'data-testid="building-residents">2<' in html
    assert reverse("rosters:household_detail", args=[h.pk]) in html


def test_building_view_query_count_does_not_grow_with_rooms(client, tree, worker):
    small = make_building(tree.grid1, "小楼", floors=1, units=1, rooms_per_floor=1)
    big = make_building(tree.grid1, "大楼", floors=18, units=3, rooms_per_floor=4)
    for room in Room.objects.filter(unit__building=big)[:20]:
        sup.resident(household=sup.household(area=tree.grid1, room=room))
    client.force_login(worker)
    client.get(detail(small))
    with CaptureQueriesContext(connection) as q_small:
        client.get(detail(small))
    with CaptureQueriesContext(connection) as q_big:
        assert client.get(detail(big)).status_code == 200
    assert len(q_big.captured_queries) == len(q_small.captured_queries)


def test_building_of_another_grid_is_404(client, tree, make_user):
    building = make_building(tree.grid1)
    client.force_login(make_user("other", ("grid_worker", tree.grid2)))
    assert client.get(detail(building)).status_code == 404


# --- Create and edit --------------------------------------------------------------------------


def test_create_building_through_the_form(client, tree, worker):
    client.force_login(worker)
    response = client.post(
        reverse("rosters:building_create"),
        {"area": tree.grid1.pk, "name": "5号楼", "floors": 6, "units": 2, "rooms_per_floor": 2},
    )
    building = Building.objects.get(name="5号楼")
    assert response.status_code == 302
    assert response["Location"] == detail(building)
    assert Room.objects.filter(unit__building=building).count() == 24


def test_create_form_offers_only_grids_where_the_user_edits(client, tree, worker):
    client.force_login(worker)
    html = client.get(reverse("rosters:building_create")).content.decode()
    assert tree.grid1.name in html
    assert tree.grid2.name not in html


def test_create_form_shows_chinese_field_errors(client, tree, worker):
    client.force_login(worker)
    response = client.post(
        reverse("rosters:building_create"),
        {"area": tree.grid2.pk, "name": "", "floors": 0, "units": 1, "rooms_per_floor": 1},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "这个字段是必填项" in html  # name
    assert "选择一个有效的选项" in html  # a grid outside the jurisdiction
    assert not Building.objects.exists()


def test_duplicate_name_is_a_form_error(client, tree, worker):
    make_building(tree.grid1, "1号楼")
    client.force_login(worker)
    response = client.post(
        reverse("rosters:building_create"),
        {"area": tree.grid1.pk, "name": "1号楼", "floors": 1, "units": 1, "rooms_per_floor": 1},
    )
    assert response.status_code == 400
    assert Building.objects.count() == 1


def test_edit_building(client, tree, worker):
    building = make_building(tree.grid1)
    client.force_login(worker)
    response = client.post(
        reverse("rosters:building_edit", args=[building.pk]),
        {"name": "8号楼", "floors": 3, "address": "凤鸣路8号", "is_active": "on", "version": 1},
    )
    assert response.status_code == 302
    building.refresh_from_db()
    assert (building.name, building.version) == ("8号楼", 2)


def test_edit_with_a_stale_version_shows_an_error(client, tree, worker):
    building = make_building(tree.grid1)
    client.force_login(worker)
    url = reverse("rosters:building_edit", args=[building.pk])
    client.post(url, {"name": "8号楼", "floors": 3, "is_active": "on", "version": 1})
    response = client.post(url, {"name": "9号楼", "floors": 3, "is_active": "on", "version": 1})
    assert response.status_code == 400
    assert Building.objects.get(pk=building.pk).name == "8号楼"


def test_building_chief_may_view_but_not_edit(client, tree, make_user):
    building = make_building(tree.grid1)
    client.force_login(make_user("bc", ("building_chief", tree.grid1)))
    assert client.get(detail(building)).status_code == 200
    url = reverse("rosters:building_edit", args=[building.pk])
    assert client.post(url, {"name": "x", "floors": 1, "version": 1}).status_code == 403
    assert Building.objects.get(pk=building.pk).name == "1号楼"


def test_add_unit_and_room_from_the_building_view(client, tree, worker):
    building = make_building(tree.grid1, units=1)
    client.force_login(worker)
    client.post(reverse("rosters:unit_add", args=[building.pk]), {"name": ""})
    unit = building.units.get(number=2)
    client.post(reverse("rosters:room_add", args=[building.pk]), {"unit": unit.pk, "floor": 1})
    assert list(unit.rooms.values_list("number", flat=True)) == ["101"]


# --- Move -------------------------------------------------------------------------------------


def test_move_form_offers_only_other_grids_of_the_jurisdiction(client, tree, staff):
    building = make_building(tree.grid1)
    client.force_login(staff)
    html = client.get(reverse("rosters:building_move", args=[building.pk])).content.decode()
    assert f'value="{tree.grid2.pk}"' in html
    assert f'value="{tree.grid1.pk}"' not in html
    assert f'value="{tree.grid3.pk}"' not in html


def test_move_through_the_form(client, tree, staff):
    building = make_building(tree.grid1)
    client.force_login(staff)
    response = client.post(
        reverse("rosters:building_move", args=[building.pk]),
        {"to_area": tree.grid2.pk, "reason": "网格调整"},
    )
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.area_id == tree.grid2.pk
    html = client.get(detail(building)).content.decode()
    assert "网格调整" in html


def test_grid_worker_cannot_move_into_a_grid_outside_the_jurisdiction(client, tree, worker):
    building = make_building(tree.grid1)
    client.force_login(worker)
    response = client.post(
        reverse("rosters:building_move", args=[building.pk]),
        {"to_area": tree.grid2.pk, "reason": "网格调整"},
    )
    assert response.status_code == 400
    building.refresh_from_db()
    assert building.area_id == tree.grid1.pk
    assert not BuildingMove.objects.exists()


# --- Estates and villagers' groups ------------------------------------------------------------


def test_create_estate_and_village_group(client, tree, make_user):
    user = make_user("both", ("grid_worker", tree.grid1), ("grid_worker", tree.grid3))
    client.force_login(user)
    r1 = client.post(reverse("rosters:estate_create"), {"area": tree.grid1.pk, "name": "凤鸣小区"})
    r2 = client.post(
        reverse("rosters:village_group_create"), {"area": tree.grid3.pk, "name": "第一村民小组"}
    )
    assert (r1.status_code, r2.status_code) == (302, 302)
    assert Estate.objects.get().area == tree.grid1
    assert VillageGroup.objects.get().area == tree.grid3
    html = client.get(reverse("rosters:estates")).content.decode()
    assert "凤鸣小区" in html and "第一村民小组" in html


def test_edit_estate(client, tree, worker):
    estate = estate_create(actor=None, area=tree.grid1, name="凤鸣小区")
    client.force_login(worker)
    client.post(reverse("rosters:estate_edit", args=[estate.pk]), {"name": "凤鸣花园"})
    assert Estate.objects.get(pk=estate.pk).name == "凤鸣花园"


# --- Staff page -------------------------------------------------------------------------------


def test_staff_page_assigns_and_ends_a_post(client, tree, staff, worker):
    client.force_login(staff)
    url = reverse("rosters:staff", args=[tree.grid1.pk])
    response = client.post(url, {"user": worker.pk, "post": "full_time", "start_on": "2025-03-01"})
    assert response.status_code == 302
    post = StaffAssignment.objects.get()
    assert "worker" in client.get(url).content.decode()
    client.post(reverse("rosters:staff_end", args=[post.pk]), {"end_on": "2025-12-31"})
    post.refresh_from_db()
    assert str(post.end_on) == "2025-12-31"


def test_staff_page_shows_service_errors_on_the_form(client, tree, staff, worker):
    client.force_login(staff)
    response = client.post(
        reverse("rosters:staff", args=[tree.grid1.pk]),
        {"user": worker.pk, "post": "building_chief", "start_on": "2025-03-01"},
    )
    assert response.status_code == 400
    assert not StaffAssignment.objects.exists()


def test_staff_page_is_read_only_without_roster_edit(client, tree, make_user, worker):
    staff_assign(
        actor=None, user=worker, post="full_time", area=tree.grid1, start_on=date(2025, 1, 1)
    )
    bc = make_user("bc", ("building_chief", tree.grid1))
    client.force_login(bc)
    url = reverse("rosters:staff", args=[tree.grid1.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="staff-assign"' not in html
    assert "worker" in html
    response = client.post(url, {"user": bc.pk, "post": "part_time", "start_on": "2025-03-01"})
    assert response.status_code == 403
    assert StaffAssignment.objects.count() == 1


def test_staff_page_of_another_grid_is_404(client, tree, make_user):
    client.force_login(make_user("other", ("grid_worker", tree.grid2)))
    assert client.get(reverse("rosters:staff", args=[tree.grid1.pk])).status_code == 404
