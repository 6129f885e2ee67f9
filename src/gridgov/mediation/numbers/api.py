"""/api/v1/mediation/stats/…: the mediation figures of an area's subtree as JSON (``stats.view``
and ``mediation.view``), the same as the page /mediation/stats/.

``area`` defaults to the first top area of the caller's jurisdiction; ``from`` and ``to`` (local
dates, inclusive) to this month up to today. Without the rights anywhere the answer is 403; an
area outside the jurisdiction is 404, as if it did not exist. Rates are ``null`` when their
denominator is zero (see :mod:`gridgov.mediation.numbers.selectors`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.api_stats import PeriodIn, StatsAreaRef, area_ref
from gridgov.core.schemas import ErrorOut
from gridgov.mediation.numbers import selectors

router = Router(tags=["mediation"])


class NumbersCounts(Schema):
    registered: int = Field(description="排查登记 (disputes found and registered)")
    accepted: int = Field(description="受理")
    referred: int = Field(description="不予受理, 移交其他部门")
    resolved: int = Field(description="调解成功 (化解)")
    failed: int = Field(description="调解不成")
    withdrawn: int
    closed: int = Field(description="结案")
    closed_on_time: int = Field(description="结案, outcome reached by the deadline")
    performed: int = Field(description="Agreements found fully performed at a follow-up visit")


class NumbersRates(Schema):
    accept_rate: float | None = Field(description="受理率 = accepted / registered")
    resolution_rate: float | None = Field(description="化解率 = resolved / (resolved + failed)")
    performed_rate: float | None = Field(description="协议履行率 = performed / resolved")
    on_time_rate: float | None = Field(description="按期结案率 = closed_on_time / closed")


class NumbersStock(Schema):
    open: int = Field(description="Disputes that still need work, now.")
    overdue: int = Field(description="Open disputes past their deadline, now.")
    high_risk_open: int = Field(description="Open disputes of high risk (red), now.")
    by_status: dict[str, int] = Field(description="Disputes per status, now.")


class NumbersOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    counts: NumbersCounts
    rates: NumbersRates
    stock: NumbersStock = Field(
        description="What holds now in the area's subtree, whatever the period (maintained "
        "counters, not a count over the disputes)."
    )


class NumbersChildRow(Schema):
    area: StatsAreaRef
    counts: NumbersCounts
    rates: NumbersRates
    stock: NumbersStock


class NumbersChildrenOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    items: list[NumbersChildRow]


class NumbersMediatorCounts(Schema):
    assigned: int = Field(description="Disputes assigned to the mediator in the period")
    resolved: int
    failed: int
    performed: int = Field(description="Agreements of the period fully performed")
    closed: int
    closed_on_time: int
    open: int = Field(description="Open now")
    high_risk_open: int = Field(description="Open and red now")


class NumbersMediatorRow(Schema):
    mediator_id: int
    name: str
    counts: NumbersMediatorCounts
    rates: NumbersRates


class NumbersMediatorsOut(Schema):
    area: StatsAreaRef
    date_from: date
    date_to: date
    items: list[NumbersMediatorRow]


_ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


def _resolve(request: HttpRequest, params: PeriodIn) -> tuple[Any, Area, date, date]:
    actor = getattr(request, "auth", None)
    if not selectors.may_view(actor, None):
        perm = (
            Perm.MEDIATION_VIEW
            if scoping.has_perm_anywhere(actor, Perm.VIEW_STATS)
            else Perm.VIEW_STATS
        )
        scoping.require(actor, perm, None, what="mediation_stats")
    area = selectors.numbers_area_get(actor=actor, pk=params.area)
    start, end = selectors.period_bounds("custom", date_from=params.date_from, date_to=params.to)
    return actor, area, start, end


@router.get("/stats/indicators", response={200: NumbersOut, **_ERRORS})
def mediation_stats_indicators(request: HttpRequest, params: Query[PeriodIn]) -> dict[str, Any]:
    """Counts and rates of the area's subtree over the period, and the stock now."""
    actor, area, start, end = _resolve(request, params)
    result = selectors.indicators_for(actor=actor, area=area, date_from=start, date_to=end)
    return {"area": area_ref(area), "date_from": start, "date_to": end, **result}


@router.get("/stats/breakdown", response={200: NumbersChildrenOut, **_ERRORS})
def mediation_stats_breakdown(request: HttpRequest, params: Query[PeriodIn]) -> dict[str, Any]:
    """The same figures for each direct child of the area."""
    actor, area, start, end = _resolve(request, params)
    rows = selectors.children_for(actor=actor, area=area, date_from=start, date_to=end)
    children = {
        a.pk: a for a in Area.objects.filter(pk__in=[r["area_id"] for r in rows]).defer("geometry")
    }
    items = [
        {
            "area": area_ref(children[r["area_id"]]),
            "counts": r["counts"],
            "rates": r["rates"],
            "stock": r["stock"],
        }
        for r in rows
    ]
    return {"area": area_ref(area), "date_from": start, "date_to": end, "items": items}


@router.get("/stats/mediators", response={200: NumbersMediatorsOut, **_ERRORS})
def mediation_stats_mediators(request: HttpRequest, params: Query[PeriodIn]) -> dict[str, Any]:
    """Per mediator of the area's disputes: assigned, resolved, not settled, performed, closed
    (on time) in the period; open and high-risk open now."""
    actor, area, start, end = _resolve(request, params)
    items = selectors.mediators_for(actor=actor, area=area, date_from=start, date_to=end)
    return {"area": area_ref(area), "date_from": start, "date_to": end, "items": items}
