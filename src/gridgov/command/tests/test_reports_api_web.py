"""The reports through the API and the web page: list with download links, generate now
(idempotent), subscriptions, scoped downloads (404 outside, audited), and the 400s for a period
in the future and a malformed date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.indicators import local_today
from gridgov.command.models import Report, ReportSubscription
from gridgov.command.reports import services
from gridgov.command.tests.reports_builders import media as media  # the fixture

API = "/api/v1/command/reports"


def call(method: str, url: str, user: Any = None, body: Any = None) -> Any:
    headers: dict[str, Any] = {}
    if user is not None:
        _token, raw = token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    kw: dict[str, Any] = {}
    if body is not None:
        kw = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(Client(), method)(url, **kw, **headers)


@pytest.fixture
def people(tree: Any, make_user: Any) -> dict[str, Any]:
    return {
        "dispatcher": make_user("disp", ("dispatcher", tree.street)),
        "staff": make_user("staff_v", ("community_staff", tree.village)),
        "worker": make_user("gw", ("grid_worker", tree.grid1)),
    }


def test_api_generates_lists_and_is_idempotent(
    tree: Any, people: dict[str, Any], media: Path
) -> None:
    d = people["dispatcher"]
    body = {"area": tree.street.pk, "period": "week", "date": "2025-03-05"}
    first = call("post", API, d, body)
    assert first.status_code == 200, first.content
    data = first.json()
    assert (data["date_from"], data["date_to"], data["complete"]) == (
        "2025-03-03",
        "2025-03-09",
        True,
    )
    again = call("post", API, d, body)
    assert again.json()["id"] == data["id"]
    assert Report.objects.count() == 1
    listed = call("get", f"{API}?area={tree.street.pk}&period=week", d).json()
    assert [r["id"] for r in listed["reports"]] == [data["id"]]
    assert listed["reports"][0]["xlsx_url"] == f"/command/reports/{data['id']}/xlsx/"
    assert call("get", f"{API}?area={tree.street.pk}&period=day", d).json()["reports"] == []


def test_api_refuses_bad_input(tree: Any, people: dict[str, Any], media: Path) -> None:
    d = people["dispatcher"]
    future = (local_today() + timedelta(days=40)).replace(day=1).isoformat()
    r = call("post", API, d, {"area": tree.street.pk, "period": "month", "date": future})
    assert r.status_code == 400
    assert r.json()["code"] == "period_in_future"
    r = call("post", API, d, {"area": tree.street.pk, "period": "month", "date": "2025-13-01"})
    assert r.status_code == 400
    assert "date" in r.json()["fields"]
    r = call("post", API, d, {"area": tree.street.pk, "period": "fortnight", "date": "2025-03-01"})
    assert r.status_code == 400
    assert "period" in r.json()["fields"]
    # Outside the jurisdiction: 404; no stats.view anywhere: 403.
    r = call("post", API, d, {"area": tree.town.pk, "period": "day", "date": "2025-03-01"})
    assert r.status_code == 404
    r = call("get", f"{API}?area={tree.grid1.pk}", people["worker"])
    assert r.status_code == 403
    assert call("get", API).status_code == 401
    assert not Report.objects.exists()


def test_api_subscriptions(tree: Any, people: dict[str, Any]) -> None:
    s = people["staff"]
    url = f"{API}/subscriptions"
    r = call("post", url, s, {"area": tree.village.pk, "period": "month"})
    assert r.status_code == 200 and r.json()["subscribed"] is True
    assert call("post", url, s, {"area": tree.village.pk, "period": "month"}).status_code == 200
    assert ReportSubscription.objects.filter(user=s).count() == 1
    listed = call("get", url, s).json()["subscriptions"]
    assert [(x["area"]["id"], x["period"]) for x in listed] == [(tree.village.pk, "month")]
    r = call("delete", url, s, {"area": tree.village.pk, "period": "month"})
    assert r.status_code == 200 and r.json()["subscribed"] is False
    assert not ReportSubscription.objects.exists()
    assert call("post", url, s, {"area": tree.community.pk, "period": "month"}).status_code == 404


def test_download_is_scoped_and_audited(tree: Any, people: dict[str, Any], media: Path) -> None:
    report = services.report_generate(
        actor=None, area=tree.street, period="day", day=date(2025, 3, 3)
    )
    inside, outside = Client(), Client()
    inside.force_login(people["dispatcher"])
    outside.force_login(people["staff"])
    url = reverse("command:reports_download", args=[report.pk, "pdf"])
    response = inside.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    xlsx = inside.get(reverse("command:reports_download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert outside.get(url).status_code == 404
    assert (
        inside.get(reverse("command:reports_download", args=[report.pk, "doc"])).status_code == 404
    )
    entries = AuditEntry.objects.filter(event=Event.REPORT_DOWNLOADED)
    assert entries.count() == 2
    assert {e.actor_id for e in entries} == {people["dispatcher"].pk}


def test_page_lists_generates_and_subscribes(
    tree: Any, people: dict[str, Any], media: Path
) -> None:
    client = Client()
    client.force_login(people["dispatcher"])
    page = reverse("command:reports_list")
    response = client.get(f"{page}?area={tree.street.pk}")
    assert response.status_code == 200
    assert "凤鸣街道" in response.content.decode()
    response = client.post(
        f"{page}?area={tree.street.pk}", {"period": "month", "date": "2025-03-09"}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.area, report.period, report.date_from) == (
        tree.street,
        "month",
        date(2025, 3, 1),
    )
    listing = client.get(response["Location"]).content.decode()
    assert reverse("command:reports_download", args=[report.pk, "xlsx"]) in listing
    response = client.post(
        reverse("command:reports_subscribe"), {"area": tree.street.pk, "period": "week"}
    )
    assert response.status_code == 302
    assert ReportSubscription.objects.filter(user=people["dispatcher"], period="week").exists()
    client.post(reverse("command:reports_unsubscribe"), {"area": tree.street.pk, "period": "week"})
    assert not ReportSubscription.objects.exists()


def test_page_shows_field_errors_in_chinese(tree: Any, people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["dispatcher"])
    page = reverse("command:reports_list")
    response = client.post(
        f"{page}?area={tree.street.pk}",
        {"period": "month", "date": "2025-02-30"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    future = (local_today() + timedelta(days=400)).isoformat()
    response = client.post(f"{page}?area={tree.street.pk}", {"period": "year", "date": future})
    assert response.status_code == 400
    assert not Report.objects.exists()
    outside = client.get(f"{page}?area={tree.town.pk}")
    assert outside.status_code == 404
