"""The periods of the reports: day, week (Monday–Sunday), month, quarter, year.

A period is named by its kind and any date inside it; :func:`bounds` gives its first and last
day (local dates, inclusive). :func:`last_finished` is the period the scheduler reports on (the
one before the period containing today). :func:`resolve` checks a requested period against
today: a period that has not started is refused (400 ``period_in_future``); the current,
unfinished one is covered up to today (截至今日) and marked so in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from gridgov.command.models.reports import ReportPeriod
from gridgov.core.errors import Code, ValidationFailed
from gridgov.core.params import check_day

PERIODS: tuple[str, ...] = tuple(ReportPeriod.values)


@dataclass(frozen=True)
class Span:
    """A report's days: the period's bounds and the days it covers (``date_to`` is today for
    the unfinished current period)."""

    period: str
    start: date  # the period's first day
    end: date  # the period's last day
    date_to: date  # the last day covered: ``end``, or today while the period runs
    running: bool = False  # True: the period has not ended yet (截至今日)

    @property
    def complete(self) -> bool:
        return not self.running


def check_period_kind(period: str) -> str:
    if period not in PERIODS:
        message = _("Choose daily, weekly, monthly, quarterly or yearly.")
        raise ValidationFailed(message, fields={"period": message})
    return period


def bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the ``period`` containing ``day``."""
    check_period_kind(period)
    if period == ReportPeriod.DAY:
        return day, day
    if period == ReportPeriod.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == ReportPeriod.MONTH:
        start = day.replace(day=1)
        return start, _month_after(start) - timedelta(days=1)
    if period == ReportPeriod.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        after = start
        for _i in range(3):
            after = _month_after(after)
        return start, after - timedelta(days=1)
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


def _month_after(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else first.replace(month=first.month + 1)


def last_finished(period: str, today: date) -> tuple[date, date]:
    """The bounds of the last period that ended before ``today``."""
    start, _end = bounds(period, today)
    return bounds(period, start - timedelta(days=1))


def resolve(period: str, day: date, *, today: date) -> Span:
    """The span of the ``period`` containing ``day``: refused when it starts after ``today``,
    covered up to ``today`` while it runs."""
    check_day(day, name="date")
    start, end = bounds(period, day)
    if start > today:
        message = _("This period has not started yet; a report can only cover days that passed.")
        raise ValidationFailed(message, code=Code.PERIOD_IN_FUTURE, fields={"date": message})
    if end >= today:
        return Span(period=period, start=start, end=end, date_to=today, running=True)
    return Span(period=period, start=start, end=end, date_to=end)


def label(period: str, start: date, end: date) -> str:
    """A heading for the period: "2026年11月", "2026年第4季度", "2026年第48周 (11月23日–29日)" …"""
    if period == ReportPeriod.DAY:
        return _("%(y)d-%(m)02d-%(d)02d") % {"y": start.year, "m": start.month, "d": start.day}
    if period == ReportPeriod.WEEK:
        year, week, _wd = start.isocalendar()
        return _("Week %(w)d of %(y)d (%(from)s to %(to)s)") % {
            "w": week,
            "y": year,
            "from": start.isoformat(),
            "to": end.isoformat(),
        }
    if period == ReportPeriod.MONTH:
        return _("%(m)d/%(y)d") % {"m": start.month, "y": start.year}
    if period == ReportPeriod.QUARTER:
        return _("Q%(q)d %(y)d") % {"q": (start.month - 1) // 3 + 1, "y": start.year}
    return _("Year %(y)d") % {"y": start.year}
