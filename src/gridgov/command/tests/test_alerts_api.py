"""The alerts API (/api/v1/command/alerts) and desk page (/command/alerts/): scoped by
COMMAND_VIEW and the rule's own permission, ordered red first, paginated; acknowledging is
scoped, audited and idempotent; refusals change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts.roles import Perm, Role
from gridgov.accounts.services import token_issue
from gridgov.audit.models import AuditEntry, Event
from gridgov.command import registry
from gridgov.command.models import Alert
from gridgov.command.registry import AlertRule

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 2, 10, 0, tzinfo=SH)
API = "/api/v1/command/alerts"


def _alert(area: Any, *, rule: str = "cases.overdue_long", level: str = "orange", **kw: Any):
    at = kw.pop("at", T)
    return Alert.objects.create(
        area=area,
        rule=rule,
        fingerprint=kw.pop("fingerprint", f"{rule}:{area.pk}:{level}:{at.isoformat()}"),
        level=level,
        title=kw.pop("title", f"{area.name} {level}"),
        raised_at=at,
        last_seen_at=at,
        **kw,
    )


@pytest.fixture
def people(tree: Any, make_user: Any) -> Any:
    class P:
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        leader = make_user("le", (Role.LEADER, tree.street))
        worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))

    return P()


@pytest.fixture
def alerts(tree: Any) -> Any:
    class A:
        orange = _alert(tree.grid1, level="orange", at=T + timedelta(hours=2))
        red_old = _alert(tree.grid1, level="red", at=T)
        red_new = _alert(tree.community, level="red", at=T + timedelta(hours=1))
        cleared = _alert(tree.grid2, level="red", at=T, cleared_at=T + timedelta(hours=3))
        outside = _alert(tree.grid3, level="red", at=T)

    return A()


def api(user: Any) -> tuple[Client, dict[str, str]]:
    _token, raw = token_issue(user=user)
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_list_is_scoped_and_ordered_red_first_then_newest(
    tree: Any, people: Any, alerts: Any
) -> None:
    client, h = api(people.dispatcher)
    body = client.get(API, **h).json()
    ids = [a["id"] for a in body["alerts"]]
    assert ids == [alerts.red_new.pk, alerts.cleared.pk, alerts.red_old.pk, alerts.orange.pk]
    assert body["count"] == 4 and body["capped"] is False
    first = body["alerts"][0]
    assert first["area"] == {"id": tree.community.pk, "name": "凤鸣社区"}
    assert set(first) >= {
        "id",
        "rule",
        "level",
        "title",
        "area",
        "raised_at",
        "item_kind",
        "item_id",
        "acknowledged",
    }


def test_open_only_and_cleared_only(people: Any, alerts: Any) -> None:
    client, h = api(people.dispatcher)
    opened = [a["id"] for a in client.get(f"{API}?open=1", **h).json()["alerts"]]
    assert alerts.cleared.pk not in opened and len(opened) == 3
    cleared = [a["id"] for a in client.get(f"{API}?open=0", **h).json()["alerts"]]
    assert cleared == [alerts.cleared.pk]


def test_an_area_narrows_the_list_and_one_outside_is_404(
    tree: Any, people: Any, alerts: Any
) -> None:
    client, h = api(people.dispatcher)
    body = client.get(f"{API}?area={tree.grid1.pk}", **h).json()
    assert {a["id"] for a in body["alerts"]} == {alerts.red_old.pk, alerts.orange.pk}
    response = client.get(f"{API}?area={tree.grid3.pk}", **h)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_pages(people: Any, alerts: Any) -> None:
    client, h = api(people.dispatcher)
    body = client.get(f"{API}?page_size=3&page=2", **h).json()
    assert (body["pages"], body["page"], len(body["alerts"])) == (2, 2, 1)


def test_bad_parameters_are_refused_with_field_messages(people: Any) -> None:
    client, h = api(people.dispatcher)
    for query in ("open=5", "area=abc", "page_size=1000"):
        response = client.get(f"{API}?{query}", **h)
        assert response.status_code == 422, query
        assert response.json()["code"] == "validation_failed" and response.json()["fields"]


def test_without_the_command_centre_anywhere_the_list_is_403_and_audited(people: Any) -> None:
    client, h = api(people.worker)
    before = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
    response = client.get(API, **h)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count() == before + 1


def test_an_alert_of_a_rule_needing_another_permission_is_hidden_from_others(
    tree: Any, people: Any
) -> None:
    rule = AlertRule(
        key="test.sensitive", title="测试", perm=Perm.MEDIATION_SENSITIVE, check=lambda now: []
    )
    registry.register_alert_rule(rule)
    try:
        alert = _alert(tree.grid1, rule="test.sensitive")
        client, h = api(people.leader)  # command.view, not mediation.sensitive
        assert alert.pk not in [a["id"] for a in client.get(API, **h).json()["alerts"]]
        response = client.post(f"{API}/{alert.pk}/acknowledge", **h)
        assert response.status_code == 404
        client, h = api(people.dispatcher)
        assert alert.pk in [a["id"] for a in client.get(API, **h).json()["alerts"]]
    finally:
        registry.alert_rules.unregister("test.sensitive")


# --- Acknowledging --------------------------------------------------------------------------------


def test_acknowledging_marks_the_alert_once_and_is_audited(people: Any, alerts: Any) -> None:
    client, h = api(people.dispatcher)
    url = f"{API}/{alerts.red_old.pk}/acknowledge"
    response = client.post(url, **h)
    assert response.status_code == 200 and response.json()["acknowledged"] is True
    alert = Alert.objects.get(pk=alerts.red_old.pk)
    assert alert.acknowledged_by == people.dispatcher and alert.acknowledged_at is not None
    entry = AuditEntry.objects.get(event=Event.ALERT_ACKNOWLEDGED)
    assert entry.target_id == str(alert.pk) and entry.actor == people.dispatcher
    # Again: the same answer, nothing more written.
    assert client.post(url, **h).status_code == 200
    assert AuditEntry.objects.filter(event=Event.ALERT_ACKNOWLEDGED).count() == 1
    assert Alert.objects.get(pk=alert.pk).acknowledged_at == alert.acknowledged_at


def test_acknowledging_outside_the_jurisdiction_is_404_and_changes_nothing(
    people: Any, alerts: Any
) -> None:
    client, h = api(people.dispatcher)
    response = client.post(f"{API}/{alerts.outside.pk}/acknowledge", **h)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post(f"{API}/999999/acknowledge", **h).status_code == 404
    assert Alert.objects.get(pk=alerts.outside.pk).acknowledged_at is None
    assert not AuditEntry.objects.filter(event=Event.ALERT_ACKNOWLEDGED).exists()


def test_acknowledging_without_the_command_centre_is_403(people: Any, alerts: Any) -> None:
    client, h = api(people.worker)
    response = client.post(f"{API}/{alerts.orange.pk}/acknowledge", **h)
    assert response.status_code == 403
    assert Alert.objects.get(pk=alerts.orange.pk).acknowledged_at is None


# --- The desk page ----------------------------------------------------------------------------------


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_open_alerts_with_acknowledge_buttons(people: Any, alerts: Any) -> None:
    page = _web(people.dispatcher).get(reverse("command:alerts_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert alerts.red_new.title in text and alerts.orange.title in text
    assert alerts.cleared.title not in text and alerts.outside.title not in text
    assert text.count('data-testid="alert-acknowledge"') == 3
    assert "长期超期案件" in text  # the rule's title


def test_the_page_shows_cleared_alerts_on_request(people: Any, alerts: Any) -> None:
    page = _web(people.dispatcher).get(reverse("command:alerts_list") + "?state=cleared")
    text = page.content.decode()
    assert alerts.cleared.title in text and alerts.orange.title not in text
    assert 'data-testid="alert-acknowledge"' not in text


def test_acknowledging_from_the_page_goes_back_to_it(people: Any, alerts: Any) -> None:
    client = _web(people.dispatcher)
    back = reverse("command:alerts_list") + "?state=open"
    url = reverse("command:alerts_acknowledge", args=[alerts.orange.pk])
    response = client.post(url, {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Alert.objects.get(pk=alerts.orange.pk).acknowledged_by == people.dispatcher
    text = client.get(back).content.decode()
    assert 'data-testid="alert-acknowledged"' in text
    # A foreign "next" is not followed.
    other = reverse("command:alerts_acknowledge", args=[alerts.red_old.pk])
    response = client.post(other, {"next": "https://example.org/"})
    assert response["Location"].startswith(reverse("command:alerts_list"))


def test_the_page_refuses_outside_and_without_the_command_centre(
    tree: Any, people: Any, alerts: Any
) -> None:
    dispatcher = _web(people.dispatcher)
    assert dispatcher.get(f"/command/alerts/?area={tree.grid3.pk}").status_code == 404
    assert dispatcher.get("/command/alerts/?area=abc").status_code == 404
    url = reverse("command:alerts_acknowledge", args=[alerts.outside.pk])
    assert dispatcher.post(url).status_code == 404
    worker = _web(people.worker)
    assert worker.get(reverse("command:alerts_list")).status_code == 403
    url = reverse("command:alerts_acknowledge", args=[alerts.orange.pk])
    assert worker.post(url).status_code == 403
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()


def test_the_list_reads_a_fixed_number_of_queries(
    tree: Any, people: Any, django_assert_max_num_queries: Any
) -> None:
    client, h = api(people.dispatcher)
    _alert(tree.grid1)
    client.get(API, **h)  # warm the caches
    with django_assert_max_num_queries(12) as few:
        client.get(API, **h)
    for i in range(15):
        _alert(tree.grid1, fingerprint=f"more:{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(API, **h).json()["alerts"]) == 16


def test_the_page_drills_down_and_back_up_inside_the_jurisdiction(
    tree: Any, people: Any, alerts: Any
) -> None:
    client = _web(people.dispatcher)
    text = client.get(f"/command/alerts/?area={tree.grid1.pk}").content.decode()
    assert alerts.orange.title in text and alerts.red_new.title not in text
    assert "返回上级：凤鸣社区" in text
    top = client.get("/command/alerts/").content.decode()
    assert 'data-testid="alerts-up"' not in top  # the street is the top of this jurisdiction
