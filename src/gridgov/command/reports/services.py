"""Writes of the reports: generating one (Excel + PDF), subscribing and unsubscribing.

Who may: ``stats.view`` at the area (a person without it anywhere: 403, audited; an area
outside their statistics jurisdiction: 404). ``actor=None`` is the scheduler.

:func:`report_generate` keeps one :class:`~gridgov.command.models.Report` per (area, period,
first day). Generating again replaces its files atomically: the new files are written first
(under new names), then the row is switched to them in one short transaction, and the old files
are removed once that commits — a reader downloads either the old report or the new one, never
a half-written file, and a retried request just makes the same report again.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.indicators import local_today
from gridgov.command.models.reports import Report, ReportSubscription
from gridgov.command.reports import periods
from gridgov.command.reports.build import build_files
from gridgov.core.errors import NotFound

logger = logging.getLogger("gridgov.command.reports")


def require_stats(actor: Any, area: Area) -> None:
    """Refuse a person who may not view ``area``'s statistics: 403 (audited) without
    ``stats.view`` anywhere, 404 outside their jurisdiction. The scheduler (None) passes."""
    if actor is None:
        return
    if not scoping.has_perm_anywhere(actor, Perm.VIEW_STATS):
        scoping.require(actor, Perm.VIEW_STATS, None, what="reports")
    if not scoping.can(actor, Perm.VIEW_STATS, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))


def file_stem(area: Area, period: str, start: date) -> str:
    """The download name of a report, without extension: 640110-月报-2026-11-01."""
    from gridgov.command.models.reports import ReportPeriod

    return f"{area.code}-{area.name}-{ReportPeriod(period).label}-{start.isoformat()}"


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not remove the old report file %s", name)


def report_generate(*, actor: Any, area: Area, period: str, day: date) -> Report:
    """Make (or make again) the ``period`` report of ``area`` for the period containing
    ``day``: 400 for a period that has not started (``period_in_future``); the running period
    is covered up to today and says so."""
    periods.check_period_kind(period)
    require_stats(actor, area)
    today = local_today()
    span = periods.resolve(period, day, today=today)
    now = timezone.now()
    xlsx, pdf, summary = build_files(actor=actor, area=area, span=span, today=today, now=now)

    # The new files first, under names of their own.
    stem = f"{area.code}-{period}-{span.start:%Y%m%d}"
    staged = Report(area=area, period=period, date_from=span.start)
    staged.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    staged.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    new_names = [staged.xlsx.name, staged.pdf.name]
    try:
        try:
            return _swap(area, period, span, now, summary, staged)
        except IntegrityError:
            # Two requests created the row at once: the other one won; switch that row.
            return _swap(area, period, span, now, summary, staged)
    except BaseException:
        _delete_files(new_names)
        raise


def _swap(
    area: Area,
    period: str,
    span: periods.Span,
    now: Any,
    summary: dict[str, Any],
    staged: Report,
) -> Report:
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(area=area, period=period, date_from=span.start)
            .first()
        )
        old: list[str] = []
        if report is None:
            report = Report(area=area, period=period, date_from=span.start)
        else:
            old = [report.xlsx.name, report.pdf.name]
            # Delivery to the subscribers happened (or not) for this period, whatever the files.
            summary = {**summary, "delivered": bool((report.summary or {}).get("delivered"))}
        report.date_to = span.date_to
        report.generated_at = now
        report.xlsx.name = staged.xlsx.name
        report.pdf.name = staged.pdf.name
        report.summary = summary
        report.save()
        if old:
            transaction.on_commit(lambda: _delete_files(old), robust=True)
    return report


def report_mark_delivered(*, report: Report) -> None:
    """Record that the subscribers were told (the scheduler; not a person's action)."""
    with transaction.atomic():
        row = Report.objects.select_for_update().get(pk=report.pk)
        row.summary = {**(row.summary or {}), "delivered": True}
        row.save(update_fields=["summary"])
    report.summary = row.summary


def subscription_add(*, actor: Any, area: Area, period: str) -> ReportSubscription:
    """Subscribe ``actor`` to the ``period`` reports of ``area`` (idempotent)."""
    periods.check_period_kind(period)
    require_stats(actor, area)
    with transaction.atomic():
        sub, _created = ReportSubscription.objects.get_or_create(
            user=actor, area=area, period=period
        )
    return sub


def subscription_remove(*, actor: Any, area: Area, period: str) -> bool:
    """End ``actor``'s subscription (idempotent); True when there was one."""
    periods.check_period_kind(period)
    require_stats(actor, area)
    with transaction.atomic():
        deleted, _rows = ReportSubscription.objects.filter(
            user=actor, area=area, period=period
        ).delete()
    return bool(deleted)
