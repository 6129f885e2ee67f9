"""Reads of the working-time calendar: working days, working hours, deadlines.

The rules
---------
* **Working day**: a day the official schedule marks as a make-up workday (调休上班), or a
  Monday–Friday that the schedule does not mark as a holiday. A year that has no schedule (no
  :class:`~gridgov.workcal.models.CalendarYear`) is *assumed*: its statutory holidays
  (:mod:`gridgov.workcal.assumed`: 元旦, 春节 from 除夕 …, with 补假 for those on a weekend)
  are not working days, every other Monday–Friday is. Such a year is reported in
  :func:`missing_years` (the calendar page, the daily job that puts it into the
  administrators' inbox, :mod:`gridgov.workcal.notices`), and a deadline counted over it is
  *provisional* (:mod:`gridgov.cases.services.deadlines`) until the schedule is entered.
* **Working hours**: on a working day, the periods of ``settings.GRIDGOV_WORK_HOURS``
  (default ``(("09:00", "12:00"), ("13:30", "17:30"))``) in the time zone
  ``settings.GRIDGOV_WORK_TIMEZONE`` (``TIME_ZONE``, from ``GRIDGOV_TIME_ZONE``). A moment ``t`` lies inside a
  period when ``start <= t < end``.
* **Snapping**: a start outside working hours (at night, over lunch, on a weekend or holiday,
  or exactly at the end of a period) first moves to the start of the next working period.
* **N working days** = the same clock time as the (snapped) start, on the N-th following
  working day. Example: signed for on Monday 30 Sep 2024 at 10:00, 1 working day → Tuesday
  8 Oct 2024 10:00 (1–7 Oct is the National Day holiday); signed for on Saturday → counted
  from the next working day's 09:00.
* **N working hours** count only time inside working periods; a deadline that falls exactly
  at the end of a period is that end (12:00, 17:30), not the start of the next one.
* ``working_seconds_between(a, b)`` is the working time from ``a`` to ``b`` in seconds,
  negative when ``b`` lies before ``a``; ``add_working_seconds(a, s)`` is its inverse.

Naive datetimes are taken as local time in the working time zone; results are aware datetimes
in that zone.

Speed
-----
The day table (the stored days of every year, ~40 rows a year) is held in-process and rebuilt
when :class:`~gridgov.workcal.models.CalendarRevision` moves on. A change made in this process
invalidates it at once; another process notices at its next look-up after one second.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time as _time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gridgov.workcal.assumed import assumed_holidays
from gridgov.workcal.models import CalendarDay, CalendarRevision, CalendarYear

logger = logging.getLogger("gridgov.workcal")

DEFAULT_WORK_HOURS: tuple[tuple[str, str], ...] = (("09:00", "12:00"), ("13:30", "17:30"))
DEFAULT_TIMEZONE = "Asia/Shanghai"

UNITS = ("hours", "days")


# ---------------------------------------------------------------------------------------------
# The in-process day table
# ---------------------------------------------------------------------------------------------


@dataclass
class DayTable:
    revision: int
    years: frozenset[int]
    exceptions: dict[date, bool]  # stored days: date -> is_workday
    reported: set[int] = field(default_factory=set)
    assumed: dict[int, frozenset[date]] = field(default_factory=dict)

    def is_workday(self, day: date) -> bool:
        stored = self.exceptions.get(day)
        if stored is not None:
            return stored
        if day.year not in self.years and day in self._assumed(day.year):
            return False
        return day.weekday() < 5

    def _assumed(self, year: int) -> frozenset[date]:
        days = self.assumed.get(year)
        if days is None:
            days = self.assumed[year] = frozenset(assumed_holidays(year))
            if year not in self.reported:
                self.reported.add(year)
                logger.warning(
                    "working-time calendar: no schedule for %d; assuming the statutory "
                    "holidays until an administrator enters it",
                    year,
                )
        return days

    def assuming(self, years: Iterable[int]) -> DayTable:
        """This table as it was while ``years`` had no schedule (their assumed holidays)."""
        gone = frozenset(years)
        return DayTable(
            revision=self.revision,
            years=self.years - gone,
            exceptions={d: w for d, w in self.exceptions.items() if d.year not in gone},
            reported=set(self.years | gone),
        )


def current_revision() -> int:
    row = CalendarRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return int(row or 0)


class DayTableCache:
    """Process-wide holder of the current :class:`DayTable` (see the module docstring)."""

    def __init__(self, check_interval: float = 1.0) -> None:
        self.check_interval = check_interval
        self._table: DayTable | None = None
        # Never checked: -inf, not 0.0 — the monotonic clock counts from boot, and on a
        # machine up for less than check_interval 0.0 looked like a fresh check.
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._checked_at = -math.inf

    def reset(self) -> None:
        with self._lock:
            self._table = None
            self._checked_at = -math.inf

    def table(self) -> DayTable:
        tbl = self._table
        if tbl is not None and _time.monotonic() - self._checked_at < self.check_interval:
            return tbl
        with self._lock:
            revision = current_revision()
            if self._table is None or self._table.revision != revision:
                self._table = self._build(revision)
            self._checked_at = _time.monotonic()
            return self._table

    @staticmethod
    def _build(revision: int) -> DayTable:
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
        return DayTable(revision=revision, years=years, exceptions=exceptions)


cache = DayTableCache()


# ---------------------------------------------------------------------------------------------
# Working hours
# ---------------------------------------------------------------------------------------------


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    hh, mm = str(value).strip().split(":")[:2]
    return time(int(hh), int(mm))


_hours_memo: tuple[Any, tuple[tuple[time, time], ...]] | None = None


def work_periods() -> tuple[tuple[time, time], ...]:
    """The working periods of a working day, as (start, end) local times, in order."""
    global _hours_memo
    raw = getattr(settings, "GRIDGOV_WORK_HOURS", DEFAULT_WORK_HOURS)
    memo = _hours_memo
    if memo is not None and memo[0] is raw:
        return memo[1]
    periods = tuple(sorted((_parse_time(a), _parse_time(b)) for a, b in raw))
    if not periods or any(a >= b for a, b in periods):
        raise ValueError("GRIDGOV_WORK_HOURS must be non-empty (start, end) pairs, start < end")
    for (_a1, b1), (a2, _b2) in itertools.pairwise(periods):
        if a2 < b1:
            raise ValueError("GRIDGOV_WORK_HOURS periods must not overlap")
    _hours_memo = (raw, periods)
    return periods


_zone_memo: tuple[str, ZoneInfo] | None = None


def work_timezone() -> ZoneInfo:
    global _zone_memo
    key = getattr(settings, "GRIDGOV_WORK_TIMEZONE", DEFAULT_TIMEZONE)
    memo = _zone_memo
    if memo is None or memo[0] != key:
        memo = _zone_memo = (key, ZoneInfo(key))
    return memo[1]


def seconds_per_workday() -> int:
    return sum(_secs(b) - _secs(a) for a, b in work_periods())


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _local(dt: datetime, tz: ZoneInfo) -> datetime:
    if timezone.is_naive(dt):
        return dt.replace(tzinfo=tz)
    return dt.astimezone(tz)


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz)


# Guard against runaway loops (a misconfigured table with no working day at all).
_MAX_SCAN_DAYS = 3660


def _next_workday(table: DayTable, day: date) -> date:
    for _ in range(_MAX_SCAN_DAYS):
        day += timedelta(days=1)
        if table.is_workday(day):
            return day
    raise RuntimeError("no working day within ten years")


def _snap(table: DayTable, periods: Sequence[tuple[time, time]], dt: datetime) -> datetime:
    """``dt`` if inside a working period, else the start of the next working period."""
    tz = dt.tzinfo
    assert isinstance(tz, ZoneInfo)
    day = dt.date()
    if table.is_workday(day):
        t = dt.timetz().replace(tzinfo=None)
        for a, b in periods:
            if t < a:
                return _at(day, a, tz)
            if t < b:
                return dt
    return _at(_next_workday(table, day), periods[0][0], tz)


# ---------------------------------------------------------------------------------------------
# The contract (see /work/brief/CONTRACT.md, "CAL")
# ---------------------------------------------------------------------------------------------


def is_workday(day: date) -> bool:
    """Is ``day`` a working day on the official calendar (see the module docstring)?"""
    return cache.table().is_workday(day)


def next_work_start(moment: datetime) -> datetime:
    """``moment`` if it lies inside working hours, else the start of the next working period."""
    tz = work_timezone()
    return _snap(cache.table(), work_periods(), _local(moment, tz))


def add_working_time(start: datetime, amount: int, unit: str) -> datetime:
    """The deadline ``amount`` working ``unit`` ("hours" or "days") after ``start``."""
    unit = str(unit)
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected 'hours' or 'days'")
    amount = int(amount)
    if amount < 0:
        raise ValueError("amount must not be negative")
    tz = work_timezone()
    table = cache.table()
    periods = work_periods()
    cur = _snap(table, periods, _local(start, tz))
    if unit == "days":
        day = cur.date()
        for _ in range(amount):
            day = _next_workday(table, day)
        return _at(day, cur.timetz().replace(tzinfo=None), tz)
    return _add_seconds(table, periods, cur, float(amount * 3600))


def add_working_seconds(
    start: datetime, seconds: float, *, table: DayTable | None = None
) -> datetime:
    """``start`` plus ``seconds`` of working time (``start`` itself, localised, if ``seconds``
    is not positive). The inverse of :func:`working_seconds_between` for a start inside working
    hours; used to move a deadline by the working time a case was suspended. ``table``: another
    day table than the current one (see :meth:`DayTable.assuming`)."""
    tz = work_timezone()
    local = _local(start, tz)
    if seconds <= 0:
        return local
    table = table or cache.table()
    periods = work_periods()
    return _add_seconds(table, periods, _snap(table, periods, local), float(seconds))


def _add_seconds(
    table: DayTable, periods: Sequence[tuple[time, time]], cur: datetime, remaining: float
) -> datetime:
    """``cur`` (inside a working period) plus ``remaining`` seconds of working time."""
    tz = cur.tzinfo
    assert isinstance(tz, ZoneInfo)
    per_day = seconds_per_workday()
    day = cur.date()
    # Rest of the first (working) day; keeps the start's seconds and microseconds.
    for a, b in periods:
        period_end = _at(day, b, tz)
        if cur >= period_end:
            continue
        begin = max(cur, _at(day, a, tz))
        available = (period_end - begin).total_seconds()
        if remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= available
    # Whole working days, then the last one period by period.
    while True:
        day = _next_workday(table, day)
        if remaining > per_day:
            remaining -= per_day
            continue
        for a, b in periods:
            a_s, b_s = _secs(a), _secs(b)
            if remaining <= b_s - a_s:
                return _at(day, time(), tz) + timedelta(seconds=a_s + remaining)
            remaining -= b_s - a_s


def _day_seconds_between(periods: Iterable[tuple[time, time]], lo: int, hi: int) -> int:
    total = 0
    for a, b in periods:
        s, e = max(_secs(a), lo), min(_secs(b), hi)
        if e > s:
            total += e - s
    return total


def working_seconds_between(
    start: datetime, end: datetime, *, table: DayTable | None = None
) -> int:
    """Working time from ``start`` to ``end`` in whole seconds (negative if ``end < start``)."""
    tz = work_timezone()
    a, b = _local(start, tz), _local(end, tz)
    if b < a:
        return -working_seconds_between(b, a, table=table)
    table = table or cache.table()
    periods = work_periods()
    full = 86400
    a_day, b_day = a.date(), b.date()
    a_tod = _secs(a.timetz())
    b_tod = _secs(b.timetz())
    if a_day == b_day:
        if not table.is_workday(a_day):
            return 0
        return _day_seconds_between(periods, a_tod, b_tod)
    total = 0
    if table.is_workday(a_day):
        total += _day_seconds_between(periods, a_tod, full)
    if table.is_workday(b_day):
        total += _day_seconds_between(periods, 0, b_tod)
    per_day = seconds_per_workday()
    day = a_day + timedelta(days=1)
    while day < b_day:
        if table.is_workday(day):
            total += per_day
        day += timedelta(days=1)
    return total


def missing_years(*, ahead_days: int = 60, today: date | None = None) -> list[int]:
    """Years from today to ``ahead_days`` ahead that have no schedule in the calendar."""
    if today is None:
        today = timezone.now().astimezone(work_timezone()).date()
    last = today + timedelta(days=max(0, ahead_days))
    known = cache.table().years
    return [y for y in range(today.year, last.year + 1) if y not in known]


# ---------------------------------------------------------------------------------------------
# Reads for the calendar pages and API (configuration: not scoped by area; the views check
# Perm.MANAGE_CONFIG anywhere)
# ---------------------------------------------------------------------------------------------


def calendar_years() -> QuerySet[CalendarYear]:
    """Every year with a schedule, newest first, with its number of holidays and make-up days."""
    return CalendarYear.objects.select_related("updated_by").annotate(
        holiday_count=Count("days", filter=Q(days__is_workday=False)),
        workday_count=Count("days", filter=Q(days__is_workday=True)),
    )


def calendar_year_get(year: int) -> CalendarYear | None:
    return calendar_years().filter(year=year).first()


def calendar_days(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


@dataclass(frozen=True)
class Schedule:
    """A year's schedule in the shape administrators enter it."""

    holidays: list[tuple[date, date, str]]  # consecutive days with the same name, grouped
    workdays: list[tuple[date, str]]


def year_schedule(year: int) -> Schedule:
    return _grouped((d.date, d.is_workday, d.name) for d in calendar_days(year))


def assumed_schedule(year: int) -> Schedule:
    """The holidays assumed for a year without a schedule (:mod:`gridgov.workcal.assumed`)."""
    return _grouped((d, False, n) for d, n in assumed_holidays(year).items())


def _grouped(days: Iterable[tuple[date, bool, str]]) -> Schedule:
    holidays: list[tuple[date, date, str]] = []
    workdays: list[tuple[date, str]] = []
    for day_date, is_work, day_name in days:
        if is_work:
            workdays.append((day_date, day_name))
            continue
        if holidays:
            start, end, name = holidays[-1]
            if name == day_name and end + timedelta(days=1) == day_date:
                holidays[-1] = (start, day_date, name)
                continue
        holidays.append((day_date, day_date, day_name))
    return Schedule(holidays=holidays, workdays=workdays)


def unscheduled_years_between(start: datetime, end: datetime) -> list[int]:
    """Years from ``start`` to ``end`` (either order) that have no schedule."""
    tz = work_timezone()
    a, b = sorted((_local(start, tz).year, _local(end, tz).year))
    known = cache.table().years
    return [y for y in range(a, b + 1) if y not in known]


@dataclass(frozen=True)
class GridDay:
    day: date
    in_month: bool
    is_workday: bool
    kind: str  # "holiday" | "makeup" | "weekend" | "workday"
    name: str


def month_grid(year: int) -> list[tuple[int, list[list[GridDay]]]]:
    """The year as (month, weeks of Monday-first days) for the calendar page."""
    import calendar as _cal

    stored: dict[date, tuple[bool, str]] = {
        d: (w, n)
        for d, w, n in CalendarDay.objects.filter(date__year=year).values_list(
            "date", "is_workday", "name"
        )
    }
    if not CalendarYear.objects.filter(year=year).exists():
        stored = {d: (False, n) for d, n in assumed_holidays(year).items()}
    cal = _cal.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            row = []
            for d in week:
                s = stored.get(d) if d.year == year else None
                if s is not None:
                    kind = "makeup" if s[0] else "holiday"
                    row.append(GridDay(d, d.month == month, s[0], kind, s[1]))
                else:
                    weekend = d.weekday() >= 5
                    kind = "weekend" if weekend else "workday"
                    row.append(GridDay(d, d.month == month, not weekend, kind, ""))
            weeks.append(row)
        months.append((month, weeks))
    return months
