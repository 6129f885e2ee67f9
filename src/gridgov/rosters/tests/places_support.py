"""Small builders for the places/staff/portrait tests: households and residents written
directly (the PEOPLE services are tested on their own), with valid protected ID numbers."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from stdnum.cn import ric

from gridgov.rosters.idnumbers import protected_id
from gridgov.rosters.models import Household, Resident, ResidentTag, TagType

_seq = itertools.count(1)


def id_number(n: int, birth: str = "19800101") -> str:
    body = f"640110{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body)


def household(*, area: Any, room: Any = None, household_type: str = "resident") -> Household:
    n = next(_seq)
    return Household.objects.create(
        number=f"HT{n:08d}",
        area=area,
        area_path=area.path,
        household_type=household_type,
        room=room,
        address=f"测试地址{n}",
    )


def resident(*, household: Household, status: str = "living", name: str = "张三") -> Resident:
    n = next(_seq)
    return Resident.objects.create(
        household=household,
        relation="02",
        area=household.area,
        area_path=household.area_path,
        name=name,
        gender="M",
        birth_date=date(1980, 1, 1),
        residence_type="resident",
        status=status,
        **protected_id(id_number(n)),
    )


def tag_type(code: str, *, sensitive: bool) -> TagType:
    return TagType.objects.get_or_create(
        code=code, defaults={"name": f"测试{code}", "sensitive": sensitive, "sort": 999}
    )[0]


def tag(*, resident: Resident, tag_type: TagType, end_on: date | None = None) -> ResidentTag:
    return ResidentTag.objects.create(
        resident=resident,
        tag_type=tag_type,
        area_path=resident.area_path,
        start_on=date(2024, 1, 1),
        end_on=end_on,
    )


def chief_of_household(*, user: Any, household: Household, area: Any) -> None:
    """Make ``user`` (a building chief) the 楼栋长 of a new building in ``area`` and move
    ``household`` into its first room: a chief reads only the households of their buildings."""
    from gridgov.rosters.models import Room
    from gridgov.rosters.services.places import building_create
    from gridgov.rosters.services.staff import staff_assign

    building = building_create(
        actor=None, area=area, name="3号楼", floors=1, units=1, rooms_per_floor=1
    )
    room = Room.objects.filter(unit__building=building).first()
    Household.objects.filter(pk=household.pk).update(room=room)
    staff_assign(
        actor=None,
        user=user,
        post="building_chief",
        area=area,
        building=building,
        start_on=date(2025, 1, 1),
    )
