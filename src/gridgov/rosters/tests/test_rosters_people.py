"""Households and residents: creation, ID checks, duplicates, one household at a time,
moving out, dying, changing household, optimistic concurrency."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation
from stdnum.cn import ric

from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.rosters.models import Household, Membership, Resident, RosterEvent
from gridgov.rosters.services import people
from gridgov.rosters.tests.builders import make_household, make_resident, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("gw1", ("grid_worker", tree.grid1))


def _create(actor: Any, household: Any, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "actor": actor,
        "household": household,
        "name": "李四",
        "id_number": valid_id(),
        "relation": "02",
        "residence_type": "registered",
    }
    args.update(kw)
    return people.resident_create(**args)


def test_household_create_generates_number(tree: Any, worker: Any) -> None:
    hh = people.household_create(
        actor=worker, area=tree.grid1, household_type="resident", address="凤鸣小区1号楼101"
    )
    assert hh.number == f"H{tree.grid1.code}000001"
    assert hh.area_path == tree.grid1.path
    assert RosterEvent.objects.filter(household=hh, kind="created").count() == 1


def test_next_household_number_follows_the_last(tree: Any, worker: Any) -> None:
    people.household_create(actor=worker, area=tree.grid1, household_type="resident", address="a")
    assert people.next_household_number(tree.grid1) == f"H{tree.grid1.code}000002"


def test_household_create_refuses_a_community(tree: Any, make_user: Any) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    with pytest.raises(ValidationFailed) as exc:
        people.household_create(
            actor=staff, area=tree.community, household_type="resident", address="x"
        )
    assert exc.value.code == "not_a_grid"
    assert not Household.objects.exists()


def test_household_create_outside_jurisdiction_refused(tree: Any, worker: Any) -> None:
    with pytest.raises(PermissionDenied):
        people.household_create(
            actor=worker, area=tree.grid2, household_type="resident", address="x"
        )
    assert not Household.objects.exists()


def test_resident_create_derives_gender_and_birth_and_masks(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    number = valid_id(date(1985, 3, 7), gender="F")
    r = _create(worker, hh, id_number=number, phone="138 1234 5678")
    assert (r.gender, r.birth_date) == ("F", date(1985, 3, 7))
    assert r.id_number_masked == number[0] + "*" * 15 + number[-2:]
    assert r.phone_masked == "138****5678"
    assert number not in r.id_number_enc
    hh.refresh_from_db()
    assert hh.head_id == r.pk
    assert Membership.objects.get(resident=r).end_on is None


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("64012119850307123", "An ID number has 18 characters."),
        ("640121198503071230", "The check digit of this ID number is wrong."),
        ("640121198513071235", "The birth date or birth place in this ID number does not exist."),
    ],
)
def test_resident_create_bad_id_refused(tree: Any, worker: Any, number: str, message: str) -> None:
    hh = make_household(tree.grid1)
    if "check digit" in message:  # make sure the check digit really is wrong
        good = valid_id(date(1985, 3, 7))
        number = good[:-1] + ("0" if good[-1] != "0" else "1")
    if "birth date" in message:  # month 13, with a correct check digit
        number = number[:-1] + ric.calc_check_digit(number)
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        _create(worker, hh, id_number=number)
    assert exc.value.fields["id_number"] == message
    assert not Resident.objects.exists()


def test_id_errors_are_in_chinese(tree: Any, worker: Any) -> None:
    from django.utils import translation

    hh = make_household(tree.grid1)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        _create(worker, hh, id_number="123")
    assert "18" in str(exc.value.fields["id_number"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.fields["id_number"]))


def test_duplicate_id_refused(tree: Any, worker: Any) -> None:
    hh1 = make_household(tree.grid1)
    hh2 = make_household(tree.grid1)
    number = valid_id()
    first = _create(worker, hh1, id_number=number)
    with pytest.raises(ValidationFailed) as exc:
        _create(worker, hh2, id_number=number.lower(), relation="02")
    assert exc.value.code == "duplicate_id_number"
    assert list(Resident.objects.values_list("pk", flat=True)) == [first.pk]
    assert Membership.objects.filter(household=hh2).count() == 0


def test_second_head_refused(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    _create(worker, hh)
    with pytest.raises(ValidationFailed) as exc:
        _create(worker, hh, name="王五")
    assert exc.value.code == "head_exists"
    assert Resident.objects.count() == 1


def test_change_household_ends_old_membership(tree: Any, worker: Any) -> None:
    hh1 = make_household(tree.grid1)
    hh2 = make_household(tree.grid1)
    r = make_resident(hh1)
    people.resident_change_household(
        actor=worker, resident=r, household=hh2, relation="02", on=date(2025, 1, 2)
    )
    open_rows = Membership.objects.filter(resident=r, end_on__isnull=True)
    assert [m.household_id for m in open_rows] == [hh2.pk]
    assert Membership.objects.get(resident=r, household=hh1).end_on == date(2025, 1, 2)
    hh1.refresh_from_db()
    hh2.refresh_from_db()
    assert (hh1.head_id, hh2.head_id) == (None, r.pk)


def test_change_household_to_other_grid_needs_edit_there(tree: Any, worker: Any) -> None:
    hh1 = make_household(tree.grid1)
    other = make_household(tree.grid2)
    r = make_resident(hh1)
    with pytest.raises(PermissionDenied):
        people.resident_change_household(
            actor=worker, resident=r, household=other, relation="99", on=date(2025, 1, 2)
        )
    r.refresh_from_db()
    assert r.household_id == hh1.pk
    assert Membership.objects.filter(resident=r).count() == 1


def test_change_household_moves_the_area(tree: Any, make_user: Any) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    r = make_resident(make_household(tree.grid1))
    hh2 = make_household(tree.grid2)
    people.resident_change_household(
        actor=staff, resident=r, household=hh2, relation="99", on=date(2025, 1, 2)
    )
    r.refresh_from_db()
    assert (r.area_id, r.area_path) == (tree.grid2.pk, tree.grid2.path)


def test_move_out_keeps_the_record(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    r = make_resident(hh)
    people.resident_move_out(actor=worker, resident=r, on=date(2025, 2, 1), note="搬走")
    r.refresh_from_db()
    assert (r.status, r.moved_out_on, r.household_id) == ("moved_out", date(2025, 2, 1), None)
    assert Membership.objects.get(resident=r).end_on == date(2025, 2, 1)
    hh.refresh_from_db()
    assert hh.head_id is None


def test_move_out_twice_refused(tree: Any, worker: Any) -> None:
    r = make_resident(make_household(tree.grid1))
    people.resident_move_out(actor=worker, resident=r, on=date(2025, 2, 1))
    with pytest.raises(Conflict):
        people.resident_move_out(actor=worker, resident=r, on=date(2025, 2, 2))
    r.refresh_from_db()
    assert r.moved_out_on == date(2025, 2, 1)


def test_died_records_the_date(tree: Any, worker: Any) -> None:
    r = make_resident(make_household(tree.grid1))
    people.resident_died(actor=worker, resident=r, on=date(2025, 3, 1))
    r.refresh_from_db()
    assert (r.status, r.deceased_on) == ("deceased", date(2025, 3, 1))
    assert RosterEvent.objects.filter(resident=r, kind="deceased").exists()


def test_update_changes_fields_and_writes_names_only(tree: Any, worker: Any) -> None:
    r = make_resident(make_household(tree.grid1))
    people.resident_update(
        actor=worker, resident=r, version=r.version, name="张三丰", phone="13900001111"
    )
    r.refresh_from_db()
    assert (r.name, r.phone_masked, r.version) == ("张三丰", "139****1111", 2)
    event = RosterEvent.objects.get(resident=r, kind="changed")
    assert event.detail == {"fields": ["name", "phone"]}
    assert "13900001111" not in str(event.detail)


def test_update_new_id_number_rederives_birth(tree: Any, worker: Any) -> None:
    r = make_resident(make_household(tree.grid1))
    people.resident_update(
        actor=worker, resident=r, version=1, id_number=valid_id(date(2001, 2, 3), gender="F")
    )
    r.refresh_from_db()
    assert (r.birth_date, r.gender) == (date(2001, 2, 3), "F")


def test_update_stale_version_conflict_changes_nothing(tree: Any, worker: Any) -> None:
    r = make_resident(make_household(tree.grid1))
    people.resident_update(actor=worker, resident=r, version=1, name="甲")
    stale = Resident.objects.get(pk=r.pk)
    stale.version = 1
    with pytest.raises(Conflict) as exc:
        people.resident_update(actor=worker, resident=stale, version=1, name="乙")
    assert exc.value.code == "stale_version"
    r.refresh_from_db()
    assert (r.name, r.version) == ("甲", 2)


def test_update_to_duplicate_id_refused(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    a = make_resident(hh)
    number = valid_id()
    make_resident(hh, id_number=number)
    with pytest.raises(ValidationFailed):
        people.resident_update(actor=worker, resident=a, version=1, id_number=number)
    a.refresh_from_db()
    assert a.version == 1


def test_building_chief_cannot_edit(tree: Any, make_user: Any) -> None:
    chief = make_user("bc", ("building_chief", tree.grid1))
    r = make_resident(make_household(tree.grid1))
    with pytest.raises(PermissionDenied):
        people.resident_update(actor=chief, resident=r, version=1, name="改")
    r.refresh_from_db()
    assert (r.name, r.version) == ("张三", 1)
