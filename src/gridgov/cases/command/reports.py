"""cases: command-centre reports (see gridgov.command.registry).

Three sections of the periodic reports (日报 … 年报), every figure read from the maintained
counters (:mod:`gridgov.cases.indicators`: flows per (area, day) in the wide table
:class:`~gridgov.cases.models.CaseStat`, stock per (area, key) in the kernel's stock table) —
never a GROUP BY over the cases:

* ``cases.measures`` — the 考核 measures of the period (受理, 立案, 办结, 按期办结率, 满意率,
  the levels that resolved them …) and the stock now (在办, 超期), each with its formula; the
  same figures for each child area (one statement over the children's counter rows); the
  children ranked on the registered cases :class:`~gridgov.command.registry.RankMeasure`;
* ``cases.trend`` — the counts per day (per month for periods longer than
  :data:`DAILY_MAX_DAYS`), one index range of the area's rows;
* ``cases.notable`` — the open cases longest past their deadline (number, category, area,
  days overdue; nothing personal), read in deadline order through the partial indexes of the
  overdue cases, at most :data:`NOTABLE_LIMIT` rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.cases.indicators import CHANNEL_FIELDS, COUNTERS, rates
from gridgov.cases.models import Case, CaseStat
from gridgov.cases.states import Source, Status
from gridgov.command.registry import ReportSection, Scope, register_report_section
from gridgov.command.reports.fmt import pct
from gridgov.command.reports.rankings import merge_formulas, rankings
from gridgov.kernel.counters.readers import children_stock, flows_for, stock_for

# Periods up to this many days are shown per day in the trend, longer ones per month.
DAILY_MAX_DAYS = 92
# How many of the longest overdue cases the report lists.
NOTABLE_LIMIT = 10


def _formulas() -> list[dict[str, str]]:
    return [
        {"name": _("Cases reported"), "formula": _("cases reported in the period")},
        {"name": _("Cases opened"), "formula": _("cases accepted in the period")},
        {
            "name": _("Cases closed"),
            "formula": _(
                "closures verified in the period; a reopened case closed again counts again"
            ),
        },
        {
            "name": _("Share of reports"),
            "formula": _("cases reported through the channel ÷ cases reported × 100%"),
        },
        {"name": _("Closure rate"), "formula": _("closed ÷ opened × 100%")},
        {"name": _("On-time closure rate"), "formula": _("closed on time ÷ closed × 100%")},
        {"name": _("Signed for on time"), "formula": _("signed for on time ÷ signed for × 100%")},
        {"name": _("Rework rate"), "formula": _("sent back at verification ÷ replies × 100%")},
        {
            "name": _("Satisfaction rate"),
            "formula": _("(satisfied + basically satisfied) ÷ rated × 100%"),
        },
        {
            "name": _("Resolved at level"),
            "formula": _(
                "closed by the grid (community, street, county or a department) ÷ closed × 100%"
            ),
        },
        {
            "name": _("Open now / overdue now"),
            "formula": _(
                "cases not yet closed at the time the report was made; overdue: those whose "
                "running deadline (sign-for or handling) has passed"
            ),
        },
    ]


def _measure_rows(counts: dict[str, int], stock: dict[str, int]) -> list[list[Any]]:
    r = rates(counts)
    return [
        [_("Cases reported"), counts["reported"]],
        [_("Cases opened"), counts["accepted"]],
        [_("Cases closed"), counts["closed"]],
        [_("Cases closed on time"), counts["closed_on_time"]],
        [_("Closure rate"), pct(r["closed_rate"])],
        [_("On-time closure rate"), pct(r["closed_on_time_rate"])],
        [_("Signed for on time"), pct(r["signed_on_time_rate"])],
        [_("Rework rate"), pct(r["rework_rate"])],
        [_("Cases rated"), counts["rated"]],
        [_("Satisfaction rate"), pct(r["satisfaction_rate"])],
        [_("Resolved in the grid"), pct(r["share_grid"])],
        [_("Resolved in the community"), pct(r["share_community"])],
        [_("Resolved in the street"), pct(r["share_street"])],
        [_("Resolved at the county or a department"), pct(r["share_county"])],
        [_("Resolved on the spot"), pct(r["share_on_spot"])],
        [_("Open now"), stock["open"]],
        [_("Overdue now"), stock["overdue"]],
    ]


def _children(scope: Scope) -> dict[str, Any] | None:
    """The period's flows of each active child (one statement over the children's counter
    rows) and their stock now (one statement)."""
    children = children_stock("cases", scope.area)
    if not children:
        return None
    sums: dict[int, dict[str, Any]] = {
        row["area_id"]: dict(row)
        for row in CaseStat.objects.filter(
            area_id__in=[c["area_id"] for c in children],
            day__gte=scope.date_from,
            day__lte=scope.date_to,
        )
        .values("area_id")
        .annotate(**{f"s_{c}": Sum(c) for c in COUNTERS})
        .order_by()
    }
    rows = []
    for child in children:
        row = sums.get(child["area_id"])
        counts = {c: int(row[f"s_{c}"] or 0) if row else 0 for c in COUNTERS}
        r = rates(counts)
        rows.append(
            [
                child["name"],
                counts["reported"],
                counts["accepted"],
                counts["closed"],
                pct(r["closed_on_time_rate"]),
                pct(r["satisfaction_rate"]),
                pct(r["share_grid"]),
                child["stock"]["open"],
                child["stock"]["overdue"],
            ]
        )
    return {
        "title": _("By area"),
        "columns": [
            _("Area"),
            _("Cases reported"),
            _("Cases opened"),
            _("Cases closed"),
            _("On-time closure rate"),
            _("Satisfaction rate"),
            _("Resolved in the grid"),
            _("Open now"),
            _("Overdue now"),
        ],
        "rows": rows,
    }


def _channels(counts: dict[str, int]) -> dict[str, Any]:
    """Cases reported in the period by channel (网格员巡查, 居民上报, 12345 热线 …) and each
    channel's share of all reports, busiest first."""
    labels = dict(Source.choices)
    total = counts["reported"]
    busiest = sorted(CHANNEL_FIELDS.items(), key=lambda item: -counts[item[1]])
    rows: list[list[Any]] = [
        [str(labels[source]), counts[field], pct(counts[field] / total if total else None)]
        for source, field in busiest
    ]
    return {
        "title": _("Cases reported by channel"),
        "columns": [_("Channel"), _("Cases reported"), _("Share of reports")],
        "rows": rows,
    }


def build_measures(scope: Scope) -> dict[str, Any]:
    counts = flows_for("cases", scope.area, scope.date_from, scope.date_to)
    stock = stock_for("cases", scope.area)
    tables: list[dict[str, Any]] = [
        {
            "title": _("Performance measures of %(area)s") % {"area": scope.area.name},
            "columns": [_("Measure"), _("Value")],
            "rows": _measure_rows(counts, stock),
        }
    ]
    tables.append(_channels(counts))
    by_area = _children(scope)
    if by_area is not None:
        tables.append(by_area)
    ranked = rankings(scope, prefix="cases.")
    tables.extend(ranked["tables"])
    return {
        "tables": tables,
        "notes": [
            _(
                "Open and overdue cases are counted at the time the report was made, whatever "
                "the period."
            )
        ],
        "formulas": merge_formulas(_formulas(), ranked["formulas"]),
        "summary": {
            "reported": counts["reported"],
            "accepted": counts["accepted"],
            "closed": counts["closed"],
            "open": stock["open"],
            "overdue": stock["overdue"],
        },
    }


def _month_start(day: date) -> date:
    return day.replace(day=1)


def build_trend(scope: Scope) -> dict[str, Any]:
    fields = ("reported", "accepted", "closed", "closed_on_time", "rated", "satisfied", "basic")
    by_day = {
        row["day"]: row
        for row in CaseStat.objects.filter(
            area=scope.area, day__gte=scope.date_from, day__lte=scope.date_to
        ).values("day", *fields)
    }
    daily = (scope.date_to - scope.date_from).days + 1 <= DAILY_MAX_DAYS
    buckets: dict[date, dict[str, int]] = {}
    day = scope.date_from
    while day <= scope.date_to:
        bucket = buckets.setdefault(day if daily else _month_start(day), dict.fromkeys(fields, 0))
        row = by_day.get(day)
        if row is not None:
            for f in fields:
                bucket[f] += int(row[f])
        day += timedelta(days=1)
    rows = []
    for key, c in buckets.items():
        satisfied = c["satisfied"] + c["basic"]
        rows.append(
            [
                key.isoformat() if daily else f"{key.year}-{key.month:02d}",
                c["reported"],
                c["accepted"],
                c["closed"],
                pct(c["closed_on_time"] / c["closed"] if c["closed"] else None),
                pct(satisfied / c["rated"] if c["rated"] else None),
            ]
        )
    return {
        "tables": [
            {
                "title": _("Daily trend") if daily else _("Monthly trend"),
                "columns": [
                    _("Day") if daily else _("Month"),
                    _("Cases reported"),
                    _("Cases opened"),
                    _("Cases closed"),
                    _("On-time closure rate"),
                    _("Satisfaction rate"),
                ],
                "rows": rows,
            }
        ],
        "notes": [],
        "formulas": [],
    }


def _overdue(scope: Scope, status: str, due_field: str, flag: str) -> list[tuple[Any, Any]]:
    """The ``NOTABLE_LIMIT`` cases of ``status`` in the subtree, overdue on ``due_field``,
    earliest deadline first (the partial index on the deadline of that status)."""
    qs = (
        Case.objects.filter(
            status=status,
            **{flag: True, f"{due_field}__isnull": False},
            area_path__startswith=scope.area.path,
        )
        .select_related("category", "area")
        .only("number", "category__name", "area__name", due_field)
        .order_by(due_field, "pk")[:NOTABLE_LIMIT]
    )
    return [(getattr(case, due_field), case) for case in qs]


def build_notable(scope: Scope) -> dict[str, Any]:
    now = timezone.now()
    found = _overdue(scope, Status.IN_PROGRESS, "handle_due_at", "handle_overdue")
    found += _overdue(scope, Status.ASSIGNED, "sign_due_at", "sign_overdue")
    found.sort(key=lambda p: p[0])
    rows = []
    for due, case in found[:NOTABLE_LIMIT]:
        rows.append(
            [
                case.number,
                case.category.name if case.category_id else "",
                case.area.name,
                _("handling") if case.status == Status.IN_PROGRESS else _("signing for"),
                timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                max(0, (now - due).days),
            ]
        )
    return {
        "tables": [
            {
                "title": _("The longest overdue open cases"),
                "columns": [
                    _("Case number"),
                    _("Category"),
                    _("Area"),
                    _("Overdue on"),
                    _("Due at"),
                    _("Days past the deadline"),
                ],
                "rows": rows,
            }
        ],
        "notes": [
            _(
                "The %(n)d open cases whose deadline passed longest ago, at the time the report "
                "was made (handling in progress or waiting to be signed for)."
            )
            % {"n": NOTABLE_LIMIT}
        ],
        "formulas": [
            {
                "name": _("Days past the deadline"),
                "formula": _("whole days from the deadline to the time the report was made"),
            }
        ],
    }


register_report_section(
    ReportSection(
        key="cases.measures",
        title=gettext_lazy("Cases: performance measures"),
        perm=Perm.CASE_VIEW,
        build=build_measures,
        order=10,
    )
)
register_report_section(
    ReportSection(
        key="cases.trend",
        title=gettext_lazy("Cases: trend"),
        perm=Perm.CASE_VIEW,
        build=build_trend,
        order=11,
    )
)
register_report_section(
    ReportSection(
        key="cases.notable",
        title=gettext_lazy("Cases: notable cases"),
        perm=Perm.CASE_VIEW,
        build=build_notable,
        order=12,
    )
)
