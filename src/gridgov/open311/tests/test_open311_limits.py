"""Open311 reads refuse what is out of range with the spec's 400 error document (never a 500):
dates outside the years 1900–2100, ids beyond the database's bigint; an id that large in a path
is simply not found."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

BASE = "/open311/v2"


def get_json(url: str, **params: Any) -> tuple[int, Any]:
    response = Client().get(f"{BASE}/{url}", params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("start_date", "0001-01-01"),
        ("start_date", "0001-01-01T00:00:00"),
        ("end_date", "9999-12-31T23:59:59"),
        ("end_date", "9999-12-31"),
        ("start_date", "1899-12-31"),
        ("end_date", "2101-01-01T00:00:00+08:00"),
    ],
)
def test_a_date_out_of_range_is_a_400(name: str, value: str) -> None:
    status, data = get_json("requests.json", **{name: value})
    assert status == 400
    assert data[0]["code"] == 400
    assert "1900" in data[0]["description"] and "2100" in data[0]["description"]
    assert any(e["description"].startswith(f"{name}:") for e in data)


@pytest.mark.django_db
def test_dates_at_the_bounds_are_accepted() -> None:
    status, data = get_json("requests.json", start_date="1900-01-01", end_date="2100-12-31")
    assert status == 200
    assert data == []


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999", "1,9223372036854775808", "0", "-1"])
def test_a_service_request_id_out_of_range_is_a_400(value: str) -> None:
    status, data = get_json("requests.json", service_request_id=value)
    assert status == 400
    assert data[0]["code"] == 400


@pytest.mark.django_db
def test_the_largest_id_is_simply_not_there() -> None:
    status, data = get_json("requests.json", service_request_id=str(2**63 - 1))
    assert (status, data) == (200, [])


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["99999999999999999999", str(2**63), "-1"])
def test_a_huge_id_in_the_path_is_not_found(pk: str) -> None:
    status, data = get_json(f"requests/{pk}.json")
    assert status == 404
    assert data[0]["code"] == 404
