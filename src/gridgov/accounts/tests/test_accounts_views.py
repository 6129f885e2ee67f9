"""Web pages of accounts: sign-in and out, own password, users and role grants."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from gridgov.accounts.models import RoleGrant, User
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD

LOGIN = "accounts:login"


def zh(msgid: str) -> str:
    """The message as a zh-Hans page shows it (the catalogue's text where there is one)."""
    with translation.override("zh-hans"):
        return gettext(msgid)


@pytest.fixture
def worker(tree, make_user):
    return make_user(
        "wang", ("grid_worker", tree.grid1), display_name="王网格", mobile="13912345678"
    )


@pytest.fixture
def admin(tree, make_user):
    """Administrator of the street 凤鸣街道 only (金沙镇 lies outside)."""
    return make_user("zhou", ("admin", tree.street), display_name="周管理")


# --- Signing in and out ----------------------------------------------------------------------


def test_login_by_username(client, worker):
    response = client.post(reverse(LOGIN), {"login": "wang", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.session[SESSION_KEY] == str(worker.pk)


def test_login_by_mobile_number(client, worker):
    response = client.post(reverse(LOGIN), {"login": "13912345678", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(worker.pk)


def test_login_follows_a_local_next_but_not_an_outside_one(client, worker):
    area_url = reverse("areas:index")
    response = client.post(
        reverse(LOGIN), {"login": "wang", "password": TEST_PASSWORD, "next": area_url}
    )
    assert response["Location"] == area_url
    client.logout()
    response = client.post(
        reverse(LOGIN),
        {"login": "wang", "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:home")


def test_wrong_password_shows_the_wrong_credentials_message(client, worker):
    response = client.post(reverse(LOGIN), {"login": "wang", "password": "nope"})
    assert response.status_code == 400
    assert zh("Wrong user name / mobile number or password.") in response.content.decode()
    assert SESSION_KEY not in client.session
    worker.refresh_from_db()
    assert worker.failed_logins == 1


def test_unknown_user_gets_the_same_message(client, db):
    response = client.post(reverse(LOGIN), {"login": "nobody", "password": "nope"})
    assert response.status_code == 400
    assert zh("Wrong user name / mobile number or password.") in response.content.decode()


def test_empty_form_shows_djangos_chinese_required_message(client, db):
    response = client.post(reverse(LOGIN), {"login": "", "password": ""})
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()


@override_settings(GRIDGOV_LOCKOUT_THRESHOLD=5, GRIDGOV_LOCKOUT_MINUTES=15)
def test_five_failures_lock_the_account_but_the_page_does_not_say_so(client, worker):
    pages = [client.post(reverse(LOGIN), {"login": "wang", "password": "nope"}) for _ in range(5)]
    worker.refresh_from_db()
    assert worker.is_locked
    # The right password is refused while locked (from an address the account never signed
    # in from), and the page is the one a wrong password gets.
    pages.append(client.post(reverse(LOGIN), {"login": "wang", "password": TEST_PASSWORD}))
    assert SESSION_KEY not in client.session
    unknown = client.post(reverse(LOGIN), {"login": "nobody", "password": "nope"})
    for response in [*pages, unknown]:
        assert response.status_code == 400
        assert zh("Wrong user name / mobile number or password.") in response.content.decode()
    until = timezone.localtime(worker.locked_until).strftime("%H:%M")
    assert until not in pages[-1].content.decode()


def test_an_expired_lock_lets_the_user_in(client, worker):
    User.objects.filter(pk=worker.pk).update(locked_until=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse(LOGIN), {"login": "wang", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_logout_is_post_only_and_audited(client, worker):
    client.force_login(worker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse(LOGIN)
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(event=Event.LOGOUT, actor=worker).count() == 1


def test_signed_in_user_visiting_login_goes_home(client, worker):
    client.force_login(worker)
    response = client.get(reverse(LOGIN))
    assert response.status_code == 302


# --- Own password ----------------------------------------------------------------------------


def test_password_change_needs_the_current_password(client, worker):
    client.force_login(worker)
    before = User.objects.get(pk=worker.pk).password
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "Neu-Passw0rt!",
            "new_password2": "Neu-Passw0rt!",
        },
    )
    assert response.status_code == 400
    assert 'id="id_old_password_errors"' in response.content.decode()
    assert User.objects.get(pk=worker.pk).password == before


def test_password_change_refuses_a_weak_password_with_djangos_chinese_message(client, worker):
    client.force_login(worker)
    before = User.objects.get(pk=worker.pk).password
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "abc", "new_password2": "abc"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_new_password1_errors"' in html
    assert "这个密码太常见了" in html  # Django's own zh-Hans catalogue
    assert User.objects.get(pk=worker.pk).password == before
    assert not AuditEntry.objects.filter(event=Event.PASSWORD_CHANGED).exists()


def test_password_change_refuses_mismatched_passwords(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Neu-Passw0rt!", "new_password2": "x"},
    )
    assert response.status_code == 400
    assert 'id="id_new_password2_errors"' in response.content.decode()


def test_password_change_succeeds_keeps_the_session_and_audits(client, worker):
    client.force_login(worker)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Neu-Passw0rt!",
            "new_password2": "Neu-Passw0rt!",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("Neu-Passw0rt!")
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEntry.objects.filter(event=Event.PASSWORD_CHANGED, actor=worker).exists()


# --- Users pages -----------------------------------------------------------------------------


def test_users_pages_need_users_manage(client, worker):
    client.force_login(worker)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[worker.pk])).status_code == 403


def test_user_list_is_scoped_and_masks_mobiles(client, tree, admin, worker, make_user):
    make_user("outsider", ("grid_worker", tree.grid3), display_name="外人")
    client.force_login(admin)
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert "王网格" in html
    assert "139****5678" in html
    assert "13912345678" not in html
    assert "外人" not in html


def test_user_list_search(client, tree, admin, worker, make_user):
    make_user("li", ("grid_worker", tree.grid2), display_name="李网格")
    client.force_login(admin)
    html = client.get(reverse("accounts:user_list"), {"q": "李"}).content.decode()
    assert "李网格" in html
    assert "王网格" not in html


def test_user_outside_the_jurisdiction_is_404(client, tree, admin, make_user):
    outsider = make_user("outsider", ("grid_worker", tree.grid3))
    client.force_login(admin)
    assert client.get(reverse("accounts:user_detail", args=[outsider.pk])).status_code == 404
    response = client.post(
        reverse("accounts:user_grant", args=[outsider.pk]),
        {"role": "grid_worker", "area": tree.grid1.pk},
    )
    assert response.status_code == 404
    assert not RoleGrant.objects.filter(user=outsider, area=tree.grid1).exists()


def _new_user(**overrides):
    data = {
        "username": "zhao",
        "display_name": "赵网格",
        "mobile": "13800001111",
        "email": "",
        "new_password1": "Fengcheng#2026",
        "new_password2": "Fengcheng#2026",
    }
    data.update(overrides)
    return data


def test_create_user(client, admin):
    client.force_login(admin)
    response = client.post(reverse("accounts:user_create"), _new_user())
    user = User.objects.get(username="zhao")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.mobile == "13800001111"
    assert user.check_password("Fengcheng#2026")
    assert AuditEntry.objects.filter(event=Event.USER_CREATED, target_id=str(user.pk)).exists()


def test_create_user_with_a_bad_mobile_shows_the_error_and_creates_nothing(client, admin):
    client.force_login(admin)
    response = client.post(reverse("accounts:user_create"), _new_user(mobile="12345"))
    assert response.status_code == 400
    assert 'id="id_mobile_errors"' in response.content.decode()
    assert not User.objects.filter(username="zhao").exists()


def test_create_user_with_a_taken_name_shows_the_error(client, admin, worker):
    client.force_login(admin)
    response = client.post(reverse("accounts:user_create"), _new_user(username="wang"))
    assert response.status_code == 400
    assert 'id="id_username_errors"' in response.content.decode()
    assert User.objects.filter(username="wang").count() == 1


def test_grant_a_role_picked_from_the_list(client, tree, admin, make_user):
    user = make_user("li")
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_grant", args=[user.pk]),
        {"role": "grid_worker", "area": tree.grid2.pk},
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=user, role="grid_worker", area=tree.grid2).exists()
    html = client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert tree.grid2.name in html


def test_grant_a_role_by_area_code(client, tree, admin, make_user):
    user = make_user("li")
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_grant", args=[user.pk]),
        {"role": "community_staff", "area_code": tree.community.code},
    )
    assert response.status_code == 302
    assert RoleGrant.objects.filter(user=user, area=tree.community).exists()


def test_grant_by_a_code_outside_the_jurisdiction_is_refused(client, tree, admin, make_user):
    user = make_user("li")
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_grant", args=[user.pk]),
        {"role": "grid_worker", "area_code": tree.grid3.code},
    )
    assert response.status_code == 400
    assert 'id="id_area_code_errors"' in response.content.decode()
    assert not RoleGrant.objects.filter(user=user).exists()


def test_grant_at_the_wrong_level_shows_the_services_message(client, tree, admin, make_user):
    user = make_user("li")
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_grant", args=[user.pk]),
        {"role": "grid_worker", "area": tree.community.pk},
    )
    assert response.status_code == 400
    assert 'id="id_area_errors"' in response.content.decode()
    assert not RoleGrant.objects.filter(user=user).exists()


def test_grant_without_an_area_is_refused(client, tree, admin, make_user):
    user = make_user("li")
    client.force_login(admin)
    response = client.post(reverse("accounts:user_grant", args=[user.pk]), {"role": "grid_worker"})
    assert response.status_code == 400
    assert not RoleGrant.objects.filter(user=user).exists()


def test_revoke_a_grant(client, tree, admin, worker):
    grant = RoleGrant.objects.get(user=worker)
    client.force_login(admin)
    response = client.post(reverse("accounts:grant_revoke", args=[grant.pk]))
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(event=Event.ROLE_REVOKED).exists()


def test_revoke_outside_the_jurisdiction_is_404(client, tree, admin, make_user):
    outsider = make_user("outsider", ("grid_worker", tree.grid3))
    grant = RoleGrant.objects.get(user=outsider)
    client.force_login(admin)
    assert client.post(reverse("accounts:grant_revoke", args=[grant.pk])).status_code == 404
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_unlock(client, admin, worker):
    User.objects.filter(pk=worker.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10), failed_logins=0
    )
    client.force_login(admin)
    response = client.post(reverse("accounts:user_unlock", args=[worker.pk]))
    assert response.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_locked


def test_reset_password(client, admin, worker):
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_password", args=[worker.pk]),
        {"new_password1": "Neu-Passw0rt!", "new_password2": "Neu-Passw0rt!"},
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.check_password("Neu-Passw0rt!")


def test_reset_password_refuses_a_weak_one(client, admin, worker):
    before = User.objects.get(pk=worker.pk).password
    client.force_login(admin)
    response = client.post(
        reverse("accounts:user_password", args=[worker.pk]),
        {"new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 400
    assert 'id="id_new_password1_errors"' in response.content.decode()
    assert User.objects.get(pk=worker.pk).password == before


def test_deactivate_and_reactivate(client, admin, worker):
    client.force_login(admin)
    client.post(reverse("accounts:user_active", args=[worker.pk]), {"active": "0"})
    worker.refresh_from_db()
    assert not worker.is_active
    client.post(reverse("accounts:user_active", args=[worker.pk]), {"active": "1"})
    worker.refresh_from_db()
    assert worker.is_active


def test_an_administrator_cannot_deactivate_themself(client, admin):
    client.force_login(admin)
    client.post(reverse("accounts:user_active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active
