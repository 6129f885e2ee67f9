"""mediation: command-centre tiles and rank measures for disputes (see
:mod:`gridgov.command.registry`).

Figures from the kernel's counters (kind ``"disputes"``, :mod:`gridgov.mediation.numbers.
counting`): flows in the shared flow table, stock now (``open``, ``overdue``,
``high_risk_open``) in the stock table; trends from one range read per tile, rankings from one
statement over the counter rows of the children. Never a count over the disputes.

Screening coverage (摸排覆盖率) is the share of the grids of the latest screening round that
have filed their return: one aggregate over that round's returns in the area (one row per grid
and round, bounded by the number of grids — not a dispute table).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.command.registry import RankMeasure, Scope, Tile, register_rank_measure, register_tile
from gridgov.command.tiles.figures import (
    children_figures,
    figure,
    flow,
    percent,
    trend,
    trend_window,
)
from gridgov.kernel.counters.readers import flows_for, stock_for
from gridgov.kernel.counters.series import flows_by_day, flows_of_areas, stock_of_areas
from gridgov.mediation.numbers.counting import KIND_NAME as KIND

GROUP = _("Disputes")
PIECES = pgettext_lazy("unit", "disputes")  # the unit of a count of disputes (件)


def _link(scope: Scope) -> str:
    return f"{reverse('mediation:numbers')}?area={scope.area.pk}"


def _trend(scope: Scope) -> dict[Any, dict[str, int]]:
    start, end = trend_window(scope)
    return flows_by_day(KIND, scope.area.pk, start, end)


def resolution_rate(c: Mapping[str, int]) -> float | None:
    """化解率 = resolved ÷ (resolved + failed)."""
    resolved = c.get("resolved", 0)
    return percent(resolved, resolved + c.get("failed", 0))


def on_time_rate(c: Mapping[str, int]) -> float | None:
    """按期结案率 = closed on time ÷ closed."""
    return percent(c.get("closed_on_time", 0), c.get("closed", 0))


def accept_rate(c: Mapping[str, int]) -> float | None:
    """受理率 = accepted ÷ registered."""
    return percent(c.get("accepted", 0), c.get("registered", 0))


# --- Tiles --------------------------------------------------------------------------------------


def risk_tile(scope: Scope) -> dict[str, Any]:
    """High-risk (red) open disputes now; registered today and in the period; trend of the
    registrations per day."""
    stock = stock_for(KIND, scope.area)
    today = flows_for(KIND, scope.area, scope.today, scope.today)
    period = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    return {
        "figures": [
            figure("high_risk_open", _("High-risk disputes open"), stock["high_risk_open"], PIECES),
            figure("registered_today", _("Registered today"), today["registered"], PIECES),
            figure("registered", _("Registered in the period"), period["registered"], PIECES),
        ],
        "trend": trend(
            _trend(scope),
            [("registered", pgettext_lazy("dispute trend", "Registered"), flow("registered"))],
        ),
        "link": _link(scope),
    }


def stock_tile(scope: Scope) -> dict[str, Any]:
    """Open and overdue disputes now, in the area and in each child; trend of accepted and
    closed per day."""
    stock = stock_for(KIND, scope.area)
    children = children_figures(KIND, scope.area, ("open", "overdue", "high_risk_open"))
    return {
        "figures": [
            figure("open", _("Open now"), stock["open"], PIECES),
            figure("overdue", _("Overdue now"), stock["overdue"], PIECES),
        ],
        "children": children,
        "trend": trend(
            _trend(scope),
            [
                ("accepted", pgettext_lazy("dispute trend", "Accepted"), flow("accepted")),
                ("closed", pgettext_lazy("dispute trend", "Closed"), flow("closed")),
            ],
        ),
        "link": _link(scope),
    }


def rates_tile(scope: Scope) -> dict[str, Any]:
    """化解率, 按期结案率 and 受理率 of the period; trend of resolved and failed per day."""
    c = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    return {
        "figures": [
            figure("resolution_rate", _("Resolution rate"), resolution_rate(c), "%"),
            figure(
                "on_time_rate",
                pgettext_lazy("dispute", "On-time closure rate"),
                on_time_rate(c),
                "%",
            ),
            figure("accept_rate", _("Acceptance rate"), accept_rate(c), "%"),
        ],
        "trend": trend(
            _trend(scope),
            [
                ("resolved", _("Resolved"), flow("resolved")),
                ("failed", _("No agreement"), flow("failed")),
            ],
        ),
        "link": _link(scope),
    }


def screening_coverage(area: Any, today: date) -> dict[str, Any]:
    """The latest screening round (started by ``today``) of ``area``, of an ancestor or of a
    part of it, and how many of its grids in ``area`` have filed: ``{"round", "grids",
    "filed"}`` (``round`` ``None`` when there is none). Two statements."""
    from gridgov.mediation.models import ScreeningReturn, ScreeningRound

    parts = [p for p in area.path.split("/") if p]  # paths are "1/4/17/"
    prefixes = ["/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
    round_ = (
        ScreeningRound.objects.filter(starts_on__lte=today)
        .filter(Q(area_path__in=prefixes) | Q(area_path__startswith=area.path))
        .order_by("-starts_on", "-pk")
        .only("id", "title", "starts_on", "due_on")
        .first()
    )
    if round_ is None:
        return {"round": None, "grids": 0, "filed": 0}
    counts = ScreeningReturn.objects.filter(
        round=round_, area_path__startswith=area.path
    ).aggregate(grids=Count("pk"), filed=Count("pk", filter=Q(filed_at__isnull=False)))
    return {
        "round": {
            "id": round_.pk,
            "title": round_.title,
            "starts_on": round_.starts_on.isoformat(),
            "due_on": round_.due_on.isoformat(),
        },
        "grids": int(counts["grids"] or 0),
        "filed": int(counts["filed"] or 0),
    }


def screening_tile(scope: Scope) -> dict[str, Any]:
    """摸排覆盖率: the share of the grids of the latest round that have filed their return."""
    cov = screening_coverage(scope.area, scope.today)
    return {
        "figures": [
            figure("coverage", _("Screening coverage"), percent(cov["filed"], cov["grids"]), "%"),
            figure("filed", _("Grids filed"), cov["filed"], pgettext_lazy("unit", "grids")),
            figure("grids", _("Grids in the round"), cov["grids"], pgettext_lazy("unit", "grids")),
        ],
        "round": cov["round"],
    }


register_tile(
    Tile(
        key="disputes.risk",
        title=_("High-risk disputes"),
        perm=Perm.MEDIATION_VIEW,
        compute=risk_tile,
        order=50,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="disputes.stock",
        title=_("Open and overdue disputes"),
        perm=Perm.MEDIATION_VIEW,
        compute=stock_tile,
        order=60,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="disputes.rates",
        title=_("Dispute resolution"),
        perm=Perm.MEDIATION_VIEW,
        compute=rates_tile,
        order=70,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="disputes.screening",
        title=_("Screening coverage"),
        perm=Perm.MEDIATION_VIEW,
        compute=screening_tile,
        order=80,
        group=GROUP,
    )
)


# --- Rank measures ------------------------------------------------------------------------------


def _rate_measure(rate: Any) -> Any:
    def compute(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
        return {i: rate(c) for i, c in flows_of_areas(KIND, ids, date_from, date_to).items()}

    return compute


def _stock_measure(key: str) -> Any:
    def compute(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
        return {i: float(s[key]) for i, s in stock_of_areas(KIND, ids).items()}

    return compute


register_rank_measure(
    RankMeasure(
        key="disputes.resolution_rate",
        title=_("Dispute resolution rate"),
        perm=Perm.MEDIATION_VIEW,
        compute=_rate_measure(resolution_rate),
        unit="%",
        formula=_("Disputes resolved ÷ (resolved + no agreement) × 100%"),
        order=110,
    )
)
register_rank_measure(
    RankMeasure(
        key="disputes.on_time_rate",
        title=_("Dispute on-time closure rate"),
        perm=Perm.MEDIATION_VIEW,
        compute=_rate_measure(on_time_rate),
        unit="%",
        formula=_("Disputes closed on time ÷ disputes closed × 100%"),
        order=120,
    )
)
register_rank_measure(
    RankMeasure(
        key="disputes.high_risk_open",
        title=_("High-risk disputes open"),
        perm=Perm.MEDIATION_VIEW,
        compute=_stock_measure("high_risk_open"),
        unit=cast(str, PIECES),
        higher_is_better=False,
        formula=_("Open disputes of high risk (red) now (lower is better)"),
        order=130,
        period=False,
    )
)
register_rank_measure(
    RankMeasure(
        key="disputes.overdue",
        title=_("Overdue disputes"),
        perm=Perm.MEDIATION_VIEW,
        compute=_stock_measure("overdue"),
        unit=cast(str, PIECES),
        higher_is_better=False,
        formula=_("Open disputes past their deadline now (lower is better)"),
        order=140,
        period=False,
    )
)
