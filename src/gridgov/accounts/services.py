"""Writes for accounts: authentication with throttling and lockout, users, role grants, API tokens.

Each function checks permission and jurisdiction first, then changes state in one transaction
and writes an audit entry. ``actor=None`` is the system (CLI, demo generator).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gridgov.accounts import scoping, throttle
from gridgov.accounts.models import ApiToken, Department, DepartmentKind, RoleGrant, User
from gridgov.accounts.roles import DEPARTMENT_ROLES, ROLE_LEVELS, Perm, Role, perms_for
from gridgov.accounts.validators import validate_mobile
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, DomainError, NotFound, ValidationFailed


class AuthFailed(DomainError):
    code = Code.INVALID_CREDENTIALS
    status = 401


class TooManyAttempts(DomainError):
    """Too many failed sign-ins from this address (per address, never per account)."""

    code = Code.TOO_MANY_ATTEMPTS
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            ngettext(
                "Too many failed sign-ins from your network; try again in %(minutes)d minute.",
                "Too many failed sign-ins from your network; try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
        self.retry_after = retry_after


def _find_user(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    return User.objects.filter(Q(username=login) | Q(mobile=login)).first()


def _known_address(user: User, address: str | None) -> bool:
    """Has ``user`` signed in successfully from ``address`` lately? (The audit log knows.)"""
    if not address:
        return False
    since = timezone.now() - timedelta(days=settings.GRIDGOV_LOCKOUT_KNOWN_DAYS)
    return AuditEntry.objects.filter(
        actor=user, at__gte=since, event=Event.LOGIN_OK, ip=address
    ).exists()


def _failed(address: str | None, channel: str) -> AuthFailed:
    """Count a failure against the address; the one answer every failure gets."""
    if throttle.record_failure(address):
        audit_record(
            event=Event.LOGIN_FAILED,
            ip=address,
            detail={"reason": "address_throttled", "channel": channel},
        )
    return AuthFailed(_("Wrong user name / mobile number or password."))


def auth_login(
    *, login: str, password: str, channel: str = "web", address: str | None = None
) -> User:
    """Check a username-or-mobile and password from the client ``address``.

    Every failure gives the same :class:`AuthFailed` — unknown account, wrong password,
    inactive or locked account alike — and counts against the address
    (:mod:`.throttle`); an address over its limit gets :class:`TooManyAttempts` before any
    password is checked. ``GRIDGOV_LOCKOUT_THRESHOLD`` consecutive wrong passwords lock the
    account for ``GRIDGOV_LOCKOUT_MINUTES``, but only towards addresses it has not signed in
    from successfully (``GRIDGOV_LOCKOUT_KNOWN_DAYS``): a stranger can lock the account
    against strangers, not against its owner. Every outcome is audited."""
    wait = throttle.retry_after(address)
    if wait is not None:
        raise TooManyAttempts(wait)
    user = _find_user(login)
    if user is None:
        # Run the hasher anyway so timing does not reveal whether the account exists.
        User().set_password(password)
        audit_record(
            event=Event.LOGIN_FAILED,
            actor_name=(login or "")[:150],
            ip=address,
            detail={"reason": "unknown_user", "channel": channel},
        )
        raise _failed(address, channel)
    now = timezone.now()
    if user.is_locked and not _known_address(user, address):
        User().set_password(password)  # same work, same time as a password check
        audit_record(
            event=Event.LOGIN_FAILED,
            actor=user,
            target=user,
            ip=address,
            detail={"reason": "locked", "channel": channel},
        )
        raise _failed(address, channel)
    if not user.check_password(password) or not user.is_active:
        threshold = settings.GRIDGOV_LOCKOUT_THRESHOLD
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            locked = user.failed_logins >= threshold
            if locked:
                user.locked_until = now + timedelta(minutes=settings.GRIDGOV_LOCKOUT_MINUTES)
                user.failed_logins = 0
                user.save(update_fields=["locked_until", "failed_logins"])
            audit_record(
                event=Event.LOGIN_FAILED,
                actor=user,
                target=user,
                ip=address,
                detail={
                    "reason": "bad_password" if user.is_active else "inactive",
                    "channel": channel,
                },
            )
            if locked:
                audit_record(
                    event=Event.LOCKOUT,
                    actor=user,
                    target=user,
                    ip=address,
                    detail={"minutes": settings.GRIDGOV_LOCKOUT_MINUTES, "channel": channel},
                )
        raise _failed(address, channel)
    with transaction.atomic():
        user.failed_logins = 0
        user.locked_until = None
        user.last_login = now
        user.save(update_fields=["failed_logins", "locked_until", "last_login"])
        audit_record(
            event=Event.LOGIN_OK,
            actor=user,
            target=user,
            ip=address,
            detail={"channel": channel},
        )
    return user


def auth_logout(*, user: Any, reason: str = "logout") -> None:
    if getattr(user, "is_authenticated", False):
        audit_record(
            event=Event.SESSION_EXPIRED if reason == "idle" else Event.LOGOUT,
            actor=user,
            target=user,
        )


def _check_password(password: str, user: User | None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        msg = " ".join(exc.messages)
        raise ValidationFailed(msg, code=Code.WEAK_PASSWORD, fields={"password": msg}) from exc


def _clean_mobile(mobile: str | None) -> str | None:
    if not mobile:
        return None
    try:
        return validate_mobile(mobile)
    except ValidationError as exc:
        msg = " ".join(exc.messages)
        raise ValidationFailed(msg, code=Code.INVALID_MOBILE, fields={"mobile": msg}) from exc


def _clean_email(email: str | None) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            msg = _("“%(value)s” is not a valid e-mail address.") % {"value": email}
            raise ValidationFailed(msg, code=Code.INVALID_EMAIL, fields={"email": msg}) from exc
    return email


def _require_user_admin(actor: Any, areas: list[Area], what: str) -> None:
    """Managing a user needs MANAGE_USERS over every area where the user holds a role."""
    if actor is None:
        return
    if not areas:
        if not scoping.has_perm_anywhere(actor, Perm.MANAGE_USERS):
            scoping.require(actor, Perm.MANAGE_USERS, None, what=what)
        return
    for area in areas:
        scoping.require(actor, Perm.MANAGE_USERS, area, what=what)


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str = "",
    mobile: str | None = None,
    email: str = "",
) -> User:
    """Create an account. The caller then grants roles at areas with :func:`role_grant`."""
    _require_user_admin(actor, [], "user_create")
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ValidationFailed(
            _("A user name is required (at most 150 characters)."),
            fields={"username": _("Required.")},
        )
    if username.isdigit():
        raise ValidationFailed(
            _("A user name cannot be all digits (it could be mistaken for a mobile number)."),
            fields={"username": _("Not all digits.")},
        )
    mobile = _clean_mobile(mobile)
    candidate = User(username=username, display_name=display_name, email=_clean_email(email))
    _check_password(password, candidate)
    with transaction.atomic():
        if User.objects.filter(Q(username=username) | Q(mobile=username)).exists():
            raise Conflict(
                _("The user name %(name)s is already taken.") % {"name": username},
                code=Code.DUPLICATE_USERNAME,
                fields={"username": _("Already in use.")},
            )
        if mobile and User.objects.filter(mobile=mobile).exists():
            raise Conflict(
                _("This mobile number already belongs to another account."),
                code=Code.DUPLICATE_MOBILE,
                fields={"mobile": _("Already in use.")},
            )
        candidate.mobile = mobile
        candidate.set_password(password)
        candidate.password_changed_at = timezone.now()
        try:
            candidate.save()
        except IntegrityError as exc:
            raise Conflict(_("This account already exists."), code=Code.DUPLICATE_USER) from exc
        audit_record(
            event=Event.USER_CREATED,
            actor=actor,
            actor_name="" if actor else "system",
            target=candidate,
        )
    return candidate


def _user_areas(user: User) -> list[Area]:
    return [g.area for g in user.grants.select_related("area")]


def user_update(
    *,
    actor: Any,
    user: User,
    display_name: str | None = None,
    mobile: str | None = None,
    email: str | None = None,
    is_active: bool | None = None,
) -> User:
    _require_user_admin(actor, _user_areas(user), "user_update")
    changes: dict[str, Any] = {}
    if display_name is not None:
        changes["display_name"] = display_name.strip()[:50]
    if mobile is not None:
        changes["mobile"] = _clean_mobile(mobile)
    if email is not None:
        changes["email"] = _clean_email(email)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
        if not is_active and actor is not None and getattr(actor, "pk", None) == user.pk:
            raise ValidationFailed(
                _("You cannot deactivate your own account."), code=Code.SELF_DEACTIVATION
            )
    with transaction.atomic():
        if changes.get("mobile") and (
            User.objects.filter(mobile=changes["mobile"]).exclude(pk=user.pk).exists()
        ):
            raise Conflict(
                _("This mobile number already belongs to another account."),
                code=Code.DUPLICATE_MOBILE,
                fields={"mobile": _("Already in use.")},
            )
        for k, v in changes.items():
            setattr(user, k, v)
        user.save()
        detail: dict[str, Any] = {"fields": sorted(changes)}  # names only: values may be PII
        if changes.get("is_active") is False:
            # A deactivated account's tokens die with it: reactivating it brings none back.
            detail["tokens_revoked"] = _revoke_all_tokens(user)
        audit_record(
            event=Event.USER_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=user,
            detail=detail,
        )
    return user


def user_set_back_office(*, actor: Any, user: User, is_staff: bool, is_superuser: bool) -> User:
    """Grant or withdraw Django-admin access (``is_staff``) and global rights (``is_superuser``).

    Only a superuser may do this, and never to their own account."""
    if actor is not None:
        if not scoping.is_global(actor):
            scoping.require(actor, "superuser", None, what="user_set_back_office")
        if getattr(actor, "pk", None) == user.pk:
            raise ValidationFailed(
                _("You cannot change your own back-office rights."), code=Code.SELF_BACK_OFFICE
            )
    with transaction.atomic():
        before = {"is_staff": user.is_staff, "is_superuser": user.is_superuser}
        user.is_staff = bool(is_staff or is_superuser)
        user.is_superuser = bool(is_superuser)
        user.save(update_fields=["is_staff", "is_superuser"])
        audit_record(
            event=Event.USER_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=user,
            detail={
                "before": before,
                "after": {"is_staff": user.is_staff, "is_superuser": user.is_superuser},
            },
        )
    scoping.forget(user)
    return user


def user_set_password(*, actor: Any, user: User, password: str) -> User:
    """Set a password: by the user themself, or by an administrator over all their areas."""
    if actor is not None and getattr(actor, "pk", None) != user.pk:
        _require_user_admin(actor, _user_areas(user), "user_set_password")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        revoked = _revoke_all_tokens(user)
        audit_record(
            event=Event.PASSWORD_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=user,
            detail={"tokens_revoked": revoked},
        )
    return user


def user_unlock(*, actor: Any, user: User) -> User:
    _require_user_admin(actor, _user_areas(user), "user_unlock")
    with transaction.atomic():
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        audit_record(event=Event.USER_UNLOCKED, actor=actor, target=user)
    return user


def role_grant(
    *,
    actor: Any,
    user: User,
    role: str,
    area: Area,
    department: Department | None = None,
) -> RoleGrant:
    """Grant ``role`` at ``area``. The actor needs MANAGE_USERS over ``area``; a department
    handler's grant names a department serving an area that contains ``area``."""
    if actor is not None:
        scoping.require(actor, Perm.MANAGE_USERS, area, what="role_grant")
    if role not in Role.values:
        raise ValidationFailed(
            _("Unknown role “%(role)s”.") % {"role": role}, fields={"role": _("Unknown role.")}
        )
    low, high = ROLE_LEVELS[role]
    if not (low <= area.level <= high):
        msg = _("A %(role)s cannot be granted at a %(level)s.") % {
            "role": Role(role).label,
            "level": Level(area.level).label,
        }
        raise ValidationFailed(msg, code=Code.WRONG_LEVEL, fields={"area": msg})
    if role in DEPARTMENT_ROLES:
        if department is None:
            raise ValidationFailed(
                _("A department handler must belong to a department."),
                code=Code.DEPARTMENT_REQUIRED,
                fields={"department": _("Required.")},
            )
        if not area.path.startswith(department.area.path):
            raise ValidationFailed(
                _("The department %(dept)s does not serve this area.") % {"dept": department},
                code=Code.DEPARTMENT_MISMATCH,
                fields={"department": _("Does not serve this area.")},
            )
    elif department is not None:
        raise ValidationFailed(
            _("Only department handlers belong to a department."),
            fields={"department": _("Leave empty for this role.")},
        )
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(
            user=user,
            role=role,
            area=area,
            defaults={"department": department, "granted_by": actor},
        )
        if not created:
            raise Conflict(
                _("%(user)s already holds this role at %(area)s.")
                % {"user": user, "area": area.name},
                code=Code.DUPLICATE_GRANT,
            )
        audit_record(
            event=Event.ROLE_GRANTED,
            actor=actor,
            actor_name="" if actor else "system",
            target=user,
            area=area,
            detail={"role": role, "area": area.code, "department": getattr(department, "pk", None)},
        )
    scoping.forget(user)
    return grant


def role_revoke(*, actor: Any, grant: RoleGrant) -> None:
    if actor is not None:
        scoping.require(actor, Perm.MANAGE_USERS, grant.area, what="role_revoke")
        if grant.user_id == getattr(actor, "pk", None) and Perm.MANAGE_USERS in perms_for(
            grant.role
        ):
            raise ValidationFailed(
                _("You cannot revoke your own administrator role; ask another administrator."),
                code=Code.SELF_REVOCATION,
            )
    with transaction.atomic():
        deleted, _n = RoleGrant.objects.filter(pk=grant.pk).delete()
        if not deleted:
            raise NotFound(_("This role grant no longer exists."))
        audit_record(
            event=Event.ROLE_REVOKED,
            actor=actor,
            actor_name="" if actor else "system",
            target=grant.user,
            area=grant.area,
            detail={"role": grant.role, "area": grant.area.code},
        )
    scoping.forget(grant.user)


def department_create(*, actor: Any, name: str, kind: str, area: Area) -> Department:
    if actor is not None:
        scoping.require(actor, Perm.MANAGE_USERS, area, what="department_create")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("The name is required."), fields={"name": _("Required.")})
    if kind not in DepartmentKind.values:
        raise ValidationFailed(
            _("Unknown department kind “%(kind)s”.") % {"kind": kind},
            fields={"kind": _("Unknown kind.")},
        )
    with transaction.atomic():
        if Department.objects.filter(area=area, name=name).exists():
            raise Conflict(
                _("A department named %(name)s already serves this area.") % {"name": name},
                code=Code.DUPLICATE_DEPARTMENT,
            )
        dept = Department.objects.create(name=name, kind=kind, area=area)
        audit_record(
            event=Event.DEPARTMENT_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=dept,
            area=area,
            detail={"created": True},
        )
    return dept


# --- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "gg_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_issue(*, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a token for an already-authenticated user; the raw token is returned once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = days or settings.GRIDGOV_API_TOKEN_DAYS
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=raw[:10],
            digest=_digest(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(
            event=Event.TOKEN_ISSUED,
            actor=user,
            target=user,
            detail={"token": token.pk, "days": days},
        )
    return token, raw


def token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, or None for a forged, expired or revoked one."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    now = timezone.now()
    if token is None or not token.is_active or not token.user.is_active:
        audit_record(
            event=Event.TOKEN_REJECTED,
            actor=token.user if token else None,
            detail={
                "reason": "unknown"
                if token is None
                else ("revoked" if token.revoked_at else "expired_or_inactive")
            },
        )
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _revoke_all_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (inside the caller's transaction); the count."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner may, and so may an administrator over the owner's areas."""
    if actor is not None and getattr(actor, "pk", None) != token.user_id:
        _require_user_admin(actor, _user_areas(token.user), "token_revoke")
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This token was already revoked."), code=Code.ALREADY_REVOKED)
        token.refresh_from_db()
        audit_record(
            event=Event.TOKEN_REVOKED, actor=actor, target=token.user, detail={"token": token.pk}
        )
    return token
