"""/api/v1/calendar: the working-time calendar.

Reading the calendar and computing deadlines is open to every signed-in client (the official
holiday schedule is public); entering a year's schedule needs ``config.manage`` and goes through
:func:`gridgov.workcal.services.calendar_set_year`, like the web form.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.areas.api import ErrorOut
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.core.params import MAX_YEAR, MIN_YEAR, Day, Moment
from gridgov.workcal import selectors, services
from gridgov.workcal.models import CalendarYear

router = Router(tags=["calendar"])

MAX_DAYS = 3650
MAX_HOURS = 10000
AHEAD_DAYS = 60


class YearOut(Schema):
    year: int
    source: str = Field(description="package (chinesecalendar) or manual (an administrator)")
    published: date | None = Field(description="Date of the State Council's notice, if entered")
    notes: str
    holiday_count: int
    workday_count: int = Field(description="Make-up workdays (调休上班)")
    updated_at: datetime


class YearListOut(Schema):
    items: list[YearOut]
    missing_years: list[int] = Field(
        description=f"Years from today to {AHEAD_DAYS} days ahead with no schedule: their "
        "statutory holidays are assumed (no make-up workdays) until an administrator enters "
        "them."
    )


class HolidayPeriod(Schema):
    start: Day
    end: Day
    name: str = Field(max_length=50)


class MakeupDay(Schema):
    date: Day
    name: str = Field("", max_length=50)


class YearDetail(YearOut):
    holidays: list[HolidayPeriod]
    workdays: list[MakeupDay]


class YearIn(Schema):
    holidays: list[HolidayPeriod] = Field(max_length=100)
    workdays: list[MakeupDay] = Field(default_factory=list, max_length=100)
    notes: str = Field("", max_length=2000)
    published: Day | None = None


class DeadlineOut(Schema):
    start: datetime = Field(description="The start as given (in the working time zone)")
    counted_from: datetime = Field(
        description="The start moved to the next working period if it lay outside one"
    )
    amount: int
    unit: str
    deadline: datetime
    working_seconds: int = Field(description="Working time between counted_from and deadline")
    missing_years: list[int] = Field(
        description="Years between start and deadline with no official schedule (counted on "
        "their assumed statutory holidays, without make-up workdays): the deadline is "
        "provisional and may move once the schedule is entered"
    )


def _detail(cy: CalendarYear) -> dict[str, Any]:
    sched = selectors.year_schedule(cy.year)
    annotated = selectors.calendar_year_get(cy.year) or cy
    return {
        "year": cy.year,
        "source": cy.source,
        "published": cy.published,
        "notes": cy.notes,
        "holiday_count": getattr(annotated, "holiday_count", 0),
        "workday_count": getattr(annotated, "workday_count", 0),
        "updated_at": cy.updated_at,
        "holidays": [{"start": a, "end": b, "name": n} for a, b, n in sched.holidays],
        "workdays": [{"date": d, "name": n} for d, n in sched.workdays],
    }


@router.get("/years", response={200: YearListOut, codes_4xx: ErrorOut}, summary="Calendar years")
def year_list(request: HttpRequest) -> dict[str, Any]:
    """Every year with a schedule (newest first), and the years needed soon without one."""
    return {
        "items": list(selectors.calendar_years()),
        "missing_years": selectors.missing_years(ahead_days=AHEAD_DAYS),
    }


@router.get(
    "/years/{year}", response={200: YearDetail, codes_4xx: ErrorOut}, summary="A year's schedule"
)
def year_detail(
    request: HttpRequest,
    year: int = Path(..., ge=MIN_YEAR, le=MAX_YEAR, description=f"{MIN_YEAR}–{MAX_YEAR}"),
) -> dict[str, Any]:
    """Holiday periods and make-up workdays of `year`; 404 if it has no schedule."""
    cy = selectors.calendar_year_get(year)
    if cy is None:
        raise NotFound(_("There is no official schedule for %(year)d.") % {"year": year})
    return _detail(cy)


@router.put(
    "/years/{year}",
    response={200: YearDetail, codes_4xx: ErrorOut},
    summary="Enter a year's schedule",
)
def year_put(
    request: HttpRequest,
    payload: YearIn,
    year: int = Path(..., ge=MIN_YEAR, le=MAX_YEAR, description=f"{MIN_YEAR}–{MAX_YEAR}"),
) -> dict[str, Any]:
    """Store the schedule of `year` as published by the State Council (needs `config.manage`).
    Replaces what was there; the year then counts as entered by an administrator and later
    package updates leave it alone. List every day off of each holiday, weekends included."""
    cy = services.calendar_set_year(
        actor=getattr(request, "auth", None) or request.user,
        year=year,
        holidays=[(h.start, h.end, h.name) for h in payload.holidays],
        workdays=[(w.date, w.name) for w in payload.workdays],
        notes=payload.notes,
        published=payload.published,
    )
    return _detail(cy)


@router.get("/deadline", response={200: DeadlineOut, codes_4xx: ErrorOut}, summary="Deadline")
def deadline(
    request: HttpRequest,
    amount: int = Query(..., ge=0, le=MAX_HOURS),
    unit: Literal["hours", "days"] = Query("days"),
    start: Moment | None = None,
) -> dict[str, Any]:
    """The deadline `amount` working `unit` after `start` (ISO 8601, years
    1901–2100, default now). Working hours are 09:00–12:00 and
    13:30–17:30 (Asia/Shanghai) on working days; "N working days" is the same clock time on
    the N-th following working day."""
    if unit == "days" and amount > MAX_DAYS:
        msg = _("At most %(max)d working days.") % {"max": MAX_DAYS}
        raise ValidationFailed(msg, fields={"amount": msg})
    tz = selectors.work_timezone()
    if start is None:
        begin = timezone.now().astimezone(tz)
    elif timezone.is_naive(start):
        begin = start.replace(tzinfo=tz)
    else:
        begin = start.astimezone(tz)
    counted_from = selectors.next_work_start(begin)
    due = selectors.add_working_time(begin, amount, unit)
    return {
        "start": begin,
        "counted_from": counted_from,
        "amount": amount,
        "unit": unit,
        "deadline": due,
        "working_seconds": selectors.working_seconds_between(counted_from, due),
        "missing_years": selectors.unscheduled_years_between(begin, due),
    }
