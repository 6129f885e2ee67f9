"""The inbox pages and the header's unread count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.notifications.context_processors import inbox
from gridgov.notifications.models import Notification
from gridgov.notifications.services import notify
from gridgov.notifications.views import PAGE_SIZE


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


def note(user: Any, title: str = "t", **kw: Any) -> Notification:
    notify(recipients=[user], kind="case.assigned", title=title, **kw)
    return Notification.objects.filter(recipient=user).latest("id")


def test_inbox_needs_sign_in(client, alice):
    r = client.get("/inbox/")
    assert r.status_code == 302 and "/accounts/login" in r["Location"]


def test_inbox_lists_own_notifications_newest_first(alice, bob):
    old = note(alice, "旧的通知")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    note(alice, "新的通知")
    note(bob, "别人的通知")
    r = client_for(alice).get("/inbox/")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("新的通知") < html.index("旧的通知")
    assert "别人的通知" not in html


def test_inbox_highlights_unread(alice):
    unread = note(alice, "未读")
    read = note(alice, "已读")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    html = client_for(alice).get("/inbox/").content.decode()
    assert f'data-notification="{unread.pk}" data-read="0"' in html
    assert f'data-notification="{read.pk}" data-read="1"' in html
    assert html.count("list-group-item-primary") == 1


def test_inbox_unread_filter(alice):
    unread = note(alice, "未读")
    read = note(alice, "已读")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    html = client_for(alice).get("/inbox/?unread=1").content.decode()
    assert f'data-notification="{unread.pk}"' in html
    assert f'data-notification="{read.pk}"' not in html


def test_inbox_is_paginated(alice):
    notify_many = [Notification(recipient=alice, kind="x", title=f"n{i}") for i in range(25)]
    Notification.objects.bulk_create(notify_many)
    r = client_for(alice).get("/inbox/?page=2")
    assert r.context["page_obj"].number == 2
    assert len(r.context["page_obj"].object_list) == 25 - PAGE_SIZE


def test_opening_marks_read_and_follows_the_link(alice):
    n = note(alice, url="/cases/42/")
    r = client_for(alice).post(f"/inbox/{n.pk}/open")
    assert r.status_code == 302 and r["Location"] == "/cases/42/"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_opening_never_follows_a_foreign_link(alice, url):
    n = note(alice, url=url)
    r = client_for(alice).post(f"/inbox/{n.pk}/open")
    assert r.status_code == 302 and r["Location"] == "/inbox/"


def test_opening_without_link_returns_to_inbox(alice):
    n = note(alice)
    r = client_for(alice).post(f"/inbox/{n.pk}/open")
    assert r["Location"] == "/inbox/"


def test_opening_needs_post(alice):
    n = note(alice, url="/cases/42/")
    assert client_for(alice).get(f"/inbox/{n.pk}/open").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_opening_another_users_notification_is_404(alice, bob):
    n = note(bob, url="/cases/42/")
    r = client_for(alice).post(f"/inbox/{n.pk}/open")
    assert r.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_marks_only_own(alice, bob):
    note(alice)
    note(alice)
    theirs = note(bob)
    r = client_for(alice).post("/inbox/read-all")
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_needs_csrf(alice):
    note(alice)
    c = Client(enforce_csrf_checks=True)
    c.force_login(alice)
    assert c.post("/inbox/read-all").status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


# --- The header count -------------------------------------------------------------------------


def test_context_processor_counts_unread_with_one_query(alice, bob):
    note(alice)
    note(alice)
    read = note(alice)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    note(bob)
    request = RequestFactory().get("/")
    request.user = alice
    ctx = inbox(request)
    with CaptureQueriesContext(connection) as queries:
        assert ctx["inbox_unread"] == 2
        assert str(ctx["inbox_unread"]) == "2"
    assert len(queries) == 1


def test_context_processor_is_empty_for_anonymous(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert inbox(request) == {}
    assert len(queries) == 0


def test_pages_get_the_unread_count(alice):
    note(alice)
    r = client_for(alice).get("/inbox/")
    assert r.context["inbox_unread"] == 1
