"""A building or unit chief reads the households and residents of the buildings and units they
are chief of (their open staff posts), not the whole grid where the role is granted."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.core.errors import NotFound
from gridgov.rosters import selectors
from gridgov.rosters.models import Room
from gridgov.rosters.services.places import building_create
from gridgov.rosters.services.staff import staff_assign, staff_end
from gridgov.rosters.tests.places_support import household, resident

D = date(2025, 3, 1)


@pytest.fixture
def place(tree):
    one = building_create(
        actor=None, area=tree.grid1, name="1号楼", floors=2, units=2, rooms_per_floor=1
    )
    two = building_create(
        actor=None, area=tree.grid1, name="2号楼", floors=2, units=1, rooms_per_floor=1
    )
    rooms = {
        "one_u1": Room.objects.filter(unit__building=one, unit__number=1).first(),
        "one_u2": Room.objects.filter(unit__building=one, unit__number=2).first(),
        "two": Room.objects.filter(unit__building=two).first(),
    }
    homes = {k: household(area=tree.grid1, room=r) for k, r in rooms.items()}
    homes["loose"] = household(area=tree.grid1)  # a household of the grid in no building
    people = {k: resident(household=h, name=f"住户{k}") for k, h in homes.items()}
    return one, two, homes, people


def test_building_chief_sees_only_their_building(tree, make_user, place):
    one, _two, homes, people = place
    chief = make_user("lzz", ("building_chief", tree.grid1))
    staff_assign(
        actor=None, user=chief, post="building_chief", area=tree.grid1, building=one, start_on=D
    )
    seen = set(selectors.resident_search_for(actor=chief).values_list("pk", flat=True))
    assert seen == {people["one_u1"].pk, people["one_u2"].pk}
    found = set(selectors.household_list_for(actor=chief).values_list("pk", flat=True))
    assert found == {homes["one_u1"].pk, homes["one_u2"].pk}
    assert selectors.resident_get_for(actor=chief, pk=people["one_u1"].pk)
    for other in ("two", "loose"):
        with pytest.raises(NotFound):
            selectors.resident_get_for(actor=chief, pk=people[other].pk)
        with pytest.raises(NotFound):
            selectors.household_get_for(actor=chief, pk=homes[other].pk)
    # A name search does not reach past the building either.
    assert not selectors.resident_search_for(actor=chief, q="住户two").exists()


def test_unit_chief_sees_only_their_unit(tree, make_user, place):
    one, _two, _homes, people = place
    chief = make_user("dyz", ("building_chief", tree.grid1))
    unit = one.units.get(number=2)
    staff_assign(
        actor=None,
        user=chief,
        post="unit_chief",
        area=tree.grid1,
        building=one,
        unit=unit,
        start_on=D,
    )
    seen = set(selectors.resident_search_for(actor=chief).values_list("pk", flat=True))
    assert seen == {people["one_u2"].pk}


def test_chief_without_an_open_post_sees_nobody(tree, make_user, place):
    one, _two, _homes, _people = place
    chief = make_user("old", ("building_chief", tree.grid1))
    post = staff_assign(
        actor=None, user=chief, post="building_chief", area=tree.grid1, building=one, start_on=D
    )
    staff_end(actor=None, assignment=post, end_on=date(2025, 6, 1))
    chief = type(chief).objects.get(pk=chief.pk)  # a fresh request: nothing cached
    assert not selectors.resident_search_for(actor=chief).exists()


def test_grid_worker_who_is_also_a_chief_keeps_the_grid(tree, make_user, place):
    one, _two, _homes, people = place
    worker = make_user("wgy", ("grid_worker", tree.grid1), ("building_chief", tree.grid1))
    staff_assign(
        actor=None, user=worker, post="building_chief", area=tree.grid1, building=one, start_on=D
    )
    seen = set(selectors.resident_search_for(actor=worker).values_list("pk", flat=True))
    assert seen == {p.pk for p in people.values()}
