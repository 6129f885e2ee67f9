"""Demo rosters: valid, deterministic people, and bulk rows exactly as the services write them."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date

import pytest
from django.db import transaction
from stdnum.cn import ric

from gridgov.audit.models import AuditEntry, Event
from gridgov.core import crypto
from gridgov.demo.people import People, county_valid_in
from gridgov.demo.rosters import build_residents
from gridgov.rosters.codes import Relation, ResidentStatus
from gridgov.rosters.idnumbers import parse_id
from gridgov.rosters.models import (
    Building,
    Estate,
    Household,
    Membership,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    VillageGroup,
)
from gridgov.rosters.services.tags import clean_facts, refresh_sensitive

TODAY = date(2026, 6, 1)


def _build(tree, n=400, seed=7):
    return build_residents(n, grids=[tree.grid1, tree.grid2, tree.grid3], seed=seed, today=TODAY)


def test_people_give_valid_unique_id_numbers_matching_gender_and_birth():
    people = People(1, today=TODAY)
    seen = set()
    for i in range(3000):
        gender = "MF"[i % 2]
        birth = people.birth_date(i % 100)
        number = people.id_number(birth, gender, origin=("local", "ningxia", "other")[i % 3])
        facts = parse_id(number)
        assert (facts.birth_date, facts.gender) == (birth, gender)
        assert county_valid_in(number[:6], birth.year)
        seen.add(number)
    assert len(seen) == 3000


def test_people_are_deterministic_for_a_seed():
    def draw(seed):
        p = People(seed, today=TODAY)
        return [
            (p.name("M", 1980 + i), p.id_number(date(1980 + i, 5, 1), "F"), p.mobile())
            for i in range(20)
        ]

    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_old_county_codes_only_for_people_born_while_they_existed():
    # 640102 城区 of 银川 existed 1983–2002; 640104 兴庆区 from 2002.
    assert county_valid_in("640102", 1990) and not county_valid_in("640102", 2010)
    assert county_valid_in("640104", 2010) and not county_valid_in("640104", 1990)


def test_build_is_deterministic_for_a_seed(tree):
    def snapshot():
        return sorted(
            Resident.objects.values_list(
                "name", "id_number_hash", "birth_date", "status", "household__address"
            )
        )

    class Rollback(Exception):
        pass

    runs = []
    for _ in range(2):
        try:
            with transaction.atomic():
                _build(tree)
                runs.append(snapshot())
                raise Rollback
        except Rollback:
            pass
    assert runs[0] == runs[1] and len(runs[0]) >= 400


def test_every_resident_has_a_valid_protected_id_and_phone(tree):
    _build(tree)
    for r in Resident.objects.all():
        number = crypto.decrypt(r.id_number_enc)
        assert ric.is_valid(number)
        facts = parse_id(number)
        assert (facts.birth_date, facts.gender) == (r.birth_date, r.gender)
        assert r.id_number_hash == crypto.keyed_hash(number)
        assert r.id_number_masked == crypto.mask_id_number(number)
        if r.phone_enc:
            phone = crypto.decrypt(r.phone_enc)
            assert r.phone_hash == crypto.keyed_hash(phone)
            assert r.phone_masked == crypto.mask_mobile(phone)
        else:
            assert r.phone_hash == r.phone_masked == ""


def test_area_paths_are_copied_from_the_grid(tree):
    _build(tree)
    grids = {g.pk: g.path for g in (tree.grid1, tree.grid2, tree.grid3)}
    for model in (Household, Estate, VillageGroup, Building):
        for area_id, path in model.objects.values_list("area_id", "area_path"):
            assert grids[area_id] == path
    for area_id, path in Resident.objects.values_list("area_id", "area_path"):
        assert grids[area_id] == path
    for tag in ResidentTag.objects.select_related("resident"):
        assert tag.area_path == tag.resident.area_path


def test_urban_grids_get_buildings_and_village_grids_villagers_groups(tree):
    _build(tree)
    assert Building.objects.filter(area=tree.grid1).exists()
    assert not VillageGroup.objects.filter(area=tree.grid1).exists()
    assert VillageGroup.objects.filter(area=tree.grid3).exists()
    assert not Building.objects.filter(area=tree.grid3).exists()
    for h in Household.objects.filter(area=tree.grid1).select_related("room__unit__building")[:50]:
        unit = h.room.unit
        assert h.address == f"{unit.building}{unit}{h.room.number}"  # as household_create does
    assert not Household.objects.filter(area=tree.grid3, village_group__isnull=True).exists()
    # One household a room.
    rooms = Household.objects.filter(room__isnull=False).values_list("room", flat=True)
    assert len(rooms) == len(set(rooms)) <= Room.objects.count()


def test_living_members_have_one_open_membership_and_the_leavers_none(tree):
    _build(tree)
    open_by_resident = Counter(
        Membership.objects.filter(end_on__isnull=True).values_list("resident", flat=True)
    )
    for r in Resident.objects.all():
        if r.status == ResidentStatus.LIVING:
            assert open_by_resident[r.pk] == 1 and r.household_id is not None
            m = Membership.objects.get(resident=r, end_on__isnull=True)
            assert (m.household_id, m.relation, m.start_on) == (
                r.household_id,
                r.relation,
                r.moved_in_on,
            )
        else:
            assert open_by_resident[r.pk] == 0
            assert r.household_id is None and r.relation == ""
            left = r.moved_out_on if r.status == ResidentStatus.MOVED_OUT else r.deceased_on
            assert Membership.objects.get(resident=r).end_on == left
    assert Resident.objects.filter(status=ResidentStatus.MOVED_OUT).exists()
    assert Resident.objects.filter(status=ResidentStatus.DECEASED).exists()


def test_every_household_has_its_living_head_and_one_to_five_members(tree):
    _build(tree)
    for h in Household.objects.all():
        assert h.head is not None
        assert (h.head.household_id, h.head.relation) == (h.pk, Relation.HEAD)
        assert 1 <= Membership.objects.filter(household=h).count() <= 5
    types = Counter(Household.objects.values_list("household_type", flat=True))
    assert types["registered"] > types["floating"] > 0


def test_sensitive_flag_is_what_refresh_sensitive_computes(tree):
    _build(tree, n=1500)
    before = dict(Resident.objects.values_list("pk", "sensitive"))
    assert any(before.values())
    refresh_sensitive(list(before))
    assert dict(Resident.objects.values_list("pk", "sensitive")) == before


def test_tags_carry_valid_facts_and_an_event_each(tree):
    _build(tree, n=1500)
    tags = list(ResidentTag.objects.select_related("tag_type", "resident"))
    assert {t.tag_type.code for t in tags} >= {"elderly", "disabled", "empty_nest"}
    for t in tags:
        assert clean_facts(t.tag_type, t.facts) == t.facts
        assert t.start_on <= TODAY
        if t.end_on is not None:
            assert t.resident.status == ResidentStatus.DECEASED
    added = RosterEvent.objects.filter(kind=RosterEvent.Kind.TAG_ADDED).count()
    assert added == len(tags)


def test_events_and_one_summary_audit_entry(tree):
    result = _build(tree)
    created = RosterEvent.objects.filter(kind=RosterEvent.Kind.CREATED)
    assert created.filter(resident__isnull=False).count() == result.residents
    assert created.filter(resident__isnull=True, household__isnull=False).count() == (
        result.households
    )
    assert created.filter(building__isnull=False).count() == result.buildings
    entries = AuditEntry.objects.filter(event=Event.ROSTER_IMPORTED)
    assert entries.count() == 1 and entries[0].detail["residents"] == result.residents
    # Nothing personal in the events: no run of 11 or more digits (ID or mobile numbers).
    for detail in RosterEvent.objects.values_list("detail", flat=True):
        assert not re.search(r"\d{11,}", json.dumps(detail)), detail


def test_ages_look_like_a_population(tree):
    _build(tree, n=3000)
    ages = [TODAY.year - b.year for b in Resident.objects.values_list("birth_date", flat=True)]
    children = sum(a < 18 for a in ages) / len(ages)
    old = sum(a >= 60 for a in ages) / len(ages)
    very_old = sum(a >= 80 for a in ages) / len(ages)
    assert 0.08 < children < 0.35 and 0.1 < old < 0.45 and very_old < 0.08


@pytest.mark.django_db
def test_demo_build_adds_rosters_staff_and_keeps_the_district(settings):
    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.demo.generator import build_demo
    from gridgov.rosters.codes import StaffPost
    from gridgov.rosters.models import StaffAssignment

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    result = build_demo(rosters=True)
    grids = Area.objects.filter(level=Level.GRID)
    per_grid = Counter(
        Resident.objects.filter(status=ResidentStatus.LIVING).values_list("area", flat=True)
    )
    assert all(per_grid[g.pk] >= 20 for g in grids)
    assert result.residents == Resident.objects.count()
    posts = Counter(StaffAssignment.objects.values_list("post", flat=True))
    assert posts[StaffPost.FULL_TIME] == grids.count()
    assert posts[StaffPost.GRID_CHIEF] >= 1 and posts[StaffPost.BUILDING_CHIEF] >= 1
    assert posts[StaffPost.UNIT_CHIEF] >= 1
