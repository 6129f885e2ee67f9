"""The work calendar keeps to the shared date bounds: a deadline from 9999-12-31 or a year
outside 1900–2100 is a 422, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client_in(tree: Any, make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user("disp", ("dispatcher", tree.street)))
    return client


@pytest.mark.parametrize(
    "start",
    ["9999-12-31", "9999-12-31T23:59:59", "0001-01-01T00:00:00", "2101-01-01", "1900-06-01T09:00"],
)
def test_deadline_start_out_of_range_is_a_422(client_in: Client, start: str) -> None:
    r = client_in.get("/api/v1/calendar/deadline", {"amount": 3, "unit": "days", "start": start})
    assert r.status_code == 422
    assert "start" in r.json()["fields"]


def test_deadline_at_the_last_day_still_works(client_in: Client) -> None:
    r = client_in.get(
        "/api/v1/calendar/deadline", {"amount": 3, "unit": "days", "start": "2100-12-31T10:00"}
    )
    assert r.status_code == 200


def test_deadline_from_1901_answers_a_whole_hour_offset(client_in: Client) -> None:
    # Before 1901 Shanghai kept local mean time (+08:05:43), which no RFC 3339 client reads.
    r = client_in.get(
        "/api/v1/calendar/deadline", {"amount": 1, "unit": "days", "start": "1901-01-02T10:00"}
    )
    assert r.status_code == 200
    assert r.json()["start"].endswith("+08:00")


@pytest.mark.parametrize("year", ["0", "1899", "2101", "99999999999999999999"])
def test_calendar_year_out_of_range_is_a_422(client_in: Client, year: str) -> None:
    assert client_in.get(f"/api/v1/calendar/years/{year}").status_code == 422
