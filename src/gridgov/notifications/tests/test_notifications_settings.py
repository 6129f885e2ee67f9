"""Notification settings (page and API) and the inbox's rendering of an overdue digest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import token_issue
from gridgov.notifications.models import Notification, NotificationPreference
from gridgov.notifications.preferences import Choice, preferences_update, settings_for
from gridgov.notifications.services import notify

API = "/api/v1/notifications/settings"


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def bearer(user: Any) -> dict[str, str]:
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def choice(user: Any, topic: str) -> Choice:
    return dict((t.key, c) for t, c in settings_for(actor=user))[topic]


def test_defaults_are_inbox_and_email_and_a_digest_for_overdue(alice):
    assert choice(alice, "case.assigned") == Choice(inbox=True, email=True, digest=False)
    assert choice(alice, "case.overdue") == Choice(inbox=True, email=True, digest=True)
    assert not NotificationPreference.objects.exists()


def test_the_settings_page_is_reachable_from_the_inbox(alice):
    html = client_for(alice).get("/inbox/").content.decode()
    assert 'href="/inbox/settings"' in html


def test_the_settings_page_shows_every_topic_with_its_switches(alice):
    r = client_for(alice).get("/inbox/settings")
    assert r.status_code == 200
    html = r.content.decode()
    for topic, _c in settings_for(actor=alice):
        assert f'data-topic="{topic.key}"' in html
    assert 'name="case.overdue__digest"' in html
    assert 'name="case.assigned__digest"' not in html  # no digest for addressed messages


def test_saving_the_page_stores_only_what_differs_from_the_defaults(alice, bob):
    data = {}
    for topic, _c in settings_for(actor=alice):
        data[f"{topic.key}__inbox"] = "on"
        data[f"{topic.key}__email"] = "on"
    del data["case.due_soon__inbox"]  # due-soon reminders off
    del data["case.urged__email"]  # urgings only in the inbox
    # overdue: no "digest" key, i.e. immediately
    r = client_for(alice).post("/inbox/settings", data)
    assert r.status_code == 302 and r["Location"] == "/inbox/settings"
    assert choice(alice, "case.due_soon") == Choice(inbox=False, email=True)
    assert choice(alice, "case.urged") == Choice(inbox=True, email=False)
    assert choice(alice, "case.overdue") == Choice(inbox=True, email=True, digest=False)
    assert choice(alice, "case.assigned") == Choice()
    assert NotificationPreference.objects.filter(user=alice).count() == 3
    assert not NotificationPreference.objects.filter(user=bob).exists()
    # Back to the defaults removes the rows.
    preferences_update(actor=alice, values={"case.due_soon": Choice(), "case.urged": Choice()})
    assert NotificationPreference.objects.filter(user=alice).count() == 1


def test_the_settings_page_needs_sign_in(client):
    r = client.get("/inbox/settings")
    assert r.status_code == 302 and "/accounts/login" in r["Location"]


def test_a_kind_turned_off_is_not_delivered(alice, bob):
    preferences_update(actor=alice, values={"case.assigned": Choice(inbox=False)})
    n = notify(recipients=[alice, bob], kind="case.assigned", title="新派单")
    assert n == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [bob.pk]


def test_an_unknown_kind_follows_the_other_topic(alice):
    preferences_update(actor=alice, values={"other": Choice(inbox=False)})
    assert notify(recipients=[alice], kind="calendar.missing_year", title="x") == 0


def test_an_overdue_notice_waits_for_the_digest_by_default(alice):
    assert notify(recipients=[alice], kind="case.handle_overdue", title="超期") == 0
    assert notify(recipients=[alice], kind="case.overdue_digest", title="汇总", is_digest=True) == 1


def test_the_inbox_renders_a_digest_with_links_to_its_cases(alice):
    notify(
        recipients=[alice],
        kind="case.overdue_digest",
        title="Overdue cases of 2025-03-04: 60",
        url="/cases/?queue=overdue",
        params={"day": "2025-03-04", "total": 60, "cases": [[7, "2025000007", "路灯不亮"]]},
        is_digest=True,
    )
    html = client_for(alice).get("/inbox/").content.decode()
    assert "2025-03-04" in html and "60" in html
    assert 'href="/cases/7/"' in html and "路灯不亮" in html
    assert "gg-digest" in html


def test_api_reads_and_changes_own_settings(client, alice, bob):
    r = client.get(API, **bearer(alice))
    assert r.status_code == 200
    rows = {row["topic"]: row for row in r.json()}
    assert rows["case.overdue"]["digest"] is True and rows["case.overdue"]["digest_available"]
    body = {"settings": [{"topic": "case.overdue", "inbox": True, "email": False, "digest": False}]}
    r = client.put(API, json.dumps(body), content_type="application/json", **bearer(alice))
    assert r.status_code == 200
    rows = {row["topic"]: row for row in r.json()}
    assert (rows["case.overdue"]["email"], rows["case.overdue"]["digest"]) == (False, False)
    assert choice(alice, "case.overdue") == Choice(inbox=True, email=False, digest=False)
    assert choice(bob, "case.overdue") == Choice(digest=True)


def test_api_refuses_an_unknown_topic(client, alice):
    body = {"settings": [{"topic": "nope", "inbox": False}]}
    r = client.put(API, json.dumps(body), content_type="application/json", **bearer(alice))
    assert r.status_code == 400 and r.json()["message"]
    assert not NotificationPreference.objects.exists()


def test_api_settings_need_authentication(client):
    assert client.get(API).status_code == 401


def test_api_lists_digest_params(client, alice):
    notify(
        recipients=[alice],
        kind="case.overdue_digest",
        title="t",
        params={"total": 1, "cases": [[7, "2025000007", "路灯不亮"]]},
        is_digest=True,
    )
    r = client.get("/api/v1/notifications/", **bearer(alice))
    assert r.json()["items"][0]["params"]["cases"] == [[7, "2025000007", "路灯不亮"]]
