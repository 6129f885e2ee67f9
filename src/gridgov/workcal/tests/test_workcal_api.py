"""/api/v1/calendar: years, a year's schedule, entering a year, and deadlines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gridgov.accounts.services import token_issue
from gridgov.workcal.models import CalendarDay, CalendarYear, Source

pytestmark = pytest.mark.django_db

BODY_2027 = {
    "holidays": [
        {"start": "2027-01-01", "end": "2027-01-03", "name": "元旦"},
        {"start": "2027-02-06", "end": "2027-02-13", "name": "春节"},
    ],
    "workdays": [{"date": "2027-02-14", "name": "春节调休上班"}],
    "notes": "国办发明电",
}


def auth(user: Any) -> dict[str, str]:
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


def put(client, url, body, user):
    return client.put(url, data=json.dumps(body), content_type="application/json", **auth(user))


def snapshot() -> list[tuple]:
    return list(
        CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name")
    ) + list(CalendarYear.objects.order_by("year").values_list("year", "source"))


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/calendar/years").status_code == 401


def test_year_list(client, dispatcher):
    r = client.get("/api/v1/calendar/years", **auth(dispatcher))
    assert r.status_code == 200
    data = r.json()
    y2024 = next(y for y in data["items"] if y["year"] == 2024)
    assert y2024["source"] == "package" and y2024["workday_count"] == 8
    assert isinstance(data["missing_years"], list)


def test_year_detail_groups_holiday_periods(client, dispatcher):
    r = client.get("/api/v1/calendar/years/2024", **auth(dispatcher))
    assert r.status_code == 200
    data = r.json()
    assert {"start": "2024-10-01", "end": "2024-10-07", "name": "国庆节"} in data["holidays"]
    assert {"date": "2024-09-29", "name": "国庆节调休上班"} in data["workdays"]


def test_year_without_schedule_is_404(client, dispatcher):
    r = client.get("/api/v1/calendar/years/2031", **auth(dispatcher))
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_admin_puts_next_year(client, cal_admin):
    r = put(client, "/api/v1/calendar/years/2027", BODY_2027, cal_admin)
    assert r.status_code == 200, r.content
    assert r.json()["source"] == "manual" and r.json()["holiday_count"] == 11
    assert CalendarYear.objects.get(year=2027).source == Source.MANUAL


def test_put_by_non_admin_is_403_and_changes_nothing(client, dispatcher):
    before = snapshot()
    r = put(client, "/api/v1/calendar/years/2027", BODY_2027, dispatcher)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_put_invalid_schedule_is_400_with_fields(client, cal_admin):
    body = {**BODY_2027, "workdays": [{"date": "2027-02-15", "name": "调休"}]}
    r = put(client, "/api/v1/calendar/years/2027", body, cal_admin)
    assert r.status_code == 400
    data = r.json()
    assert data["code"] == "bad_schedule" and "2027-02-15" in data["fields"]["workdays"]
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_deadline_in_working_days_over_national_day(client, dispatcher):
    r = client.get(
        "/api/v1/calendar/deadline",
        {"start": "2024-09-30T10:00:00+08:00", "amount": 1, "unit": "days"},
        **auth(dispatcher),
    )
    assert r.status_code == 200
    data = r.json()
    assert data["deadline"].startswith("2024-10-08T10:00:00")
    assert data["working_seconds"] == 7 * 3600 and data["missing_years"] == []


def test_deadline_in_working_hours_reports_the_snapped_start(client, dispatcher):
    r = client.get(
        "/api/v1/calendar/deadline",
        {"start": "2026-02-13T18:00:00+08:00", "amount": 2, "unit": "hours"},
        **auth(dispatcher),
    )
    data = r.json()
    assert data["counted_from"].startswith("2026-02-14T09:00:00")
    assert data["deadline"].startswith("2026-02-14T11:00:00")


def test_deadline_in_an_unknown_year_reports_it(client, dispatcher):
    r = client.get(
        "/api/v1/calendar/deadline",
        {"start": "2031-03-03T10:00:00+08:00", "amount": 1, "unit": "days"},
        **auth(dispatcher),
    )
    assert r.json()["missing_years"] == [2031]


def test_deadline_with_bad_unit_is_422(client, dispatcher):
    r = client.get("/api/v1/calendar/deadline", {"amount": 1, "unit": "weeks"}, **auth(dispatcher))
    assert r.status_code == 422
