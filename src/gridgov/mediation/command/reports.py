"""mediation: command-centre reports (see gridgov.command.registry).

One section of the periodic reports: the disputes of the period (registered, accepted,
resolved, failed, closed on time …) and now (open, overdue, high-risk), with the rates and
their formulas (:mod:`gridgov.mediation.numbers.selectors`), the same for each child area, the
children ranked on the registered mediation measures, and the screening (摸排) returns due in
the period.

The dispute figures come from the kernel's counters (kind ``"disputes"``: flows in
:class:`~gridgov.kernel.counters.models.FlowCount`, stock in ``StockCount``): one index read
for the area, two statements for all its children. Screening coverage is the one figure not
kept as a counter: one aggregate over the returns of the rounds due in the period within the
area's subtree (a return per grid and round — bounded by the grids, never by the disputes).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.command.registry import ReportSection, Scope, register_report_section
from gridgov.command.reports.fmt import pct
from gridgov.command.reports.rankings import rankings
from gridgov.kernel.counters.models import FlowCount
from gridgov.kernel.counters.readers import children_stock, flows_for, stock_for
from gridgov.mediation.numbers.counting import FLOWS, KIND_NAME
from gridgov.mediation.numbers.selectors import rates


def _formulas() -> list[dict[str, str]]:
    return [
        {"name": _("Disputes registered"), "formula": _("disputes registered in the period")},
        {
            "name": _("Disputes resolved"),
            "formula": _("disputes that reached an agreement in the period"),
        },
        {"name": _("Acceptance rate"), "formula": _("accepted ÷ registered × 100%")},
        {
            "name": _("Resolution rate"),
            "formula": _(
                "resolved ÷ (resolved + mediation failed) × 100%; withdrawn and referred "
                "disputes count in neither"
            ),
        },
        {"name": _("Agreements performed"), "formula": _("fully performed ÷ resolved × 100%")},
        {
            "name": _("Disputes closed on time"),
            "formula": _("closed on time ÷ closed × 100%"),
        },
        {
            "name": _("High-risk disputes open now"),
            "formula": _("open disputes rated red, at the time the report was made"),
        },
        {
            "name": _("Screening coverage"),
            "formula": _(
                "grid returns filed ÷ grid returns owed × 100%, over the screening rounds "
                "due in the period"
            ),
        },
    ]


def _screening(scope: Scope) -> dict[str, int]:
    from gridgov.mediation.models import ScreeningReturn

    return {
        k: int(v or 0)
        for k, v in ScreeningReturn.objects.filter(
            area_path__startswith=scope.area.path,
            round__due_on__gte=scope.date_from,
            round__due_on__lte=scope.date_to,
        )
        .aggregate(
            owed=Count("pk"),
            filed=Count("pk", filter=Q(filed_at__isnull=False)),
            late=Count("pk", filter=Q(late=True)),
            nothing=Count("pk", filter=Q(nothing_found=True)),
        )
        .items()
    }


def _children(scope: Scope) -> dict[str, Any] | None:
    children = children_stock(KIND_NAME, scope.area)
    if not children:
        return None
    sums: dict[int, dict[str, int]] = {}
    for row in (
        FlowCount.objects.filter(
            kind=KIND_NAME,
            area_id__in=[c["area_id"] for c in children],
            day__gte=scope.date_from,
            day__lte=scope.date_to,
        )
        .values("area_id", "name")
        .annotate(total=Sum("value"))
        .order_by()
    ):
        sums.setdefault(row["area_id"], {})[row["name"]] = int(row["total"] or 0)
    rows = []
    for child in children:
        counts = {name: sums.get(child["area_id"], {}).get(name, 0) for name in FLOWS}
        r = rates(counts)
        rows.append(
            [
                child["name"],
                counts["registered"],
                counts["resolved"],
                pct(r["resolution_rate"]),
                child["stock"].get("open", 0),
                child["stock"].get("high_risk_open", 0),
            ]
        )
    return {
        "title": _("Disputes by area"),
        "columns": [
            _("Area"),
            _("Registered"),
            _("Resolved"),
            _("Resolution rate"),
            _("Open now"),
            _("High-risk open now"),
        ],
        "rows": rows,
    }


def build_disputes(scope: Scope) -> dict[str, Any]:
    counts = flows_for(KIND_NAME, scope.area, scope.date_from, scope.date_to)
    stock = stock_for(KIND_NAME, scope.area)
    r = rates(counts)
    screening = _screening(scope)
    coverage = screening["filed"] / screening["owed"] if screening["owed"] else None
    tables: list[dict[str, Any]] = [
        {
            "title": _("Mediation of %(area)s") % {"area": scope.area.name},
            "columns": [_("Measure"), _("Value")],
            "rows": [
                [_("Disputes registered"), counts["registered"]],
                [_("Disputes accepted"), counts["accepted"]],
                [_("Disputes resolved"), counts["resolved"]],
                [_("Mediation failed"), counts["failed"]],
                [_("Disputes closed"), counts["closed"]],
                [_("Acceptance rate"), pct(r["accept_rate"])],
                [_("Resolution rate"), pct(r["resolution_rate"])],
                [_("Agreements performed"), pct(r["performed_rate"])],
                [_("Disputes closed on time"), pct(r["on_time_rate"])],
                [_("Disputes open now"), stock["open"]],
                [_("Disputes overdue now"), stock["overdue"]],
                [_("High-risk disputes open now"), stock["high_risk_open"]],
                [_("Screening returns owed"), screening["owed"]],
                [_("Screening returns filed"), screening["filed"]],
                [_("Screening returns filed late"), screening["late"]],
                [_("Screening coverage"), pct(coverage)],
            ],
        }
    ]
    by_area = _children(scope)
    if by_area is not None:
        tables.append(by_area)
    ranked = rankings(scope, prefix="mediation.")
    tables.extend(ranked["tables"])
    return {
        "tables": tables,
        "notes": [
            _(
                "Open, overdue and high-risk disputes are counted at the time the report was "
                "made, whatever the period."
            )
        ],
        "formulas": [*_formulas(), *ranked["formulas"]],
        "summary": {
            "registered": counts["registered"],
            "resolved": counts["resolved"],
            "high_risk_open": stock["high_risk_open"],
        },
    }


register_report_section(
    ReportSection(
        key="mediation.disputes",
        title=gettext_lazy("Mediation: disputes and screening"),
        perm=Perm.MEDIATION_VIEW,
        build=build_disputes,
        order=20,
    )
)
