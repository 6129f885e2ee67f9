"""Users, departments, role grants at areas, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role


class User(AbstractUser):
    """A unique, named account (等保: one person, one account)."""

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class DepartmentKind(models.TextChoices):
    URBAN_MANAGEMENT = "urban_management", _("Urban management (城管执法)")
    MARKET_REGULATION = "market_regulation", _("Market regulation (市场监管)")
    POLICE = "police", _("Police station (派出所)")
    JUSTICE = "justice", _("Judicial office (司法所)")
    HOUSING = "housing", _("Housing and construction (住建)")
    ENVIRONMENT = "environment", _("Ecology and environment (生态环境)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs (民政)")
    EMERGENCY = "emergency", _("Emergency management (应急管理)")
    OTHER = "other", _("Other")


class Department(models.Model):
    """A functional department (职能部门) that serves an area's subtree."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=DepartmentKind.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("serves"), on_delete=models.PROTECT, related_name="departments"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="department_unique_name_per_area")
        ]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """A role held by a user at an area (and, for department handlers, in a department)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="grants"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.area.name}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only a SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
