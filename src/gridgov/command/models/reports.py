"""Periodic reports (日报 … 年报) and who subscribed to them (see
:mod:`gridgov.command.reports`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.kernel.scoped import AreaScoped


class ReportPeriod(models.TextChoices):
    DAY = "day", _("Daily report")
    WEEK = "week", _("Weekly report")
    MONTH = "month", _("Monthly report")
    QUARTER = "quarter", _("Quarterly report")
    YEAR = "year", _("Yearly report")


class ReportSubscription(AreaScoped):
    """``user`` receives the ``period`` report of ``area`` in their inbox when it is made."""

    view_perm = Perm.VIEW_STATS

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    period = models.CharField(_("period"), max_length=10, choices=ReportPeriod.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "area", "period"], name="command_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.area_id} {self.period}"


class Report(AreaScoped):
    """One generated report of ``area`` for the period ``date_from``–``date_to`` (inclusive
    local dates), with its Excel and PDF files. One per (area, period, date_from)."""

    view_perm = Perm.VIEW_STATS

    period = models.CharField(_("period"), max_length=10, choices=ReportPeriod.choices)
    date_from = models.DateField(_("period start"))
    date_to = models.DateField(_("period end"))
    generated_at = models.DateTimeField(_("generated at"))
    xlsx = models.FileField(_("Excel file"), upload_to="reports/%Y/%m/", blank=True)
    pdf = models.FileField(_("PDF file"), upload_to="reports/%Y/%m/", blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "period", "date_from"], name="command_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.period} {self.date_from}"
