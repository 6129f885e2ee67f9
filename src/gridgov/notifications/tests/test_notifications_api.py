"""/api/v1/notifications: own inbox only, paginated, read and read-all, unread count."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.services import token_issue
from gridgov.notifications.models import Notification
from gridgov.notifications.services import notify

BASE = "/api/v1/notifications"


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def bearer(user: Any) -> dict[str, str]:
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def note(user: Any, title: str = "t", **kw: Any) -> Notification:
    notify(recipients=[user], kind="case.assigned", title=title, **kw)
    return Notification.objects.filter(recipient=user).latest("id")


def test_list_needs_authentication(client, alice):
    r = client.get(f"{BASE}/")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_list_shows_only_own_notifications_paginated(client, alice, bob):
    mine = [note(alice, f"n{i}", url="/cases/1/") for i in range(3)]
    note(bob, "theirs")
    r = client.get(f"{BASE}/?page_size=2", **bearer(alice))
    assert r.status_code == 200
    data = r.json()
    assert (data["count"], data["pages"], data["page_size"]) == (3, 2, 2)
    assert [i["id"] for i in data["items"]] == [mine[2].pk, mine[1].pk]
    item = data["items"][0]
    assert item["title"] == "n2" and item["url"] == "/cases/1/" and item["is_read"] is False
    assert item["kind"] == "case.assigned" and item["read_at"] is None


def test_list_unread_only(client, alice):
    note(alice, "unread")
    read = note(alice, "read")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    data = client.get(f"{BASE}/?unread=true", **bearer(alice)).json()
    assert [i["title"] for i in data["items"]] == ["unread"]


def test_unread_count(client, alice, bob):
    note(alice)
    note(alice)
    note(bob)
    r = client.get(f"{BASE}/unread-count", **bearer(alice))
    assert r.status_code == 200 and r.json() == {"count": 2}


def test_mark_one_read(client, alice):
    n = note(alice)
    r = client.post(f"{BASE}/{n.pk}/read", **bearer(alice))
    assert r.status_code == 200
    assert r.json()["is_read"] is True and r.json()["read_at"]
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_read_twice_keeps_the_first_time(client, alice):
    n = note(alice)
    headers = bearer(alice)
    first = client.post(f"{BASE}/{n.pk}/read", **headers).json()["read_at"]
    second = client.post(f"{BASE}/{n.pk}/read", **headers).json()["read_at"]
    assert first == second


def test_marking_another_users_notification_is_404_and_changes_nothing(client, alice, bob):
    theirs = note(bob)
    r = client.post(f"{BASE}/{theirs.pk}/read", **bearer(alice))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_own(client, alice, bob):
    note(alice)
    note(alice)
    theirs = note(bob)
    r = client.post(f"{BASE}/read-all", **bearer(alice))
    assert r.status_code == 200 and r.json() == {"updated": 2}
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_session_write_needs_csrf(alice):
    from django.test import Client

    n = note(alice)
    c = Client(enforce_csrf_checks=True)
    c.force_login(alice)
    r = c.post(f"{BASE}/{n.pk}/read")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    n.refresh_from_db()
    assert n.read_at is None
