"""The numbers of mediation (reads): per area from the kernel's counters, per mediator from the
dispute table.

Who may read them: ``stats.view`` **and** ``mediation.view`` at the area (community staff, the
street, the 综治中心 dispatchers, leaders); outside that, :class:`~gridgov.core.errors.NotFound`.

* :func:`indicators_for` — the area's figures for a period (flows: one index range of the
  kernel's flow rows) and now (stock: one index read): never a GROUP BY over the disputes;
* :func:`children_for` — the same for each active child area (two statements over the counter
  rows of the children);
* :func:`mediators_for` — per mediator, an aggregate over the disputes of the area's subtree
  (the ``area_path`` index), the only figures not kept as counters.

The rates (``None`` when the denominator is zero, shown as "—"):

* 受理率 ``accept_rate`` = accepted / registered
* 化解率 ``resolution_rate`` = resolved / (resolved + failed) — withdrawn and referred
  disputes are neither
* 协议履行率 ``performed_rate`` = performed / resolved
* 按期结案率 ``on_time_rate`` = closed_on_time / closed
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.indicators import check_period, period_bounds
from gridgov.core.errors import NotFound
from gridgov.kernel.counters.models import FlowCount
from gridgov.kernel.counters.readers import children_stock, flows_for, stock_for
from gridgov.mediation.choices import OPEN_STATES, Outcome, Performance, Risk
from gridgov.mediation.numbers.counting import FLOWS, KIND_NAME
from gridgov.workcal.selectors import work_timezone

__all__ = [
    "children_for",
    "indicators_for",
    "may_view",
    "mediators_for",
    "numbers_area_get",
    "numbers_areas_for",
    "period_bounds",
    "rates",
]

MEDIATOR_COUNTS: tuple[str, ...] = (
    "assigned",
    "resolved",
    "failed",
    "performed",
    "closed",
    "closed_on_time",
    "open",
    "high_risk_open",
)


def may_view(actor: Any, area: Area | None) -> bool:
    """May ``actor`` read the mediation numbers of ``area`` (``None``: anywhere)?"""
    if area is None:
        return scoping.has_perm_anywhere(actor, Perm.VIEW_STATS) and scoping.has_perm_anywhere(
            actor, Perm.MEDIATION_VIEW
        )
    return scoping.can(actor, Perm.VIEW_STATS, area) and scoping.can(
        actor, Perm.MEDIATION_VIEW, area
    )


def _require(actor: Any, area: Area) -> None:
    if not may_view(actor, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))


def numbers_areas_for(*, actor: Any) -> list[Area]:
    """The top areas where ``actor`` may read the numbers (the area picker's roots)."""
    return [a for a in scoping.jurisdiction_roots(actor, Perm.VIEW_STATS) if may_view(actor, a)]


def numbers_area_get(*, actor: Any, pk: int | None) -> Area:
    """The area ``pk`` if ``actor`` may read its numbers (NotFound otherwise); without ``pk``
    the first top area of their jurisdiction."""
    if pk is None:
        roots = numbers_areas_for(actor=actor)
        if not roots:
            raise NotFound(_("Not found, or outside your jurisdiction."))
        return roots[0]
    area = Area.objects.filter(pk=pk).defer("geometry").first()
    if area is None:
        raise NotFound(_("Not found, or outside your jurisdiction."))
    _require(actor, area)
    return area


def _ratio(num: int, den: int) -> float | None:
    return None if not den else num / den


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    """The rates of summed counts (see the module docstring)."""
    resolved = counts.get("resolved", 0)
    return {
        "accept_rate": _ratio(counts.get("accepted", 0), counts.get("registered", 0)),
        "resolution_rate": _ratio(resolved, resolved + counts.get("failed", 0)),
        "performed_rate": _ratio(counts.get("performed", 0), resolved),
        "on_time_rate": _ratio(counts.get("closed_on_time", 0), counts.get("closed", 0)),
    }


def _stock_out(stock: dict[str, int]) -> dict[str, Any]:
    return {
        "open": stock.get("open", 0),
        "overdue": stock.get("overdue", 0),
        "high_risk_open": stock.get("high_risk_open", 0),
        "by_status": {
            key.split(":", 1)[1]: value for key, value in stock.items() if key.startswith("status:")
        },
    }


def indicators_for(*, actor: Any, area: Area, date_from: date, date_to: date) -> dict[str, Any]:
    """``{"counts", "rates", "stock"}`` of ``area``'s subtree: the flows of the days
    ``date_from`` … ``date_to`` and the stock now (two index reads of the counters)."""
    _require(actor, area)
    check_period(date_from, date_to)
    counts = flows_for(KIND_NAME, area, date_from, date_to)
    return {
        "counts": counts,
        "rates": rates(counts),
        "stock": _stock_out(stock_for(KIND_NAME, area)),
    }


def children_for(*, actor: Any, area: Area, date_from: date, date_to: date) -> list[dict[str, Any]]:
    """The figures of each active child of ``area``, in code order: ``{"area_id", "code",
    "name", "counts", "rates", "stock"}`` — the children's stock rows (one statement) and their
    flow rows of the period (one statement over the counter table)."""
    _require(actor, area)
    check_period(date_from, date_to)
    children = children_stock(KIND_NAME, area)
    sums: dict[int, dict[str, int]] = {}
    if children:
        rows = (
            FlowCount.objects.filter(
                kind=KIND_NAME,
                area_id__in=[c["area_id"] for c in children],
                day__gte=date_from,
                day__lte=date_to,
            )
            .values("area_id", "name")
            .annotate(total=Sum("value"))
            .order_by()
        )
        for row in rows:
            sums.setdefault(row["area_id"], {})[row["name"]] = int(row["total"] or 0)
    result = []
    for child in children:
        counts = {name: sums.get(child["area_id"], {}).get(name, 0) for name in FLOWS}
        result.append(
            {
                "area_id": child["area_id"],
                "code": child["code"],
                "name": child["name"],
                "counts": counts,
                "rates": rates(counts),
                "stock": _stock_out(child["stock"]),
            }
        )
    return result


def local_range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The aware moments [start of ``date_from``, start of the day after ``date_to``)."""
    tz = work_timezone()
    return (
        datetime.combine(date_from, time.min, tzinfo=tz),
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
    )


def mediators_for(
    *, actor: Any, area: Area, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """Per mediator of the disputes in ``area``'s subtree: ``{"mediator_id", "name", "counts",
    "rates"}``, most assigned first. One aggregate over the subtree's disputes (the
    ``area_path`` index): assigned, resolved (agreement), failed, performed (agreements of the
    period fully performed), closed and closed on time in the period; open and high-risk open
    now."""
    from gridgov.mediation.models import Dispute

    _require(actor, area)
    check_period(date_from, date_to)
    start, end = local_range(date_from, date_to)

    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    agreed = within("outcome_at") & Q(outcome=Outcome.AGREEMENT)
    on_time = Q(due_at__isnull=True) | Q(outcome_at__isnull=True, closed_at__lte=F("due_at"))
    on_time |= Q(outcome_at__lte=F("due_at"))
    is_open = Q(status__in=list(OPEN_STATES))
    rows = (
        Dispute.objects.filter(
            area_path__startswith=area.path, mediator__isnull=False, registered_at__lt=end
        )
        .values("mediator_id", "mediator__name")
        .annotate(
            assigned=Count("pk", filter=within("assigned_at")),
            resolved=Count("pk", filter=agreed),
            failed=Count("pk", filter=within("outcome_at") & Q(outcome=Outcome.NO_AGREEMENT)),
            performed=Count("pk", filter=agreed & Q(performance=Performance.FULL)),
            closed=Count("pk", filter=within("closed_at")),
            closed_on_time=Count("pk", filter=within("closed_at") & on_time),
            open=Count("pk", filter=is_open),
            high_risk_open=Count("pk", filter=is_open & Q(risk=Risk.RED)),
        )
        .order_by()
    )
    result: list[dict[str, Any]] = []
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts = {name: int(values[name]) for name in MEDIATOR_COUNTS}
        if not any(counts.values()):
            continue
        result.append(
            {
                "mediator_id": values["mediator_id"],
                "name": values["mediator__name"],
                "counts": counts,
                "rates": rates(counts),
            }
        )
    result.sort(key=lambda r: (-r["counts"]["assigned"], -r["counts"]["open"], r["name"]))
    return result
