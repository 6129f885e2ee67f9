"""Reads of the reports: the reports of an area, one report (scoped), someone's subscriptions.

Scoping: :class:`~gridgov.command.models.Report` and
:class:`~gridgov.command.models.ReportSubscription` are area-scoped with ``stats.view``: a
report outside the reader's statistics jurisdiction is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gridgov.areas.models import Area
from gridgov.cases.indicators import stats_area_get, stats_areas_for
from gridgov.command.models.reports import Report, ReportSubscription
from gridgov.command.reports import periods

__all__ = [
    "report_get",
    "report_list",
    "reports_area_get",
    "reports_areas_for",
    "subscriptions_of",
]

# The list shows at most this many reports (newest first).
LIST_LIMIT = 200


def reports_areas_for(*, actor: Any) -> list[Area]:
    """The top areas of ``actor``'s statistics jurisdiction."""
    return stats_areas_for(actor=actor)


def reports_area_get(*, actor: Any, pk: int | None) -> Area:
    """The area ``pk`` (default: the actor's first top area) if ``actor`` may view its
    statistics; NotFound otherwise."""
    return stats_area_get(actor=actor, pk=pk)


def report_list(*, actor: Any, area: Area, period: str | None = None) -> QuerySet[Report]:
    """The reports of ``area`` itself (not of its children), newest period first."""
    qs = Report.objects.visible_to(actor).filter(area=area).select_related("area")
    if period:
        qs = qs.filter(period=periods.check_period_kind(period))
    return qs.order_by("-date_from", "period", "pk")[:LIST_LIMIT]


def report_get(*, actor: Any, pk: Any) -> Report:
    """One report ``actor`` may read (NotFound otherwise)."""
    report: Report = Report.objects.select_related("area").get_visible(actor, pk=pk)
    return report


def subscriptions_of(*, actor: Any) -> QuerySet[ReportSubscription]:
    """``actor``'s own subscriptions (those of areas still in their jurisdiction)."""
    return (
        ReportSubscription.objects.visible_to(actor)
        .filter(user=actor)
        .select_related("area")
        .order_by("area__code", "period")
    )
