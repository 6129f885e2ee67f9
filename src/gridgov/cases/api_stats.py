"""/api/v1/stats: the maintained case indicators of an area's subtree (``stats.view``).

``area`` defaults to the first top area of the caller's statistics jurisdiction; ``from`` and
``to`` (local dates, inclusive) default to this month up to today. Without ``stats.view``
anywhere the answer is 403; an area outside the jurisdiction is 404, as if it did not exist.
Rates are ``null`` when their denominator is zero (see :mod:`gridgov.cases.indicators`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.cases import indicators
from gridgov.core.params import Day, DbId
from gridgov.core.schemas import ErrorOut

router = Router(tags=["stats"])


class StatsAreaRef(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str


class Counts(Schema):
    reported: int = Field(description="上报数")
    accepted: int = Field(description="立案数")
    closed: int = Field(description="结案数 (closures; a reopened case closed again counts again)")
    closed_on_time: int
    signed: int
    signed_on_time: int
    replied: int
    reworked: int
    rated: int
    satisfied: int
    basic: int
    unsatisfied: int
    handle_seconds: int = Field(description="Sum of the time from 立案 to 办结, in seconds.")
    closed_grid: int
    closed_community: int
    closed_street: int
    closed_county: int = Field(description="Closed at the county or by a department.")
    closed_on_spot: int


class Rates(Schema):
    closed_rate: float | None = Field(description="结案率 = closed / accepted")
    closed_on_time_rate: float | None = Field(description="按期结案率 = closed_on_time / closed")
    signed_on_time_rate: float | None = Field(description="按时签收率 = signed_on_time / signed")
    rework_rate: float | None = Field(description="返工率 = reworked / replied")
    satisfaction_rate: float | None = Field(description="满意率 = (satisfied + basic) / rated")
    avg_handle_seconds: float | None = Field(description="平均办理时长 = handle_seconds / closed")
    share_grid: float | None
    share_community: float | None
    share_street: float | None
    share_county: float | None
    share_on_spot: float | None


class StockOut(Schema):
    open: int = Field(description="Cases not yet closed, rejected or merged, now.")
    overdue: int = Field(
        description="Open cases whose running deadline (sign-for or handling) has passed, now."
    )
    by_status: dict[str, int] = Field(description="Cases per status, now.")


class IndicatorsOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    counts: Counts
    rates: Rates
    stock: StockOut = Field(
        description="What holds now in the area's subtree, whatever the period (maintained "
        "counters, not a count over the cases)."
    )


class SeriesItem(Schema):
    period: date = Field(description="The day, or the first day of the month.")
    counts: Counts
    rates: Rates


class SeriesOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    granularity: str
    items: list[SeriesItem]


class BreakdownItem(Schema):
    area: StatsAreaRef
    counts: Counts
    rates: Rates


class BreakdownOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    items: list[BreakdownItem]


class PeriodIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your top area).")
    date_from: Day | None = Field(
        None, alias="from", description="First day (YYYY-MM-DD, years 1900–2100)."
    )
    to: Day | None = Field(
        None,
        description="Last day, inclusive (YYYY-MM-DD, years 1900–2100); at most three years "
        "after `from`.",
    )


def area_ref(area: Area) -> dict[str, Any]:
    return {
        "id": area.pk,
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "level_label": str(Level(area.level).label),
    }


def _resolve(request: HttpRequest, params: PeriodIn) -> tuple[Any, Area, date, date]:
    actor = getattr(request, "auth", None)
    if not scoping.has_perm_anywhere(actor, Perm.VIEW_STATS):
        scoping.require(actor, Perm.VIEW_STATS, None, what="stats")
    area = indicators.stats_area_get(actor=actor, pk=params.area)
    start, end = indicators.period_bounds("custom", date_from=params.date_from, date_to=params.to)
    return actor, area, start, end


_ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


@router.get("/indicators", response={200: IndicatorsOut, **_ERRORS})
def stats_indicators(request: HttpRequest, params: Query[PeriodIn]) -> dict[str, Any]:
    """Counts and rates of the area's subtree over the period."""
    actor, area, start, end = _resolve(request, params)
    result = indicators.indicators_for(actor=actor, area=area, date_from=start, date_to=end)
    stock = indicators.stock_now(actor=actor, area=area)
    return {"area": area_ref(area), "date_from": start, "date_to": end, **result, "stock": stock}


@router.get("/series", response={200: SeriesOut, **_ERRORS})
def stats_series(
    request: HttpRequest,
    params: Query[PeriodIn],
    granularity: Literal["day", "month"] = "day",
) -> dict[str, Any]:
    """The counts (and rates) per day or per month; every period of the range is present."""
    actor, area, start, end = _resolve(request, params)
    items = indicators.series_for(
        actor=actor, area=area, date_from=start, date_to=end, granularity=granularity
    )
    return {
        "area": area_ref(area),
        "date_from": start,
        "date_to": end,
        "granularity": granularity,
        "items": items,
    }


@router.get("/breakdown", response={200: BreakdownOut, **_ERRORS})
def stats_breakdown(request: HttpRequest, params: Query[PeriodIn]) -> dict[str, Any]:
    """The counts and rates of each direct child of the area."""
    actor, area, start, end = _resolve(request, params)
    rows = indicators.breakdown_for(actor=actor, area=area, date_from=start, date_to=end)
    return {
        "area": area_ref(area),
        "date_from": start,
        "date_to": end,
        "items": [{**r, "area": area_ref(r["area"])} for r in rows],
    }
