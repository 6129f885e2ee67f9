"""Append-only security and administration audit log (等保 2.0: kept >= 180 days)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    LOGIN_OK = "login_ok", _("Login succeeded")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKOUT = "lockout", _("Account locked")
    LOGOUT = "logout", _("Logout")
    SESSION_EXPIRED = "session_expired", _("Session timed out")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    USER_CREATED = "user_created", _("User created")
    USER_CHANGED = "user_changed", _("User changed")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    USER_UNLOCKED = "user_unlocked", _("Account unlocked")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TOKEN_REJECTED = "token_rejected", _("API token rejected")
    AREA_CREATED = "area_created", _("Area created")
    AREA_CHANGED = "area_changed", _("Area changed")
    AREA_MOVED = "area_moved", _("Area moved")
    BOUNDARY_CHANGED = "boundary_changed", _("Boundary changed")
    DEPARTMENT_CHANGED = "department_changed", _("Department changed")
    DIVISIONS_IMPORTED = "divisions_imported", _("Divisions imported")
    AUDIT_PRUNED = "audit_pruned", _("Audit log pruned")
    CALENDAR_CHANGED = "calendar_changed", _("Working-time calendar changed")
    CALENDAR_SYNCED = "calendar_synced", _("Working-time calendar synchronised")
    CONFIG_CHANGED = "config_changed", _("Configuration changed")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Personal data shown unmasked")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Personal data exported")
    ROSTER_IMPORTED = "roster_imported", _("Roster imported")
    STAFF_ASSIGNED = "staff_assigned", _("Grid staff post assigned")
    STAFF_ENDED = "staff_ended", _("Grid staff post ended")
    REPORT_DOWNLOADED = "report_downloaded", _("Report downloaded")


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only; use audit_prune().")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    # Snapshot of the actor's username, kept even if the account is removed.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target_type = models.CharField(_("target type"), max_length=50, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    area_path = models.CharField(_("area path"), max_length=255, blank=True, db_index=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.actor_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")
