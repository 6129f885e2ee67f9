"""Small roster builders for tests (rows written directly, no permission checks), shared by the
roster, party and import tests.

    from gridgov.rosters.tests.builders import make_household, make_resident, valid_id
    hh = make_household(tree.grid1)
    head = make_resident(hh, name="王建国")                  # first member: the head
    kid = make_resident(hh, name="王小明", relation="20", birth=date(2012, 5, 1))
    tag = make_tag(kid, make_tag_type("left_behind_child", name="留守儿童"))

ID numbers come from :func:`valid_id`: born in 永宁县 (640121, valid for every year), a
checksum python-stdnum accepts, unique per call unless given.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

from gridgov.rosters.idnumbers import parse_id, protected_id, protected_phone

_counter = itertools.count(1)
REGION = "640121"


def valid_id(
    birth: date | None = None, *, gender: str = "M", region: str = REGION, n: int | None = None
) -> str:
    """A valid 18-character ID number; unique per call (a running number picks the sequence
    digits and, without ``birth``, the birth date)."""
    k = next(_counter) if n is None else n
    if birth is None:
        birth = date(1950, 1, 1) + timedelta(days=(k // 500) * 7 + k % 97)
    seq = (k % 500) * 2 + (1 if gender == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_household(
    area: Any,
    *,
    household_type: str = "resident",
    address: str = "",
    number: str = "",
    room: Any = None,
    village_group: Any = None,
) -> Any:
    from gridgov.rosters.models import Household

    k = next(_counter)
    return Household.objects.create(
        number=number or f"T{area.code}{k:06d}",
        area=area,
        area_path=area.path,
        household_type=household_type,
        address=address or f"{area.name}{k}号楼1单元{100 + k % 900}室",
        room=room,
        village_group=village_group,
    )


def make_resident(
    household: Any = None,
    *,
    area: Any = None,
    name: str = "张三",
    id_number: str = "",
    birth: date | None = None,
    gender: str = "M",
    relation: str = "",
    phone: str = "",
    residence_type: str = "registered",
    status: str = "living",
    moved_in_on: date | None = None,
) -> Any:
    """A resident in ``household`` (or, without one, registered in ``area``) with a membership;
    the first member of a household without a head becomes its head unless ``relation``."""
    from gridgov.rosters.models import Household, Membership, Resident

    if household is None and area is None:
        raise ValueError("make_resident needs a household or an area")
    facts = parse_id(id_number or valid_id(birth, gender=gender))
    if household is not None:
        area = household.area
        if not relation:
            relation = "99" if household.head_id else "02"
    resident = Resident.objects.create(
        household=household if status == "living" else None,
        relation=relation if household is not None and status == "living" else "",
        area=area,
        area_path=area.path,
        name=name,
        gender=facts.gender,
        birth_date=facts.birth_date,
        residence_type=residence_type,
        status=status,
        moved_in_on=moved_in_on,
        **protected_id(facts.number),
        **(protected_phone(phone) if phone else {}),
    )
    if household is not None:
        Membership.objects.create(
            resident=resident,
            household=household,
            relation=relation,
            start_on=moved_in_on or date(2020, 1, 1),
            end_on=None if status == "living" else date(2024, 1, 1),
        )
        if relation == "02" and status == "living":
            Household.objects.filter(pk=household.pk).update(head=resident)
            household.head = resident
    return resident


def make_tag_type(
    code: str = "disabled",
    *,
    name: str = "",
    sensitive: bool = True,
    fields: list[dict[str, Any]] | None = None,
) -> Any:
    from gridgov.rosters.models import TagType

    tag_type, _created = TagType.objects.get_or_create(
        code=code,
        defaults={"name": name or code, "sensitive": sensitive, "fields": fields or []},
    )
    return tag_type


def make_tag(
    resident: Any,
    tag_type: Any,
    *,
    start_on: date | None = None,
    end_on: date | None = None,
    facts: dict[str, Any] | None = None,
) -> Any:
    """An open (or ended) tag; keeps ``resident.sensitive`` in step."""
    from gridgov.rosters.models import ResidentTag, TagType

    tag = ResidentTag.objects.create(
        resident=resident,
        tag_type=tag_type,
        area_path=resident.area_path,
        start_on=start_on or date(2024, 1, 1),
        end_on=end_on,
        facts=facts or {},
    )
    sensitive = ResidentTag.objects.filter(
        resident=resident,
        end_on__isnull=True,
        tag_type__in=TagType.objects.filter(sensitive=True),
    ).exists()
    type(resident).objects.filter(pk=resident.pk).update(sensitive=sensitive)
    resident.sensitive = sensitive
    return tag
