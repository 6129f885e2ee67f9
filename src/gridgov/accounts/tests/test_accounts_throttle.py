"""Sign-in throttling per client address, the lockout a stranger cannot use against the
account's owner, the same answer for every failure, and unlocking by an administrator."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gridgov.accounts import throttle
from gridgov.accounts.models import ApiToken, User
from gridgov.accounts.services import AuthFailed, TooManyAttempts, auth_login
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD

OWNER = "198.51.100.10"
STRANGER = "203.0.113.66"
THROTTLE = {"GRIDGOV_LOGIN_THROTTLE_ATTEMPTS": 3, "GRIDGOV_LOGIN_THROTTLE_MINUTES": 15}


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch):
    """One throttling window for the whole test, wherever the wall clock is."""
    monkeypatch.setattr(throttle, "_now", lambda: 1_800_000_000.0 + 60)


@pytest.fixture
def worker(tree, make_user):
    return make_user("wang", ("grid_worker", tree.grid1), mobile="13912345678")


@pytest.fixture
def admin(tree, make_user):
    return make_user("zhou", ("admin", tree.street))


def token(client, username, password, address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        data=json.dumps({"username": username, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


# --- the address key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("", "unknown"),
        (None, "unknown"),
        ("not-an-address", "unknown"),
    ],
)
def test_addresses_count_one_by_one_and_ipv6_per_64(address, key):
    assert throttle.address_key(address) == key


# --- throttling --------------------------------------------------------------------------------


@override_settings(**THROTTLE)
def test_an_address_over_its_limit_is_refused_even_with_the_right_password(worker):
    for login in ("ghost", "wang", "13900000000"):  # unknown, wrong password, unknown mobile
        with pytest.raises(AuthFailed):
            auth_login(login=login, password="wrong", address=STRANGER)
    with pytest.raises(TooManyAttempts) as exc:
        auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER)
    assert exc.value.status == 429 and exc.value.code == "too_many_attempts"
    assert 0 < exc.value.retry_after <= 15 * 60
    # another address is not affected, and the owner's account is not locked by this
    assert auth_login(login="wang", password=TEST_PASSWORD, address=OWNER) == worker
    throttled = AuditEntry.objects.filter(
        event=Event.LOGIN_FAILED, detail__reason="address_throttled"
    )
    assert throttled.count() == 1 and throttled.get().ip == STRANGER


@override_settings(**THROTTLE)
def test_the_address_may_try_again_when_its_window_ends(worker, monkeypatch):
    start = 1_800_000_000.0  # a window boundary (a multiple of 15 minutes)
    monkeypatch.setattr(throttle, "_now", lambda: start + 100)
    for _ in range(3):
        with pytest.raises(AuthFailed):
            auth_login(login="ghost", password="x", address=STRANGER)
    with pytest.raises(TooManyAttempts) as exc:
        auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER)
    assert exc.value.retry_after == 15 * 60 - 100
    monkeypatch.setattr(throttle, "_now", lambda: start + 15 * 60)
    assert auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER) == worker


@override_settings(**THROTTLE)
def test_a_successful_sign_in_does_not_reset_the_address_count(worker):
    for _ in range(2):
        with pytest.raises(AuthFailed):
            auth_login(login="ghost", password="x", address=STRANGER)
    auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER)
    with pytest.raises(AuthFailed):
        auth_login(login="ghost", password="x", address=STRANGER)
    with pytest.raises(TooManyAttempts):
        auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER)


@override_settings(**THROTTLE)
def test_api_answers_429_with_retry_after_and_issues_no_token(client, worker):
    for _ in range(3):
        assert token(client, "ghost", "x").status_code == 401
    r = token(client, "wang", TEST_PASSWORD)
    assert r.status_code == 429
    assert r.json()["code"] == "too_many_attempts"
    assert 0 < int(r["Retry-After"]) <= 900
    assert not ApiToken.objects.exists()
    with translation.override("zh-hans"):
        assert "登录" in r.json()["message"]


@override_settings(**THROTTLE)
def test_web_and_api_share_the_count_and_the_page_answers_429(client, worker):
    token(client, "ghost", "x")
    token(client, "ghost", "x")
    client.post(reverse("accounts:login"), {"login": "ghost", "password": "x"})
    response = client.post(reverse("accounts:login"), {"login": "wang", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert SESSION_KEY not in client.session
    assert "分钟后再试" in response.content.decode()


@override_settings(**THROTTLE)
def test_the_address_comes_from_remote_addr_not_from_x_forwarded_for(client, worker):
    """X-Forwarded-For is believed only through waitress's trusted proxy, which rewrites
    REMOTE_ADDR; a client cannot dodge the limit by sending the header itself."""
    for n in range(3):
        r = client.post(
            "/api/v1/auth/token",
            data=json.dumps({"username": "ghost", "password": "x"}),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
        assert r.status_code == 401
    assert token(client, "wang", TEST_PASSWORD).status_code == 429


# --- lockout -----------------------------------------------------------------------------------


def _lock(user: User) -> None:
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + timedelta(minutes=10))


def test_a_locked_account_still_lets_its_owner_in_from_a_known_address(worker):
    auth_login(login="wang", password=TEST_PASSWORD, address=OWNER)  # signed in before
    _lock(worker)
    with pytest.raises(AuthFailed):
        auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER)
    assert auth_login(login="wang", password=TEST_PASSWORD, address=OWNER) == worker
    worker.refresh_from_db()
    assert not worker.is_locked and worker.failed_logins == 0


@override_settings(GRIDGOV_LOCKOUT_THRESHOLD=5, GRIDGOV_LOGIN_THROTTLE_ATTEMPTS=100)
def test_a_stranger_locking_the_account_does_not_keep_the_owner_out(worker):
    auth_login(login="wang", password=TEST_PASSWORD, address=OWNER)
    for _ in range(6):
        with pytest.raises(AuthFailed):
            auth_login(login="wang", password="guess", address=STRANGER)
    worker.refresh_from_db()
    assert worker.is_locked
    assert auth_login(login="wang", password=TEST_PASSWORD, address=OWNER) == worker


def test_an_old_sign_in_no_longer_makes_an_address_known(worker, settings):
    auth_login(login="wang", password=TEST_PASSWORD, address=OWNER)
    settings.GRIDGOV_LOCKOUT_KNOWN_DAYS = 0
    _lock(worker)
    with pytest.raises(AuthFailed):
        auth_login(login="wang", password=TEST_PASSWORD, address=OWNER)


def test_locked_inactive_unknown_and_wrong_answer_alike(client, tree, make_user, worker):
    make_user("gone", is_active=False)
    locked = make_user("locked")
    _lock(locked)
    answers = [
        token(client, "ghost", "x"),
        token(client, "wang", "wrong"),
        token(client, "gone", TEST_PASSWORD),
        token(client, "locked", TEST_PASSWORD),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.content for r in answers}) == 1
    assert len({tuple(sorted(r.headers)) for r in answers}) == 1


# --- unlocking ---------------------------------------------------------------------------------


def test_administrator_unlocks_on_the_user_page(client, worker, admin):
    _lock(worker)
    client.force_login(admin)
    response = client.post(reverse("accounts:user_unlock", args=[worker.pk]))
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_locked
    entry = AuditEntry.objects.get(event=Event.USER_UNLOCKED)
    assert entry.actor == admin and entry.target_id == str(worker.pk)
    assert auth_login(login="wang", password=TEST_PASSWORD, address=STRANGER) == worker


def test_superuser_unlocks_with_the_admin_action(client, worker, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    _lock(worker)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock", "_selected_action": [worker.pk]},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_locked
    assert AuditEntry.objects.filter(event=Event.USER_UNLOCKED, actor=root).count() == 1


def test_login_page_explains_lockout_in_chinese(client, db):
    html = client.get(reverse("accounts:login")).content.decode()
    with translation.override("zh-hans"):
        hint = gettext(
            "After several wrong passwords an account is locked for a while; "
            "your administrator can unlock it."
        )
    assert hint in html and hint.isascii() is False


@override_settings(**THROTTLE)
def test_the_database_cache_shares_the_count(db, settings):
    """GRIDGOV_LOGIN_THROTTLE_CACHE=database: several web servers count together."""
    from django.core.cache import caches
    from django.core.management import call_command

    settings.CACHES = {
        **settings.CACHES,
        "login": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "gridgov_login_throttle",
        },
    }
    call_command("createcachetable", verbosity=0)
    for _ in range(3):
        with pytest.raises(AuthFailed):
            auth_login(login="ghost", password="x", address=STRANGER)
    with pytest.raises(TooManyAttempts):
        auth_login(login="ghost", password="x", address=STRANGER)
    assert caches["login"].get(throttle._slot(STRANGER, throttle._now())[0]) == 3
