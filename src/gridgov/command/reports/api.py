"""/api/v1/command/reports: the periodic reports of an area (``stats.view``).

* ``GET /command/reports?area=&period=`` — the reports of the area (default: your top area),
  newest first, with their download links;
* ``POST /command/reports`` ``{area, period, date}`` — make the report of the period containing
  ``date`` now (made again if it exists: idempotent); 400 ``period_in_future`` for a period that
  has not started, 400 for a malformed date;
* ``POST /command/reports/subscriptions`` / ``DELETE …`` ``{area, period}`` — receive (or no
  longer receive) that report in your inbox when the scheduler makes it;
* ``GET /command/reports/subscriptions`` — your subscriptions.

Without ``stats.view`` anywhere: 403; an area outside your jurisdiction: 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.command.models.reports import Report, ReportPeriod, ReportSubscription
from gridgov.command.reports import selectors, services
from gridgov.core.errors import ValidationFailed
from gridgov.core.params import DbId, check_day
from gridgov.core.schemas import ErrorOut

router = Router(tags=["command"])
_ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


class AreaRef(Schema):
    id: int
    code: str
    name: str


class ReportOut(Schema):
    id: int
    area: AreaRef
    period: str = Field(description="day | week | month | quarter | year")
    period_label: str
    date_from: date = Field(description="First day of the period.")
    date_to: date = Field(description="Last day covered (today for a period still running).")
    complete: bool = Field(description="False while the period was still running (截至今日).")
    generated_at: str
    xlsx_url: str
    pdf_url: str


class ReportListOut(Schema):
    area: AreaRef
    reports: list[ReportOut]


class ListIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your top area).")
    period: str | None = Field(None, description="Only this period (day, week, month …).")


class GenerateIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your top area).")
    period: str = Field(description="day | week | month | quarter | year")
    date: str = Field(description="A day inside the period (YYYY-MM-DD).")


class SubscriptionIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your top area).")
    period: str = Field(description="day | week | month | quarter | year")


class SubscriptionOut(Schema):
    area: AreaRef
    period: str
    subscribed: bool


class SubscriptionListOut(Schema):
    subscriptions: list[SubscriptionOut]


def _area_ref(area: Any) -> dict[str, Any]:
    return {"id": area.pk, "code": area.code, "name": area.name}


def report_out(report: Report) -> dict[str, Any]:
    from gridgov.command.reports import periods

    return {
        "id": report.pk,
        "area": _area_ref(report.area),
        "period": report.period,
        "period_label": periods.label(report.period, report.date_from, report.date_to),
        "date_from": report.date_from,
        "date_to": report.date_to,
        "complete": bool((report.summary or {}).get("complete")),
        "generated_at": report.generated_at.isoformat(),
        "xlsx_url": reverse("command:reports_download", args=[report.pk, "xlsx"]),
        "pdf_url": reverse("command:reports_download", args=[report.pk, "pdf"]),
    }


def _actor(request: HttpRequest) -> Any:
    actor = getattr(request, "auth", None)
    if not scoping.has_perm_anywhere(actor, Perm.VIEW_STATS):
        scoping.require(actor, Perm.VIEW_STATS, None, what="reports")
    return actor


def parse_day(raw: str, *, name: str = "date") -> date:
    """A YYYY-MM-DD day, else 400 with a field message."""
    try:
        day = date.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        message = _("Enter a date as YYYY-MM-DD.")
        raise ValidationFailed(message, fields={name: message}) from None
    return check_day(day, name=name)


def parse_period(raw: str | None, *, required: bool = True) -> str | None:
    """A period name, else 400 with a field message (None when absent and not required)."""
    if not raw and not required:
        return None
    if raw not in ReportPeriod.values:
        message = _("Choose daily, weekly, monthly, quarterly or yearly.")
        raise ValidationFailed(message, fields={"period": message})
    return raw


@router.get("/reports", response={200: ReportListOut, **_ERRORS})
def reports_list(request: HttpRequest, params: Query[ListIn]) -> dict[str, Any]:
    """The reports of the area (newest period first, at most 200)."""
    actor = _actor(request)
    found = selectors.reports_area_get(actor=actor, pk=params.area)
    period = parse_period(params.period, required=False)
    rows = selectors.report_list(actor=actor, area=found, period=period)
    return {"area": _area_ref(found), "reports": [report_out(r) for r in rows]}


@router.post("/reports", response={200: ReportOut, **_ERRORS})
def reports_generate(request: HttpRequest, payload: GenerateIn) -> dict[str, Any]:
    """Make the report of the period containing ``date`` now (again, if it exists)."""
    actor = _actor(request)
    period = parse_period(payload.period)
    day = parse_day(payload.date)
    found = selectors.reports_area_get(actor=actor, pk=payload.area)
    report = services.report_generate(actor=actor, area=found, period=str(period), day=day)
    return report_out(report)


@router.get("/reports/subscriptions", response={200: SubscriptionListOut, **_ERRORS})
def reports_subscriptions(request: HttpRequest) -> dict[str, Any]:
    """Your subscriptions."""
    actor = _actor(request)
    subs: list[ReportSubscription] = list(selectors.subscriptions_of(actor=actor))
    return {
        "subscriptions": [
            {"area": _area_ref(s.area), "period": s.period, "subscribed": True} for s in subs
        ]
    }


@router.post("/reports/subscriptions", response={200: SubscriptionOut, **_ERRORS})
def reports_subscribe(request: HttpRequest, payload: SubscriptionIn) -> dict[str, Any]:
    """Receive the area's ``period`` report in your inbox (idempotent)."""
    actor = _actor(request)
    period = parse_period(payload.period)
    found = selectors.reports_area_get(actor=actor, pk=payload.area)
    services.subscription_add(actor=actor, area=found, period=str(period))
    return {"area": _area_ref(found), "period": period, "subscribed": True}


@router.delete("/reports/subscriptions", response={200: SubscriptionOut, **_ERRORS})
def reports_unsubscribe(request: HttpRequest, payload: SubscriptionIn) -> dict[str, Any]:
    """No longer receive it (idempotent)."""
    actor = _actor(request)
    period = parse_period(payload.period)
    found = selectors.reports_area_get(actor=actor, pk=payload.area)
    services.subscription_remove(actor=actor, area=found, period=str(period))
    return {"area": _area_ref(found), "period": period, "subscribed": False}
