"""Alerts raised by the registered rules (see :mod:`gridgov.command.alerts`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.kernel.scoped import AreaScoped


class AlertLevel(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")


class Alert(AreaScoped):
    """One alert: raised when a rule first finds a hit, kept while the rule still finds it
    (``last_seen_at``), cleared when it no longer does. At most one uncleared alert per
    (rule, fingerprint)."""

    view_perm = Perm.COMMAND_VIEW

    rule = models.CharField(_("rule"), max_length=60)
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    level = models.CharField(
        _("alert level"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.ORANGE
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    item_kind = models.CharField(_("item kind"), max_length=40, blank=True, default="")
    item_id = models.BigIntegerField(_("item"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    last_seen_at = models.DateTimeField(_("last seen at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "fingerprint"],
                condition=Q(cleared_at__isnull=True),
                name="command_alert_one_open",
            )
        ]
        indexes = [models.Index(fields=["area_path", "cleared_at"], name="command_alert_path")]

    def __str__(self) -> str:
        return f"{self.rule} {self.fingerprint}"
