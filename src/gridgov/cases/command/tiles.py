"""cases: command-centre tiles and 考核 rank measures (see :mod:`gridgov.command.registry`).

Every figure comes from the maintained counters (:mod:`gridgov.cases.indicators`): the flows
of the period from the wide table ``CaseStat`` of the scope's area, the stock now from the
kernel's stock rows, the 30-day trends from one range read per tile
(:func:`gridgov.kernel.counters.series.flows_by_day`), and a ranking of N areas from one
statement over their rows (:func:`~gridgov.kernel.counters.series.flows_of_areas`). Never a
count over the cases.

Intake by channel reads the per-source flows ``reported_<source>`` of ``CaseStat``. Not here
yet: rankings of **departments** (the counters are kept per area; a department's figures need a
counter keyed by department).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, cast

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.indicators import CHANNEL_FIELDS
from gridgov.cases.states import HandlingLevel, Source
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

KIND = "cases"
GROUP = _("Cases")
PIECES = pgettext_lazy("unit", "cases")  # the unit of a count of cases (件)


def _link(scope: Scope) -> str:
    return f"{reverse('cases:stats')}?area={scope.area.pk}"


def _trend(scope: Scope) -> dict[Any, dict[str, int]]:
    start, end = trend_window(scope)
    return flows_by_day(KIND, scope.area.pk, start, end)


# --- Rates of summed counters -------------------------------------------------------------------


def on_time_rate(c: Mapping[str, int]) -> float | None:
    """按时办结率 = closed on time ÷ closed."""
    return percent(c.get("closed_on_time", 0), c.get("closed", 0))


def satisfaction_rate(c: Mapping[str, int]) -> float | None:
    """满意率 = (satisfied + basically satisfied) ÷ rated."""
    return percent(c.get("satisfied", 0) + c.get("basic", 0), c.get("rated", 0))


def closed_rate(c: Mapping[str, int]) -> float | None:
    """办结率 = closed ÷ accepted."""
    return percent(c.get("closed", 0), c.get("accepted", 0))


LEVELS: tuple[tuple[str, str, Any], ...] = (
    ("grid", "closed_grid", _("Closed at the grid")),
    ("community", "closed_community", _("Closed at the community")),
    ("street", "closed_street", _("Closed at the street")),
    ("county", "closed_county", _("Closed at the county")),
)


# --- Tiles --------------------------------------------------------------------------------------


def intake_tile(scope: Scope) -> dict[str, Any]:
    """Intake: reported today and in the period, accepted in the period; trend of reported and
    accepted per day."""
    today = flows_for(KIND, scope.area, scope.today, scope.today)
    period = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    return {
        "figures": [
            figure("reported_today", _("Reported today"), today["reported"], PIECES),
            figure("reported", _("Reported in the period"), period["reported"], PIECES),
            figure("accepted", _("Accepted in the period"), period["accepted"], PIECES),
        ],
        "trend": trend(
            _trend(scope),
            [
                ("reported", pgettext_lazy("case trend", "Reported"), flow("reported")),
                ("accepted", pgettext_lazy("case trend", "Accepted"), flow("accepted")),
            ],
        ),
        "link": _link(scope),
    }


def channels_tile(scope: Scope) -> dict[str, Any]:
    """Intake by channel (网格员巡查, 居民上报, 12345 热线 …): each channel's reports in the
    period (``value``) and today (``today``), busiest first; trend of the three busiest
    channels of the period per day."""
    today = flows_for(KIND, scope.area, scope.today, scope.today)
    period = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    labels = dict(Source.choices)
    figures = []
    for source, counter in CHANNEL_FIELDS.items():
        f = figure(source, labels[source], period[counter], PIECES)
        f["today"] = today[counter]
        figures.append(f)
    figures.sort(key=lambda f: (-int(f["value"] or 0), f["key"]))
    top: list[tuple[str, Any, Callable[[Mapping[str, int]], float | int | None]]] = [
        (f["key"], f["label"], flow(CHANNEL_FIELDS[f["key"]])) for f in figures[:3]
    ]
    return {"figures": figures, "trend": trend(_trend(scope), top), "link": _link(scope)}


def stock_tile(scope: Scope) -> dict[str, Any]:
    """Open and overdue cases now, in the area and in each child (the next level down); trend
    of accepted and closed per day (what flows in and out of the stock)."""
    stock = stock_for(KIND, scope.area)
    children = children_figures(KIND, scope.area, ("open", "overdue"))
    return {
        "figures": [
            figure("open", _("Open now"), stock["open"], PIECES),
            figure("overdue", _("Overdue now"), stock["overdue"], PIECES),
        ],
        "children": children,
        "trend": trend(
            _trend(scope),
            [
                ("accepted", pgettext_lazy("case trend", "Accepted"), flow("accepted")),
                ("closed", pgettext_lazy("case trend", "Closed"), flow("closed")),
            ],
        ),
        "link": _link(scope),
    }


def rates_tile(scope: Scope) -> dict[str, Any]:
    """按时办结率, 满意率 and 办结率 of the period; their trend per day."""
    c = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    return {
        "figures": [
            figure("on_time_rate", _("On-time closure rate"), on_time_rate(c), "%"),
            figure("satisfaction_rate", _("Satisfaction rate"), satisfaction_rate(c), "%"),
            figure("closed_rate", pgettext_lazy("command", "Closure rate"), closed_rate(c), "%"),
        ],
        "trend": trend(
            _trend(scope),
            [
                ("on_time_rate", _("On-time closure rate"), on_time_rate),
                ("satisfaction_rate", _("Satisfaction rate"), satisfaction_rate),
                ("closed_rate", pgettext_lazy("command", "Closure rate"), closed_rate),
            ],
        ),
        "link": _link(scope),
    }


def levels_tile(scope: Scope) -> dict[str, Any]:
    """Where the closures of the period were resolved: the share (and count) at the grid, the
    community, the street and the county (departments count as the county); trend of the
    closures per level per day."""
    c = flows_for(KIND, scope.area, scope.date_from, scope.date_to)
    figures = []
    for key, counter, label in LEVELS:
        f = figure(key, label, percent(c[counter], c["closed"]), "%")
        f["count"] = c[counter]
        figures.append(f)
    return {
        "figures": figures,
        "trend": trend(
            _trend(scope), [(key, label, flow(counter)) for key, counter, label in LEVELS]
        ),
        "link": _link(scope),
    }


register_tile(
    Tile(
        key="cases.intake",
        title=_("Intake"),
        perm=Perm.CASE_VIEW,
        compute=intake_tile,
        order=10,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="cases.channels",
        title=_("Intake by channel"),
        perm=Perm.CASE_VIEW,
        compute=channels_tile,
        order=15,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="cases.stock",
        title=_("Open and overdue cases"),
        perm=Perm.CASE_VIEW,
        compute=stock_tile,
        order=20,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="cases.rates",
        title=_("Assessment rates"),
        perm=Perm.CASE_VIEW,
        compute=rates_tile,
        order=30,
        group=GROUP,
    )
)
register_tile(
    Tile(
        key="cases.levels",
        title=_("Resolved at each level"),
        perm=Perm.CASE_VIEW,
        compute=levels_tile,
        order=40,
        group=GROUP,
    )
)


# --- Rank measures ------------------------------------------------------------------------------


def _rate_measure(rate: Any) -> Any:
    def compute(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
        flows = flows_of_areas(KIND, ids, date_from, date_to)
        return {i: rate(c) for i, c in flows.items()}

    return compute


def overdue_now(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
    """Overdue cases now in each area (the stock, whatever the period)."""
    return {i: float(s["overdue"]) for i, s in stock_of_areas(KIND, ids).items()}


# Closures that count as resolved at an area's own level or below, by the area's level.
_OWN_LEVEL: dict[int, tuple[str, ...]] = {
    int(HandlingLevel.GRID): ("closed_grid",),
    int(HandlingLevel.COMMUNITY): ("closed_grid", "closed_community"),
    int(HandlingLevel.STREET): ("closed_grid", "closed_community", "closed_street"),
}
_ALL_LEVELS = ("closed_grid", "closed_community", "closed_street", "closed_county")


def own_level_rate(ids: list[int], date_from: date, date_to: date) -> dict[int, float | None]:
    """就地化解率 of each area: the closures resolved at the area's own level or below it, of
    all its closures (one read of the areas' levels, one of their counters)."""
    levels = dict(Area.objects.filter(pk__in=ids).values_list("id", "level"))
    flows = flows_of_areas(KIND, ids, date_from, date_to)
    result: dict[int, float | None] = {}
    for i, c in flows.items():
        counters = _OWN_LEVEL.get(int(levels.get(i, 0)), _ALL_LEVELS)
        result[i] = percent(sum(c[k] for k in counters), c["closed"])
    return result


register_rank_measure(
    RankMeasure(
        key="cases.on_time_rate",
        title=_("On-time closure rate"),
        perm=Perm.CASE_VIEW,
        compute=_rate_measure(on_time_rate),
        unit="%",
        formula=_("Cases closed on time ÷ cases closed × 100%"),
        order=10,
    )
)
register_rank_measure(
    RankMeasure(
        key="cases.satisfaction_rate",
        title=_("Satisfaction rate"),
        perm=Perm.CASE_VIEW,
        compute=_rate_measure(satisfaction_rate),
        unit="%",
        formula=_("(Satisfied + basically satisfied) ÷ rated × 100%"),
        order=20,
    )
)
register_rank_measure(
    RankMeasure(
        key="cases.closed_rate",
        title=pgettext_lazy("command", "Closure rate"),
        perm=Perm.CASE_VIEW,
        compute=_rate_measure(closed_rate),
        unit="%",
        formula=_("Cases closed ÷ cases accepted × 100%"),
        order=30,
    )
)
register_rank_measure(
    RankMeasure(
        key="cases.own_level_rate",
        title=_("Resolved-locally rate"),
        perm=Perm.CASE_VIEW,
        compute=own_level_rate,
        unit="%",
        formula=_("Cases closed at the area's own level or below ÷ cases closed × 100%"),
        order=40,
    )
)
register_rank_measure(
    RankMeasure(
        key="cases.overdue",
        title=_("Overdue cases"),
        perm=Perm.CASE_VIEW,
        compute=overdue_now,
        unit=cast(str, PIECES),
        higher_is_better=False,
        formula=_("Open cases past their deadline now (lower is better)"),
        order=50,
        period=False,
    )
)
