"""A new password or a deactivation revokes the user's API tokens — on every path (service,
own password page, administrator's page, API, console)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from gridgov.accounts.models import ApiToken, User
from gridgov.accounts.services import (
    token_authenticate,
    token_issue,
    user_set_password,
    user_update,
)
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD
from gridgov.core.errors import ValidationFailed

NEW = "Fengcheng#2026"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(tree, make_user):
    return make_user("wang", ("grid_worker", tree.grid1))


@pytest.fixture
def admin(tree, make_user):
    return make_user("zhou", ("admin", tree.street))


def live_tokens(user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()


def test_new_password_revokes_every_token_of_the_user_only(worker, admin):
    _t1, raw1 = token_issue(user=worker)
    _t2, raw2 = token_issue(user=worker)
    _t3, other = token_issue(user=admin)
    user_set_password(actor=worker, user=worker, password=NEW)
    assert token_authenticate(raw1) is None and token_authenticate(raw2) is None
    assert token_authenticate(other) == admin
    entry = AuditEntry.objects.filter(event=Event.PASSWORD_CHANGED).get()
    assert entry.detail == {"tokens_revoked": 2}
    # a token issued afterwards works
    _t4, fresh = token_issue(user=worker)
    assert token_authenticate(fresh) == worker


def test_administrator_reset_revokes_the_tokens(worker, admin):
    _t, raw = token_issue(user=worker)
    user_set_password(actor=admin, user=worker, password=NEW)
    assert token_authenticate(raw) is None


def test_refused_password_revokes_nothing(worker):
    _t, raw = token_issue(user=worker)
    with pytest.raises(ValidationFailed):
        user_set_password(actor=worker, user=worker, password="123")
    assert token_authenticate(raw) == worker


def test_deactivation_revokes_tokens_and_reactivation_brings_none_back(worker, admin):
    _t, raw = token_issue(user=worker)
    user_update(actor=admin, user=worker, is_active=False)
    assert live_tokens(worker) == 0
    user_update(actor=admin, user=worker, is_active=True)
    assert token_authenticate(raw) is None
    entries = list(AuditEntry.objects.filter(event=Event.USER_CHANGED).order_by("id"))
    assert entries[-2].detail == {"fields": ["is_active"], "tokens_revoked": 1}
    assert entries[-1].detail == {"fields": ["is_active"]}


def test_other_changes_keep_the_tokens(worker, admin):
    _t, raw = token_issue(user=worker)
    user_update(actor=admin, user=worker, display_name="王")
    assert token_authenticate(raw) == worker


def test_own_password_page_revokes_the_tokens(client, worker):
    _t, raw = token_issue(user=worker)
    client.force_login(worker)
    form = {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW}
    response = client.post(reverse("accounts:password_change"), form)
    assert response.status_code == 302
    assert token_authenticate(raw) is None


def test_administrators_pages_revoke_the_tokens(client, worker, admin):
    client.force_login(admin)
    _t, raw = token_issue(user=worker)
    url = reverse("accounts:user_password", args=[worker.pk])
    assert client.post(url, {"new_password1": NEW, "new_password2": NEW}).status_code == 302
    assert token_authenticate(raw) is None
    _t, raw = token_issue(user=worker)
    client.post(reverse("accounts:user_active", args=[worker.pk]), {"active": "0"})
    client.post(reverse("accounts:user_active", args=[worker.pk]), {"active": "1"})
    assert User.objects.get(pk=worker.pk).is_active
    assert token_authenticate(raw) is None


def test_api_password_and_deactivation_revoke_the_tokens(client, worker, admin):
    _t, admin_raw = token_issue(user=admin)
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {admin_raw}"}
    _t, raw = token_issue(user=worker)
    r = client.post(
        f"/api/v1/users/{worker.pk}/password",
        data={"password": NEW},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 204
    assert token_authenticate(raw) is None
    _t, raw = token_issue(user=worker)
    for active in (False, True):
        r = client.patch(
            f"/api/v1/users/{worker.pk}",
            data={"is_active": active},
            content_type="application/json",
            **auth,
        )
        assert r.status_code == 200
    assert token_authenticate(raw) is None


def test_console_changepassword_goes_through_the_service(worker, monkeypatch):
    _t, raw = token_issue(user=worker)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    out = StringIO()
    call_command("changepassword", "wang", stdout=out, stderr=StringIO())
    worker.refresh_from_db()
    assert worker.check_password(NEW)
    assert token_authenticate(raw) is None
    assert AuditEntry.objects.filter(event=Event.PASSWORD_CHANGED, actor_name="system").exists()


def test_console_changepassword_refuses_a_weak_password(worker, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "123")
    with pytest.raises(CommandError):
        call_command("changepassword", "wang", stdout=StringIO(), stderr=StringIO())
    worker.refresh_from_db()
    assert worker.check_password(TEST_PASSWORD)
