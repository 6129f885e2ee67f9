"""Places services: estates, villagers' groups, building generation, edits, units/rooms and
handing a building to another grid."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.rosters.models import (
    Building,
    BuildingMove,
    BuildingUnit,
    Estate,
    Household,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    VillageGroup,
)
from gridgov.rosters.services.places import (
    building_create,
    building_move,
    building_update,
    estate_create,
    estate_update,
    room_add,
    unit_add,
    village_group_create,
)
from gridgov.rosters.tests import places_support as sup


@pytest.fixture
def worker(tree, make_user):
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def staff(tree, make_user):
    """Community staff of 凤鸣社区: roster.edit in grid1 and grid2, not in 金沙村."""
    return make_user("staff", ("community_staff", tree.community))


def make_building(area: Any, actor: Any = None, **kw: Any) -> Building:
    args: dict[str, Any] = {"name": "1号楼", "floors": 3, "units": 2, "rooms_per_floor": 2}
    args.update(kw)
    return building_create(actor=actor, area=area, **args)


def snapshot(building: Building) -> dict[str, Any]:
    return {
        "building": Building.objects.filter(pk=building.pk).values().get(),
        "households": list(Household.objects.values_list("pk", "area_id", "area_path")),
        "residents": list(Resident.objects.values_list("pk", "area_id", "area_path")),
        "tags": list(ResidentTag.objects.values_list("pk", "area_path")),
        "moves": BuildingMove.objects.count(),
        "events": RosterEvent.objects.count(),
    }


# --- Estates and villagers' groups ------------------------------------------------------------


def test_estate_create_copies_the_area_path(tree, worker):
    estate = estate_create(actor=worker, area=tree.grid1, name=" 凤鸣小区 ", address="凤鸣路1号")
    assert (estate.name, estate.area_path) == ("凤鸣小区", tree.grid1.path)
    assert RosterEvent.objects.filter(detail__estate=estate.pk, kind="created").exists()


def test_estate_outside_jurisdiction_is_refused(tree, worker):
    with pytest.raises(PermissionDenied):
        estate_create(actor=worker, area=tree.grid2, name="别处小区")
    assert not Estate.objects.exists()


def test_estate_must_belong_to_a_grid(tree, staff):
    with pytest.raises(ValidationFailed) as exc:
        estate_create(actor=staff, area=tree.community, name="社区小区")
    assert exc.value.code == "invalid_area"


def test_estate_duplicate_name_in_grid_is_a_conflict(tree, worker):
    estate_create(actor=worker, area=tree.grid1, name="凤鸣小区")
    with pytest.raises(Conflict) as exc:
        estate_create(actor=worker, area=tree.grid1, name="凤鸣小区")
    assert "name" in exc.value.fields
    assert Estate.objects.count() == 1


def test_estate_update_records_changed_field_names(tree, worker):
    estate = estate_create(actor=worker, area=tree.grid1, name="凤鸣小区")
    estate_update(actor=worker, estate=estate, name="凤鸣花园", address="")
    assert Estate.objects.get(pk=estate.pk).name == "凤鸣花园"
    event = RosterEvent.objects.filter(kind="changed", detail__estate=estate.pk).get()
    assert event.detail["fields"] == ["name"]


def test_village_group_create(tree, make_user):
    villager_worker = make_user("v", ("grid_worker", tree.grid3))
    group = village_group_create(actor=villager_worker, area=tree.grid3, name="一组")
    assert VillageGroup.objects.get(pk=group.pk).area_path == tree.grid3.path


# --- Buildings --------------------------------------------------------------------------------


def test_building_create_generates_units_and_rooms(tree, worker):
    building = make_building(tree.grid1, worker, floors=18, units=2, rooms_per_floor=4)
    units = list(BuildingUnit.objects.filter(building=building).order_by("number"))
    assert [(u.number, u.name) for u in units] == [(1, "1单元"), (2, "2单元")]
    numbers = list(
        Room.objects.filter(unit=units[0]).order_by("floor", "number").values_list("number")
    )
    assert len(numbers) == 18 * 4
    assert numbers[:5] == [("101",), ("102",), ("103",), ("104",), ("201",)]
    assert numbers[-1] == ("1804",)
    assert Room.objects.filter(unit__building=building).count() == 2 * 18 * 4
    assert building.area_path == tree.grid1.path
    assert RosterEvent.objects.filter(building=building, kind="created").exists()


@pytest.mark.parametrize(
    ("field", "value"), [("floors", 0), ("units", 41), ("rooms_per_floor", 100)]
)
def test_building_create_refuses_out_of_range_sizes(tree, worker, field, value):
    with pytest.raises(ValidationFailed) as exc:
        make_building(tree.grid1, worker, **{field: value})
    assert field in exc.value.fields
    assert not Building.objects.exists()


def test_building_create_refuses_estate_of_another_grid(tree, staff):
    estate = estate_create(actor=staff, area=tree.grid2, name="二区小区")
    with pytest.raises(ValidationFailed) as exc:
        make_building(tree.grid1, staff, estate=estate)
    assert "estate" in exc.value.fields


def test_building_create_refuses_duplicate_standalone_name(tree, worker):
    make_building(tree.grid1, worker)
    with pytest.raises(Conflict):
        make_building(tree.grid1, worker)
    assert Building.objects.count() == 1


def test_building_create_outside_jurisdiction_is_refused(tree, worker):
    with pytest.raises(PermissionDenied):
        make_building(tree.grid2, worker)
    assert not Room.objects.exists()


def test_building_update_bumps_version_and_records_fields(tree, worker):
    building = make_building(tree.grid1, worker)
    updated = building_update(
        actor=worker, building=building, version=1, name="2号楼", address="凤鸣路2号"
    )
    assert (updated.name, updated.version) == ("2号楼", 2)
    event = RosterEvent.objects.filter(building=building, kind="changed").get()
    assert sorted(event.detail["fields"]) == ["address", "name"]


def test_building_update_with_a_stale_version_changes_nothing(tree, worker):
    building = make_building(tree.grid1, worker)
    building_update(actor=worker, building=building, version=1, name="2号楼")
    with pytest.raises(Conflict) as exc:
        building_update(actor=worker, building=building, version=1, name="3号楼")
    assert exc.value.code == "stale_version"
    assert Building.objects.get(pk=building.pk).name == "2号楼"


def test_building_update_point_must_lie_in_china(tree, worker):
    building = make_building(tree.grid1, worker)
    with pytest.raises(ValidationFailed):
        building_update(actor=worker, building=building, version=1, lon=38.5, lat=106.2)
    assert Building.objects.get(pk=building.pk).lon is None


def test_unit_add_numbers_after_the_last(tree, worker):
    building = make_building(tree.grid1, worker, units=2)
    unit = unit_add(actor=worker, building=building)
    assert (unit.number, unit.name) == (3, "3单元")


def test_room_add_takes_the_next_number_on_the_floor(tree, worker):
    building = make_building(tree.grid1, worker, floors=3, rooms_per_floor=2)
    unit = building.units.get(number=1)
    assert room_add(actor=worker, unit=unit, floor=2).number == "203"
    assert room_add(actor=worker, unit=unit, floor=4).number == "401"


def test_room_add_refuses_a_duplicate_number(tree, worker):
    building = make_building(tree.grid1, worker)
    unit = building.units.get(number=1)
    with pytest.raises(Conflict):
        room_add(actor=worker, unit=unit, floor=1, number="101")


# --- Moving a building to another grid --------------------------------------------------------


@pytest.fixture
def occupied(tree):
    """A building in grid1 with two households, three residents and a tag; plus a household of
    grid1 elsewhere that must not move."""
    building = make_building(tree.grid1)
    room = Room.objects.get(unit__building=building, unit__number=1, number="101")
    room2 = Room.objects.get(unit__building=building, unit__number=2, number="302")
    h1 = sup.household(area=tree.grid1, room=room)
    h2 = sup.household(area=tree.grid1, room=room2)
    r1 = sup.resident(household=h1)
    sup.resident(household=h1)
    r3 = sup.resident(household=h2)
    sup.tag(resident=r3, tag_type=sup.tag_type("t_sensitive", sensitive=True))
    other = sup.household(area=tree.grid1)
    sup.resident(household=other)
    return {"building": building, "households": [h1, h2], "resident": r1, "other": other}


def test_building_move_repaths_households_residents_and_tags(tree, staff, occupied):
    building = occupied["building"]
    move = building_move(actor=staff, building=building, to_area=tree.grid2, reason="网格调整")
    new = tree.grid2.path
    building.refresh_from_db()
    assert (building.area_id, building.area_path, building.version) == (tree.grid2.pk, new, 2)
    ids = [h.pk for h in occupied["households"]]
    assert set(Household.objects.filter(pk__in=ids).values_list("area_id", "area_path")) == {
        (tree.grid2.pk, new)
    }
    assert set(
        Resident.objects.filter(household_id__in=ids).values_list("area_id", "area_path")
    ) == {(tree.grid2.pk, new)}
    assert set(ResidentTag.objects.values_list("area_path", flat=True)) == {new}
    other = occupied["other"]
    assert Household.objects.get(pk=other.pk).area_path == tree.grid1.path
    assert Resident.objects.get(household=other).area_path == tree.grid1.path
    assert (move.from_area_id, move.to_area_id, move.reason) == (
        tree.grid1.pk,
        tree.grid2.pk,
        "网格调整",
    )


def test_building_move_keeps_history(tree, staff, occupied):
    building = occupied["building"]
    building_move(actor=staff, building=building, to_area=tree.grid2, reason="网格调整")
    building.refresh_from_db()
    building_move(actor=staff, building=building, to_area=tree.grid1, reason="调回")
    moves = list(BuildingMove.objects.filter(building=building).order_by("at", "pk"))
    assert [(m.from_area_id, m.to_area_id) for m in moves] == [
        (tree.grid1.pk, tree.grid2.pk),
        (tree.grid2.pk, tree.grid1.pk),
    ]
    event = RosterEvent.objects.filter(
        building=building, kind="building_moved", household__isnull=True
    ).first()
    assert event is not None
    assert event.detail["households"] == 2
    assert event.detail["residents"] == 3
    per_household = RosterEvent.objects.filter(
        kind="building_moved", household__in=occupied["households"]
    )
    assert per_household.count() == 4
    # No personal data in the timeline.
    assert "reason" not in event.detail


def test_grid_worker_cannot_move_a_building_out_of_jurisdiction(tree, worker, occupied):
    building = occupied["building"]
    before = snapshot(building)
    with pytest.raises(PermissionDenied):
        building_move(actor=worker, building=building, to_area=tree.grid2, reason="私自调整")
    assert snapshot(building) == before


def test_building_move_needs_a_reason(tree, staff, occupied):
    building = occupied["building"]
    before = snapshot(building)
    with pytest.raises(ValidationFailed) as exc:
        building_move(actor=staff, building=building, to_area=tree.grid2, reason=" ")
    assert "reason" in exc.value.fields
    assert snapshot(building) == before


def test_building_move_to_a_community_is_refused(tree, staff, occupied):
    with pytest.raises(ValidationFailed) as exc:
        building_move(
            actor=staff, building=occupied["building"], to_area=tree.community, reason="x"
        )
    assert exc.value.code == "invalid_area"


def test_building_move_refuses_a_name_taken_in_the_target_grid(tree, staff, occupied):
    make_building(tree.grid2)  # also "1号楼", stand-alone
    building = occupied["building"]
    before = snapshot(building)
    with pytest.raises(Conflict):
        building_move(actor=staff, building=building, to_area=tree.grid2, reason="网格调整")
    assert snapshot(building) == before
