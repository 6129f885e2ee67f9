"""Idle-session timeout: a session unused for longer than the limit is signed out and audited."""

from __future__ import annotations

import time

from django.test import override_settings
from django.urls import reverse

from gridgov.accounts.middleware import SESSION_KEY
from gridgov.accounts.roles import Role
from gridgov.audit.models import AuditEntry, Event


@override_settings(GRIDGOV_IDLE_TIMEOUT_MINUTES=30)
def test_idle_session_is_signed_out_after_the_limit(client, tree, make_user):
    user = make_user("idle", (Role.GRID_WORKER, tree.grid1))
    client.force_login(user)
    home = reverse("core:home")
    assert client.get(home).status_code == 200

    session = client.session
    session[SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(home)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert AuditEntry.objects.filter(event=Event.SESSION_EXPIRED, actor=user).count() == 1
    # Signed out for good: the next request is anonymous too.
    assert client.get(home).status_code == 302


@override_settings(GRIDGOV_IDLE_TIMEOUT_MINUTES=30)
def test_activity_within_the_limit_keeps_the_session(client, tree, make_user):
    user = make_user("busy", (Role.GRID_WORKER, tree.grid1))
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("core:home")).status_code == 200
    assert not AuditEntry.objects.filter(event=Event.SESSION_EXPIRED).exists()


def test_activity_is_written_to_the_session_at_most_once_a_minute(client, tree, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.accounts.middleware import TOUCH_SECONDS

    user = make_user("reader", (Role.GRID_WORKER, tree.grid1))
    client.force_login(user)
    home = reverse("core:home")

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(home).status_code == 200
        return sum(
            "UPDATE" in q["sql"] and "django_session" in q["sql"] for q in ctx.captured_queries
        )

    assert SESSION_KEY in client.session  # stamped at sign-in
    assert session_writes() == 0  # the first request after it: no write
    assert session_writes() == 0  # read again within the minute: no write
    session = client.session
    session[SESSION_KEY] = int(time.time()) - TOUCH_SECONDS - 1
    session.save()
    assert session_writes() == 1
    assert int(client.session[SESSION_KEY]) >= int(time.time()) - 5
