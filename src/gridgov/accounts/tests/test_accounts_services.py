"""Account services: login with lockout, users, grants, tokens — and that refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.utils import timezone

from gridgov.accounts import scoping
from gridgov.accounts.models import ApiToken, RoleGrant, User
from gridgov.accounts.roles import Perm, Role
from gridgov.accounts.services import (
    AuthFailed,
    auth_login,
    department_create,
    role_grant,
    role_revoke,
    token_authenticate,
    token_issue,
    token_revoke,
    user_create,
    user_set_password,
    user_unlock,
)
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed


def test_passwords_are_hashed_with_argon2(db):
    user = user_create(actor=None, username="li", password="Fengcheng#2026")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize(
    "password", ["short1A", "alllowercaseletters", "12345678901", "abcdefgh123"]
)
def test_weak_passwords_are_refused_and_nothing_is_created(db, password):
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="wang", password=password)
    assert "password" in exc.value.fields
    assert not User.objects.filter(username="wang").exists()


def test_login_by_username_or_mobile(db):
    user_create(actor=None, username="zhao", password="Fengcheng#2026", mobile="13800001234")
    assert auth_login(login="zhao", password="Fengcheng#2026").username == "zhao"
    assert auth_login(login="13800001234", password="Fengcheng#2026").username == "zhao"
    assert AuditEntry.objects.filter(event=Event.LOGIN_OK).count() == 2


def test_unknown_user_and_wrong_password_get_the_same_message(db, make_user):
    make_user("qian")
    with pytest.raises(AuthFailed) as unknown:
        auth_login(login="nobody", password="x")
    with pytest.raises(AuthFailed) as wrong:
        auth_login(login="qian", password="wrong")
    assert unknown.value.message == wrong.value.message


@override_settings(GRIDGOV_LOCKOUT_THRESHOLD=5, GRIDGOV_LOCKOUT_MINUTES=15)
def test_five_failures_lock_the_account_for_15_minutes_without_saying_so(db, make_user):
    user = make_user("sun")
    answers = []
    for _ in range(5):
        with pytest.raises(AuthFailed) as exc:
            auth_login(login="sun", password="wrong", address="203.0.113.7")
        answers.append(exc.value.as_dict())
    user.refresh_from_db()
    assert user.is_locked
    remaining = user.locked_until - timezone.now()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # The right password is refused from an address the account never signed in from, with
    # the very answer a wrong password gets.
    with pytest.raises(AuthFailed) as exc:
        auth_login(login="sun", password=TEST_PASSWORD, address="203.0.113.7")
    answers.append(exc.value.as_dict())
    assert all(a == answers[0] for a in answers)
    assert AuditEntry.objects.filter(event=Event.LOCKOUT, target_id=str(user.pk)).count() == 1
    assert AuditEntry.objects.filter(event=Event.LOGIN_FAILED).count() == 6


def test_lock_expires_and_success_resets_the_counter(db, make_user):
    user = make_user("zhou")
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1), failed_logins=3
    )
    assert auth_login(login="zhou", password=TEST_PASSWORD).pk == user.pk
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_admin_unlocks_inside_jurisdiction_only(tree, make_user):
    admin = make_user("adm", (Role.ADMIN, tree.county))
    other_admin = make_user("adm2", (Role.ADMIN, tree.town))
    worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))
    User.objects.filter(pk=worker.pk).update(locked_until=timezone.now() + timedelta(minutes=9))
    worker.refresh_from_db()
    with pytest.raises(PermissionDenied):
        user_unlock(actor=other_admin, user=worker)
    worker.refresh_from_db()
    assert worker.is_locked
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=other_admin).exists()
    user_unlock(actor=admin, user=worker)
    worker.refresh_from_db()
    assert not worker.is_locked


def test_grant_is_refused_outside_jurisdiction_and_changes_nothing(tree, make_user):
    admin = make_user("adm", (Role.ADMIN, tree.town))
    target = make_user("target")
    before = RoleGrant.objects.count()
    with pytest.raises(PermissionDenied):
        role_grant(actor=admin, user=target, role=Role.GRID_WORKER, area=tree.grid1)
    assert RoleGrant.objects.count() == before
    role_grant(actor=admin, user=target, role=Role.GRID_WORKER, area=tree.grid3)
    assert RoleGrant.objects.count() == before + 1


def test_grant_at_a_level_that_makes_no_sense_is_refused(tree, make_user):
    user = make_user("x")
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=None, user=user, role=Role.GRID_WORKER, area=tree.county)
    assert exc.value.code == "wrong_level"
    with pytest.raises(ValidationFailed):
        role_grant(actor=None, user=user, role=Role.DISPATCHER, area=tree.grid1)


def test_department_handler_needs_a_department_serving_the_area(tree, make_user):
    user = make_user("cg")
    dept = department_create(
        actor=None, name="凤鸣街道城管中队", kind="urban_management", area=tree.street
    )
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=None, user=user, role=Role.DEPT_HANDLER, area=tree.street)
    assert exc.value.code == "department_required"
    with pytest.raises(ValidationFailed) as exc:
        role_grant(actor=None, user=user, role=Role.DEPT_HANDLER, area=tree.town, department=dept)
    assert exc.value.code == "department_mismatch"
    grant = role_grant(
        actor=None, user=user, role=Role.DEPT_HANDLER, area=tree.street, department=dept
    )
    assert grant.department == dept


def test_duplicate_grant_is_a_conflict(tree, make_user):
    user = make_user("dup", (Role.GRID_WORKER, tree.grid1))
    with pytest.raises(Conflict):
        role_grant(actor=None, user=user, role=Role.GRID_WORKER, area=tree.grid1)
    assert RoleGrant.objects.filter(user=user).count() == 1


def test_revoke_removes_the_jurisdiction(tree, make_user):
    user = make_user("rv", (Role.GRID_WORKER, tree.grid1))
    assert scoping.can(user, Perm.VIEW_AREA, tree.grid1)
    role_revoke(actor=None, grant=user.grants.get())
    assert not scoping.can(user, Perm.VIEW_AREA, tree.grid1)
    assert AuditEntry.objects.filter(event=Event.ROLE_REVOKED).count() == 1


def test_user_may_change_own_password_but_not_anothers(tree, make_user):
    alice = make_user("alice", (Role.GRID_WORKER, tree.grid1))
    bob = make_user("bob", (Role.GRID_WORKER, tree.grid2))
    user_set_password(actor=alice, user=alice, password="New#Passw0rd")
    alice.refresh_from_db()
    assert alice.check_password("New#Passw0rd")
    old_hash = User.objects.get(pk=bob.pk).password
    with pytest.raises(PermissionDenied):
        user_set_password(actor=alice, user=bob, password="New#Passw0rd")
    assert User.objects.get(pk=bob.pk).password == old_hash


def test_duplicate_mobile_and_username_are_conflicts(db):
    user_create(actor=None, username="a1", password="Fengcheng#2026", mobile="13900001111")
    with pytest.raises(Conflict):
        user_create(actor=None, username="a2", password="Fengcheng#2026", mobile="13900001111")
    with pytest.raises(Conflict):
        user_create(actor=None, username="a1", password="Fengcheng#2026")
    with pytest.raises(ValidationFailed):
        user_create(actor=None, username="a3", password="Fengcheng#2026", mobile="12345")
    assert User.objects.count() == 1


def test_tokens_authenticate_until_revoked_or_expired(tree, make_user):
    user = make_user("api", (Role.DISPATCHER, tree.county))
    token, raw = token_issue(user=user, name="cli")
    assert token_authenticate(raw) == user
    assert token_authenticate(raw + "x") is None
    assert token_authenticate("gg_forged") is None
    assert ApiToken.objects.get(pk=token.pk).digest != raw  # only a digest is stored
    token_revoke(actor=user, token=token)
    assert token_authenticate(raw) is None
    with pytest.raises(Conflict):
        token_revoke(actor=user, token=token)
    t2, raw2 = token_issue(user=user)
    ApiToken.objects.filter(pk=t2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_authenticate(raw2) is None
    assert AuditEntry.objects.filter(event=Event.TOKEN_REJECTED).count() >= 3


def test_admin_cannot_lock_themself_out(tree, make_user):
    from gridgov.accounts.services import user_update

    admin = make_user("self", (Role.ADMIN, tree.county))
    with pytest.raises(ValidationFailed):
        user_update(actor=admin, user=admin, is_active=False)
    with pytest.raises(ValidationFailed):
        role_revoke(actor=admin, grant=admin.grants.get())
    admin.refresh_from_db()
    assert admin.is_active and admin.grants.count() == 1


def test_unknown_department_kind_is_refused(tree):
    with pytest.raises(ValidationFailed):
        department_create(actor=None, name="某部门", kind="nonsense", area=tree.county)


def test_short_password_message_is_ours_and_translated(db):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="shorty", password="Ab1!")
    assert "at least 8 characters" in exc.value.fields["password"]
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="shorty", password="Ab1!")
    assert "密码长度至少为 8 位" in exc.value.fields["password"]


def test_only_a_superuser_grants_back_office_rights(tree, make_user):
    from gridgov.accounts.services import user_set_back_office

    root = make_user("root", is_superuser=True, is_staff=True)
    admin = make_user("adm", (Role.ADMIN, tree.county))
    target = make_user("t", (Role.GRID_WORKER, tree.grid1))
    with pytest.raises(PermissionDenied):
        user_set_back_office(actor=admin, user=target, is_staff=True, is_superuser=True)
    target.refresh_from_db()
    assert not target.is_staff and not target.is_superuser
    with pytest.raises(ValidationFailed):
        user_set_back_office(actor=root, user=root, is_staff=False, is_superuser=False)
    user_set_back_office(actor=root, user=target, is_staff=True, is_superuser=False)
    target.refresh_from_db()
    assert target.is_staff and not target.is_superuser


def test_bad_email_is_refused_and_nothing_is_created(db):
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=None, username="mail", password="Fengcheng#2026", email="not-an-address")
    assert "email" in exc.value.fields
    assert not User.objects.filter(username="mail").exists()
