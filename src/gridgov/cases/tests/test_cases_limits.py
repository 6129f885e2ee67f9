"""Case lists and statistics refuse what is out of range or unknown with a 4xx (API) or a form
error (web), never a 500: dates outside 1900–2100, ids beyond bigint, unknown status, category,
source or due filters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.cases.states import Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import make_case

people = core_builders.people  # the fixture

API = "/api/v1"
HUGE = "99999999999999999999"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def get(url: str, user: Any, **params: Any) -> Any:
    _token, raw = token_issue(user=user)
    return Client().get(url, params, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "1899-12-31"},
        {"date_to": "2101-01-01"},
    ],
)
def test_case_list_dates_out_of_range_are_a_422(tree: Any, people: Any, params: Any) -> None:
    r = get(f"{API}/cases/", people.dispatcher, **params)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) == set(params)


def test_case_list_dates_at_the_bounds_are_fine(tree: Any, people: Any) -> None:
    case = make_case(tree.grid1)
    r = get(f"{API}/cases/", people.dispatcher, date_from="1900-01-01", date_to="2100-12-31")
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [case.pk]


@pytest.mark.parametrize(
    ("name", "value"),
    [("status", "bogus"), ("status", "reported,bogus"), ("source", "bogus"), ("due", "later")],
)
def test_case_list_unknown_filter_values_are_a_400(
    tree: Any, people: Any, name: str, value: str
) -> None:
    r = get(f"{API}/cases/", people.dispatcher, **{name: value})
    assert r.status_code == 400
    assert name in r.json()["fields"]


def test_case_list_unknown_status_is_a_400_for_a_resident_too(tree: Any, people: Any) -> None:
    r = get(f"{API}/cases/", people.resident, status="bogus")
    assert r.status_code == 400


def test_case_list_unknown_category_is_a_400(tree: Any, people: Any) -> None:
    r = get(f"{API}/cases/", people.dispatcher, category="999999")
    assert r.status_code == 400
    assert "category" in r.json()["fields"]


@pytest.mark.parametrize("name", ["category", "area"])
@pytest.mark.parametrize("value", [HUGE, "-1", "0"])
def test_case_list_ids_out_of_range_are_a_422(
    tree: Any, people: Any, name: str, value: str
) -> None:
    r = get(f"{API}/cases/", people.dispatcher, **{name: value})
    assert r.status_code == 422
    assert name in r.json()["fields"]


def test_case_list_known_filters_still_filter(tree: Any, people: Any) -> None:
    accepted = make_case(tree.grid1, status=Status.ACCEPTED)
    make_case(tree.grid1)
    r = get(f"{API}/cases/", people.dispatcher, status="accepted", category=accepted.category_id)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [accepted.pk]


@pytest.mark.parametrize("path", [f"{API}/cases/{HUGE}", f"{API}/cases/{HUGE}/timeline"])
def test_a_huge_case_id_in_the_path_is_not_found(tree: Any, people: Any, path: str) -> None:
    assert get(path, people.dispatcher).status_code == 404


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": HUGE}, {"page_size": "100000"}])
def test_pages_out_of_range_are_a_422(tree: Any, people: Any, params: Any) -> None:
    r = get(f"{API}/cases/", people.dispatcher, **params)
    assert r.status_code == 422
    assert set(r.json()["fields"]) == set(params)


@pytest.mark.parametrize("endpoint", ["indicators", "series", "breakdown"])
@pytest.mark.parametrize("params", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
def test_stats_ranges_out_of_range_are_a_422(
    tree: Any, people: Any, endpoint: str, params: Any
) -> None:
    r = get(f"{API}/stats/{endpoint}", people.leader, **params)
    assert r.status_code == 422, r.content


def test_hotline_results_dates_out_of_range_are_a_422(tree: Any, people: Any) -> None:
    r = get(f"{API}/cases/import/hotline/results", people.admin, date_to="9999-12-31")
    assert r.status_code == 422


# --- the web list and statistics -----------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"status": "bogus"},
        {"category": "999999"},
        {"category": HUGE},
        {"source": "bogus"},
        {"area": HUGE},
    ],
)
def test_web_case_list_refuses_with_a_form_error(
    client: Any, tree: Any, people: Any, params: Any
) -> None:
    make_case(tree.grid1)
    client.force_login(people.dispatcher)
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == set(params)
    assert list(response.context["rows"]) == []


def test_web_date_field_states_its_range(client: Any, tree: Any, people: Any) -> None:
    client.force_login(people.dispatcher)
    html = client.get(reverse("cases:list")).content.decode()
    assert 'min="1900-01-01"' in html and 'max="2100-12-31"' in html


@pytest.mark.parametrize("params", [{"date_from": "0001-01-01"}, {"date_to": "9999-12-31"}])
def test_web_stats_refuses_dates_out_of_range(
    client: Any, tree: Any, people: Any, params: Any
) -> None:
    client.force_login(people.leader)
    response = client.get(reverse("cases:stats"), {"period": "custom", **params})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(params)


def test_web_audit_list_refuses_dates_out_of_range(client: Any, tree: Any, people: Any) -> None:
    client.force_login(people.admin)
    response = client.get(reverse("audit:list"), {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors


def test_web_area_id_out_of_range_is_json_safe(client: Any, tree: Any, people: Any) -> None:
    """The statistics page's area picker takes any digits: a huge one is simply not found."""
    client.force_login(people.leader)
    response = client.get(reverse("cases:stats"), {"area": HUGE})
    assert response.status_code in (200, 404)
    json.dumps({"status": response.status_code})


# --- integers in bodies ----------------------------------------------------------------------


def send(method: str, url: str, user: Any, body: Any) -> Any:
    _token, raw = token_issue(user=user)
    return getattr(Client(), method)(
        url, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )


@pytest.mark.parametrize("sort", [-1, 2**63, 10**30])
def test_category_sort_out_of_range_is_a_422_and_stores_nothing(
    tree: Any, people: Any, sort: int
) -> None:
    from gridgov.cases.models import Category

    before = Category.objects.count()
    r = send(
        "post", f"{API}/cases/categories", people.admin, {"code": "Z9", "name": "试", "sort": sort}
    )
    assert r.status_code == 422
    assert "sort" in r.json()["fields"]
    assert Category.objects.count() == before


def test_category_sort_in_range_is_stored(tree: Any, people: Any) -> None:
    r = send(
        "post", f"{API}/cases/categories", people.admin, {"code": "Z9", "name": "试", "sort": 7}
    )
    assert r.status_code == 201, r.content
    from gridgov.cases.models import Category

    assert Category.objects.get(code="Z9").sort == 7


@pytest.mark.parametrize(
    "body",
    [
        {"version": 2**63, "to_area": 1},
        {"version": 1, "to_area": 2**63},
        {"version": 1, "to_department": -1},
        {"version": 1, "into": 10**30},
    ],
)
def test_case_action_ids_out_of_range_are_a_422(tree: Any, people: Any, body: Any) -> None:
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    before = core_builders.row(case)
    r = send("post", f"{API}/cases/{case.pk}/actions/dispatch", people.dispatcher, body)
    assert r.status_code == 422, r.content
    assert core_builders.row(case) == before
