"""People pages: masked lists and detail, unmasking with a reason, forms with field errors,
jurisdiction (404 outside), fixed query count of the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.audit.models import AuditEntry
from gridgov.conftest import TEST_PASSWORD
from gridgov.rosters.models import Household, Resident, TagType
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag, valid_id
from gridgov.rosters.tests.places_support import chief_of_household

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _client(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=TEST_PASSWORD)
    return c


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


def test_list_is_masked(tree: Any, make_user: Any, person: Any, number: str) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    html = c.get(reverse("rosters:residents")).content.decode()
    assert "王芳" in html and person.id_number_masked in html and "138****5678" in html
    assert number not in html and PHONE not in html


def test_sensitive_name_masked_on_pages(tree: Any, make_user: Any, person: Any) -> None:
    make_tag(person, TagType.objects.get(code="dibao"))
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    for url in (
        reverse("rosters:residents"),
        reverse("rosters:resident_detail", args=[person.pk]),
        reverse("rosters:household_detail", args=[person.household_id]),
    ):
        html = c.get(url).content.decode()
        assert "王*" in html and "王芳" not in html, url


def test_search_by_id_number(tree: Any, make_user: Any, person: Any, number: str) -> None:
    make_resident(make_household(tree.grid1), name="李四")
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    html = c.get(reverse("rosters:residents"), {"q": number}).content.decode()
    assert "<strong>王芳</strong>" in html and "李四" not in html
    assert person.id_number_masked in html


def test_list_query_count_is_fixed(tree: Any, make_user: Any) -> None:
    user = make_user("gw", ("grid_worker", tree.grid1))
    c = _client(user)
    hh = make_household(tree.grid1)
    make_resident(hh)
    c.get(reverse("rosters:residents"))
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("rosters:residents"))
    for i in range(10):
        make_resident(make_household(tree.grid1), name=f"人{i}")
    with CaptureQueriesContext(connection) as many:
        c.get(reverse("rosters:residents"))
    assert len(many) == len(few)


def test_other_grid_worker_gets_404_and_finds_nothing(
    tree: Any, make_user: Any, person: Any, number: str
) -> None:
    c = _client(make_user("gw2", ("grid_worker", tree.grid2)))
    assert c.get(reverse("rosters:resident_detail", args=[person.pk])).status_code == 404
    assert c.get(reverse("rosters:household_detail", args=[person.household_id])).status_code == 404
    html = c.get(reverse("rosters:residents"), {"q": "王芳"}).content.decode()
    assert "<strong>王芳</strong>" not in html
    html = c.get(reverse("rosters:residents"), {"q": number}).content.decode()
    assert person.id_number_masked not in html


def test_resident_without_roster_role_403(tree: Any, make_user: Any) -> None:
    c = _client(make_user("res", ("resident", tree.grid1)))
    assert c.get(reverse("rosters:residents")).status_code == 403


def test_detail_hides_sensitive_tags_from_building_chief(
    tree: Any, make_user: Any, person: Any
) -> None:
    make_tag(person, TagType.objects.get(code="dibao"))
    make_tag(person, TagType.objects.get(code="veteran"))
    html = (
        _client(_chief(tree, make_user, person))
        .get(reverse("rosters:resident_detail", args=[person.pk]))
        .content.decode()
    )
    assert "退役军人" in html and "低保" not in html
    html = (
        _client(make_user("gw", ("grid_worker", tree.grid1)))
        .get(reverse("rosters:resident_detail", args=[person.pk]))
        .content.decode()
    )
    assert "低保" in html


def test_detail_offers_unmask_only_with_permission(tree: Any, make_user: Any, person: Any) -> None:
    url = reverse("rosters:resident_detail", args=[person.pk])
    unmask = reverse("rosters:resident_unmask", args=[person.pk])
    assert (
        unmask
        not in _client(make_user("gw", ("grid_worker", tree.grid1))).get(url).content.decode()
    )
    assert (
        unmask
        in _client(make_user("cs", ("community_staff", tree.community))).get(url).content.decode()
    )


def test_unmask_shows_clear_values_once_and_audits(
    tree: Any, make_user: Any, person: Any, number: str
) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    c = _client(staff)
    url = reverse("rosters:resident_unmask", args=[person.pk])
    r = c.post(url, {"reason": "核实身份", "show": ["id_number", "phone"]}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and number in html and PHONE in html
    entry = AuditEntry.objects.get(event="personal_data_viewed")
    assert (entry.actor_id, entry.target_id, entry.detail["reason"]) == (
        staff.pk,
        str(person.pk),
        "核实身份",
    )
    detail = c.get(reverse("rosters:resident_detail", args=[person.pk])).content.decode()
    assert number not in detail


def test_unmask_without_reason_shows_error(
    tree: Any, make_user: Any, person: Any, number: str
) -> None:
    c = _client(make_user("cs", ("community_staff", tree.community)))
    r = c.post(reverse("rosters:resident_unmask", args=[person.pk]), {"reason": ""})
    assert r.status_code == 400 and number not in r.content.decode()
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()


def test_unmask_by_grid_worker_403(tree: Any, make_user: Any, person: Any, number: str) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(reverse("rosters:resident_unmask", args=[person.pk]), {"reason": "x"})
    assert r.status_code == 403 and number not in r.content.decode()
    assert not AuditEntry.objects.filter(event="personal_data_viewed").exists()


def test_create_resident_with_bad_id_shows_field_error(tree: Any, make_user: Any) -> None:
    hh = make_household(tree.grid1)
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(
        reverse("rosters:resident_create", args=[hh.pk]),
        {
            "name": "赵六",
            "id_number": "640121198503071",
            "relation": "02",
            "residence_type": "registered",
            "ethnicity": "01",
            "political_status": "13",
        },
    )
    assert r.status_code == 200
    assert "id_number_errors" in r.content.decode()
    assert not Resident.objects.exists()


def test_create_resident_redirects_to_detail(tree: Any, make_user: Any) -> None:
    hh = make_household(tree.grid1)
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(
        reverse("rosters:resident_create", args=[hh.pk]),
        {
            "name": "赵六",
            "id_number": valid_id(),
            "phone": "13900001111",
            "relation": "02",
            "residence_type": "registered",
            "ethnicity": "01",
            "political_status": "13",
        },
    )
    resident = Resident.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/residents/{resident.pk}/")


def test_building_chief_cannot_open_edit(tree: Any, make_user: Any, person: Any) -> None:
    c = _client(_chief(tree, make_user, person))
    assert c.get(reverse("rosters:resident_edit", args=[person.pk])).status_code == 403
    r = c.post(reverse("rosters:resident_move_out", args=[person.pk]), {"on": "2025-01-01"})
    assert r.status_code == 403
    person.refresh_from_db()
    assert person.status == "living"


def test_edit_stale_version_shows_error(tree: Any, make_user: Any, person: Any) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    Resident.objects.filter(pk=person.pk).update(version=5)
    r = c.post(
        reverse("rosters:resident_edit", args=[person.pk]),
        {
            "name": "王芳芳",
            "residence_type": "registered",
            "ethnicity": "01",
            "political_status": "13",
            "version": 1,
        },
    )
    assert r.status_code == 200
    person.refresh_from_db()
    assert person.name == "王芳"


def test_move_out_page(tree: Any, make_user: Any, person: Any) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(reverse("rosters:resident_move_out", args=[person.pk]), {"on": "2025-01-01"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.status == "moved_out"


def test_tag_add_page(tree: Any, make_user: Any, person: Any) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    url = reverse("rosters:resident_tag_add", args=[person.pk, "disabled"])
    assert c.get(url).status_code == 200
    r = c.post(
        url, {"start_on": "2024-01-01", "fact_disability_type": "肢体", "fact_grade": "二级"}
    )
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.sensitive


def test_household_create_page(tree: Any, make_user: Any) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(
        reverse("rosters:household_create"),
        {"area": tree.grid1.pk, "household_type": "resident", "address": "凤鸣小区1号楼101"},
    )
    hh = Household.objects.get()
    assert r.status_code == 302 and hh.area_id == tree.grid1.pk


def test_household_create_in_other_grid_refused(tree: Any, make_user: Any) -> None:
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    r = c.post(
        reverse("rosters:household_create"),
        {"area": tree.grid2.pk, "household_type": "resident", "address": "x"},
    )
    assert r.status_code == 200
    assert not Household.objects.exists()


def test_household_headings_name_what_they_list(tree: Any, make_user: Any, person: Any) -> None:
    """A resident's past and present households are 「历次所在户」 (not the count 「户数」), and
    the household list is 「住户列表」 (Chinese pages, the default)."""
    c = _client(make_user("gw", ("grid_worker", tree.grid1)))
    html = c.get(reverse("rosters:resident_detail", args=[person.pk])).content.decode()
    assert "历次所在户" in html and ">户数<" not in html
    html = c.get(reverse("rosters:households")).content.decode()
    assert '<h1 class="h4 mb-0">住户列表</h1>' in html
