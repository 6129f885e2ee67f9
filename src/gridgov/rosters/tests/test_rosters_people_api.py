"""/api/v1/rosters people endpoints: masked JSON, jurisdiction, unmask with audit, writes,
stale versions, tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry
from gridgov.rosters.models import Household, Resident, ResidentTag, TagType
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag, valid_id
from gridgov.rosters.tests.places_support import chief_of_household

pytestmark = pytest.mark.django_db

API = "/api/v1/rosters"
PHONE = "13812345678"


def call(method: str, url: str, user: Any = None, body: Any = None) -> Any:
    headers = {}
    if user is not None:
        _token, raw = token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    kw: dict[str, Any] = {}
    if body is not None:
        kw = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(Client(), method)(url, **kw, **headers)


@pytest.fixture
def number() -> str:
    return valid_id()


def _chief(tree: Any, make_user: Any, person: Any) -> Any:
    """A building chief of ``person``'s building."""
    chief = make_user("bc", ("building_chief", tree.grid1))
    chief_of_household(user=chief, household=person.household, area=tree.grid1)
    return chief


@pytest.fixture
def person(tree: Any, number: str) -> Any:
    hh = make_household(tree.grid1, address="凤鸣小区3号楼2单元502")
    return make_resident(hh, name="王芳", id_number=number, phone=PHONE)


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("gw", ("grid_worker", tree.grid1))


def test_list_is_masked(worker: Any, person: Any, number: str) -> None:
    r = call("get", f"{API}/residents", worker)
    assert r.status_code == 200
    body = r.content.decode()
    item = r.json()["items"][0]
    assert (item["name"], item["id_number"], item["phone"]) == (
        "王芳",
        person.id_number_masked,
        "138****5678",
    )
    assert number not in body and PHONE not in body
    assert r.json()["count"] == 1 and r.json()["capped"] is False


def test_detail_masks_sensitive_name_and_hides_tags(tree: Any, make_user: Any, person: Any) -> None:
    make_tag(person, TagType.objects.get(code="dibao"))
    chief = make_user("bc", ("building_chief", tree.grid1))
    chief_of_household(user=chief, household=person.household, area=tree.grid1)
    data = call("get", f"{API}/residents/{person.pk}", chief).json()
    assert data["name"] == "王*" and data["tags"] == []
    assert "王芳" not in json.dumps(data, ensure_ascii=False)


def test_search_by_phone(worker: Any, person: Any) -> None:
    r = call("get", f"{API}/residents?q={PHONE}", worker)
    assert [i["id"] for i in r.json()["items"]] == [person.pk]


def test_other_grid_404_and_empty_search(
    tree: Any, make_user: Any, person: Any, number: str
) -> None:
    other = make_user("gw2", ("grid_worker", tree.grid2))
    assert call("get", f"{API}/residents/{person.pk}", other).status_code == 404
    assert call("get", f"{API}/residents?q={number}", other).json()["items"] == []
    assert call("get", f"{API}/households/{person.household_id}", other).status_code == 404


def test_unauthenticated_401() -> None:
    assert call("get", f"{API}/residents").status_code == 401


def test_unmask_with_reason(tree: Any, make_user: Any, person: Any, number: str) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    r = call(
        "post",
        f"{API}/residents/{person.pk}/unmask",
        staff,
        {"reason": "核实", "fields": ["id_number"]},
    )
    assert r.status_code == 200 and r.json()["values"] == {"id_number": number}
    entry = AuditEntry.objects.get(event="personal_data_viewed")
    assert (entry.actor_id, entry.target_id, entry.detail["reason"]) == (
        staff.pk,
        str(person.pk),
        "核实",
    )


def test_unmask_without_reason_400(tree: Any, make_user: Any, person: Any) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    r = call("post", f"{API}/residents/{person.pk}/unmask", staff, {"reason": ""})
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()


def test_unmask_without_permission_403(worker: Any, person: Any, number: str) -> None:
    r = call("post", f"{API}/residents/{person.pk}/unmask", worker, {"reason": "x"})
    assert r.status_code == 403 and number not in r.content.decode()
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()


def test_create_resident(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    number = valid_id()
    r = call(
        "post",
        f"{API}/residents",
        worker,
        {
            "household_id": hh.pk,
            "name": "赵六",
            "id_number": number,
            "relation": "02",
            "residence_type": "registered",
            "phone": "13900001111",
        },
    )
    assert r.status_code == 201, r.content
    assert number not in r.content.decode() and "13900001111" not in r.content.decode()
    assert Resident.objects.get().name == "赵六"


def test_create_duplicate_id_400(worker: Any, person: Any, number: str) -> None:
    r = call(
        "post",
        f"{API}/residents",
        worker,
        {
            "household_id": person.household_id,
            "name": "赵六",
            "id_number": number,
            "relation": "99",
            "residence_type": "registered",
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "duplicate_id_number"
    assert number not in r.content.decode()
    assert Resident.objects.count() == 1


def test_create_bad_checksum_400(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    good = valid_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = call(
        "post",
        f"{API}/residents",
        worker,
        {
            "household_id": hh.pk,
            "name": "赵六",
            "id_number": bad,
            "relation": "02",
            "residence_type": "registered",
        },
    )
    assert r.status_code == 400 and "id_number" in r.json()["fields"]
    assert not Resident.objects.exists()


def test_patch_stale_version_409(worker: Any, person: Any) -> None:
    ok = call("patch", f"{API}/residents/{person.pk}", worker, {"version": 1, "name": "王芳芳"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    r = call("patch", f"{API}/residents/{person.pk}", worker, {"version": 1, "name": "王五"})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    person.refresh_from_db()
    assert person.name == "王芳芳"


def test_patch_by_building_chief_403(tree: Any, make_user: Any, person: Any) -> None:
    chief = make_user("bc", ("building_chief", tree.grid1))
    chief_of_household(user=chief, household=person.household, area=tree.grid1)
    r = call("patch", f"{API}/residents/{person.pk}", chief, {"version": 1, "name": "X"})
    assert r.status_code == 403
    person.refresh_from_db()
    assert (person.name, person.version) == ("王芳", 1)


def test_move_out_and_died(worker: Any, person: Any) -> None:
    r = call("post", f"{API}/residents/{person.pk}/move-out", worker, {"on": "2025-01-01"})
    assert r.status_code == 200 and r.json()["status"] == "moved_out"
    r = call("post", f"{API}/residents/{person.pk}/died", worker, {"on": "2025-01-02"})
    assert r.status_code == 409


def test_change_household(tree: Any, worker: Any, person: Any) -> None:
    hh2 = make_household(tree.grid1)
    r = call(
        "post",
        f"{API}/residents/{person.pk}/household",
        worker,
        {"household_id": hh2.pk, "relation": "02", "on": "2025-01-01"},
    )
    assert r.status_code == 200 and r.json()["household_id"] == hh2.pk


def test_tags_crud(worker: Any, person: Any) -> None:
    r = call(
        "post",
        f"{API}/residents/{person.pk}/tags",
        worker,
        {"tag_type": "elderly", "start_on": "2024-01-01", "facts": {"allowance": "100"}},
    )
    assert r.status_code == 201, r.content
    tag_id = r.json()["id"]
    r = call(
        "patch",
        f"{API}/residents/{person.pk}/tags/{tag_id}",
        worker,
        {"version": 1, "facts": {"allowance": "120"}},
    )
    assert r.status_code == 200 and r.json()["facts"] == {"allowance": "120"}
    r = call(
        "post",
        f"{API}/residents/{person.pk}/tags/{tag_id}/end",
        worker,
        {"on": "2025-01-01", "version": 2},
    )
    assert r.status_code == 200 and r.json()["end_on"] == "2025-01-01"
    assert [t["id"] for t in call("get", f"{API}/residents/{person.pk}/tags", worker).json()] == [
        tag_id
    ]


def test_sensitive_tag_invisible_to_building_chief(tree: Any, make_user: Any, person: Any) -> None:
    make_tag(person, TagType.objects.get(code="dibao"))
    chief = make_user("bc", ("building_chief", tree.grid1))
    chief_of_household(user=chief, household=person.household, area=tree.grid1)
    assert call("get", f"{API}/residents/{person.pk}/tags", chief).json() == []
    codes = {t["code"] for t in call("get", f"{API}/tag-types", chief).json()}
    assert "dibao" not in codes and "elderly" in codes


def test_tag_type_create_needs_config(tree: Any, make_user: Any, worker: Any) -> None:
    body = {"code": "new_group", "name": "新类别", "sensitive": False}
    assert call("post", f"{API}/tag-types", worker, body).status_code == 403
    assert not TagType.objects.filter(code="new_group").exists()
    admin = make_user("adm", ("admin", tree.county))
    assert call("post", f"{API}/tag-types", admin, body).status_code == 201


def test_households(tree: Any, worker: Any, person: Any) -> None:
    r = call(
        "post",
        f"{API}/households",
        worker,
        {"area_id": tree.grid1.pk, "household_type": "resident", "address": "凤鸣小区9号楼"},
    )
    assert r.status_code == 201
    assert Household.objects.count() == 2
    data = call("get", f"{API}/households/{person.household_id}", worker).json()
    assert [m["name"] for m in data["members"]] == ["王芳"]
    assert call("get", f"{API}/households", worker).json()["count"] == 2


def test_household_create_other_grid_refused(tree: Any, worker: Any) -> None:
    r = call(
        "post",
        f"{API}/households",
        worker,
        {"area_id": tree.grid2.pk, "household_type": "resident", "address": "x"},
    )
    assert r.status_code in (403, 404)
    assert not Household.objects.exists()
    assert not ResidentTag.objects.exists()
