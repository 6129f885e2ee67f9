"""What modules register with the command centre (see :mod:`gridgov.command`).

A module declares its contributions in ``<app>/command/`` (imported at start-up by
:func:`discover`)::

    from gridgov.command.registry import Tile, register_tile

    register_tile(Tile(key="cases.intake", title=_("Intake"), perm=Perm.CASE_VIEW,
                       compute=intake_tile, order=10))

Every callable receives a :class:`Scope`: who looks, at which area (the drill-down), for which
period. The command centre checks ``Perm.COMMAND_VIEW`` (screen) or ``Perm.VIEW_STATS``
(reports) at the scope's area **and** each contribution's own ``perm`` before calling it, so a
contribution only reads its figures for ``scope.area`` — never from outside it. Reads must come
from the kernel's counters (:mod:`gridgov.kernel.counters.readers`) or per-period roll-ups,
never a GROUP BY over a fact table (the screen is read at 10 million cases).

The shapes returned are plain JSON-able dicts, documented on each dataclass; the API serves
them as they are, so a wall built by someone else reads the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Scope:
    """Who looks at what: the actor, the area of the screen (drill-down re-scopes it), the
    local day and the period (inclusive local dates; default this month up to today)."""

    actor: Any
    area: Any  # gridgov.areas.models.Area
    today: date
    date_from: date
    date_to: date


# ---------------------------------------------------------------------------------------------
# Tiles


@dataclass(frozen=True)
class Tile:
    """A tile on the screen and in the API.

    ``compute(scope)`` returns::

        {"figures": [{"key": "open", "label": "在办", "value": 12, "unit": "件"}, ...],
         "trend": {"days": ["2026-11-08", ...],
                   "series": [{"key": "reported", "label": "受理", "values": [3, 5, ...]}]},
         "link": "/cases/stats/?area=17"}        # optional: the desk page behind the tile

    ``value`` may be ``None`` (a rate with a zero denominator). ``trend`` is optional.
    """

    key: str  # "<module>.<name>", unique
    title: Any  # lazy translatable
    perm: str  # a Perm the actor must hold at scope.area
    compute: Callable[[Scope], dict[str, Any]]
    order: int = 100
    group: Any = ""  # a heading the screen groups tiles under (lazy translatable)


# ---------------------------------------------------------------------------------------------
# The map


@dataclass(frozen=True)
class MapMeasure:
    """A measure the map colours grid polygons by: a stock key of a counter kind, read per area
    from :class:`~gridgov.kernel.counters.models.StockCount` (so the map at county zoom reads
    per-grid aggregates, never points)."""

    key: str  # "cases.open"
    title: Any
    perm: str
    kind: str  # counter kind, e.g. "cases"
    stock_key: str  # e.g. "open", "overdue", "high_risk_open"
    order: int = 100


@dataclass(frozen=True)
class MarkerLayer:
    """Markers of one kind of item (cases, disputes …) for the map when zoomed in.

    ``points(scope, bbox, limit)`` returns ``[{"id": 5, "lat": .., "lng": .., "label": "…",
    "status": "…", "at": iso}]`` — nothing personal (no names, phones, addresses, free text
    titles). ``bbox`` is ``(min_lng, min_lat, max_lng, max_lat)`` or ``None``."""

    key: str  # "cases"
    title: Any
    perm: str
    points: Callable[[Scope, tuple[float, float, float, float] | None, int], list[dict[str, Any]]]
    order: int = 100


@dataclass(frozen=True)
class ItemSource:
    """What the side panel shows for one item clicked on the map, the stream or an alert.

    ``detail(actor, pk)`` returns ``{"kind", "id", "number", "title", "status", "status_label",
    "area", "url", "timeline": [{"at", "actor", "action", "text"}], "actions": [{"action",
    "label", "api": "/api/v1/...", "fields": [...]}]}`` or raises NotFound outside the actor's
    jurisdiction. ``actions`` are the actor's allowed actions of the module's own action
    registry, performed through the module's own API (the same services as the desk pages)."""

    key: str  # "case", "dispute"
    perm: str
    detail: Callable[[Any, int], dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# Rankings


@dataclass(frozen=True)
class RankMeasure:
    """A 考核 measure to rank areas (or departments) by.

    ``compute(area_ids, date_from, date_to)`` returns ``{id: value}`` for the given ids (value
    ``None`` when undefined, e.g. no denominator), read from counters / roll-ups in one or a
    few statements. ``subjects`` is ``"areas"`` (children of the scope's area) or
    ``"departments"`` (departments working in the scope's area)."""

    key: str  # "cases.on_time_rate"
    title: Any
    perm: str
    compute: Callable[[list[int], date, date], dict[int, float | None]]
    unit: str = ""  # "%" for rates
    higher_is_better: bool = True
    subjects: str = "areas"
    formula: Any = ""  # how it is computed, in words (reports state every formula)
    order: int = 100
    # False: a stock read now, whatever the period (open, overdue …): no previous period to
    # compare with, so the rows carry no previous rank and no arrow ("same").
    period: bool = True


# ---------------------------------------------------------------------------------------------
# Alerts


@dataclass(frozen=True)
class AlertHit:
    """One thing an alert rule found now. ``fingerprint`` identifies it across runs (the same
    overdue case, the same grid + category + week): a hit seen again is the same alert."""

    area_id: int
    fingerprint: str
    title: str  # already translated, nothing personal
    level: str = "orange"  # "red" | "orange" | "yellow"
    detail: dict[str, Any] = field(default_factory=dict)
    item_kind: str = ""  # an ItemSource key, if the alert is about one item
    item_id: int | None = None


@dataclass(frozen=True)
class AlertRule:
    """A rule the alerts job evaluates every few minutes: ``check(now)`` yields the current
    hits in the whole installation (the job keeps, raises and clears alerts by fingerprint and
    sends new ones to the inbox of the dispatchers of the area)."""

    key: str  # "cases.overdue_long"
    title: Any
    perm: str  # who sees the alerts
    check: Callable[[datetime], Iterable[AlertHit]]
    order: int = 100


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass(frozen=True)
class ReportSection:
    """A section of the periodic reports (日报/周报/月报/季报/年报).

    ``build(scope)`` returns ``{"tables": [{"title", "columns": [..], "rows": [[..], ..]}],
    "notes": ["…"], "formulas": [{"name": "按时办结率", "formula": "按时办结 ÷ 办结 × 100%"}]}``
    with the period of ``scope``; the reports engine renders it as Excel and PDF."""

    key: str
    title: Any
    perm: str
    build: Callable[[Scope], dict[str, Any]]
    order: int = 100


# ---------------------------------------------------------------------------------------------
# The live stream


@dataclass(frozen=True)
class LiveEvent:
    """One event on the live stream. ``cursor`` orders a feed's events (e.g. the timeline
    entry's id); nothing personal in ``label``."""

    feed: str
    cursor: int
    at: datetime
    area_path: str
    action: str  # "report", "dispatch", "close" …
    label: str  # e.g. "新上报: 环境卫生 (A2026…)" — translated, nothing personal
    item_kind: str = ""
    item_id: int | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Feed:
    """A source of live events: ``after(cursor, limit)`` returns the events with a cursor above
    ``cursor`` in cursor order (one index range read of the module's timeline table);
    ``head()`` the current highest cursor."""

    key: str  # "cases"
    perm: str
    after: Callable[[int, int], list[LiveEvent]]
    head: Callable[[], int]


# ---------------------------------------------------------------------------------------------

T = TypeVar("T")


class _Registry(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        key = item.key  # type: ignore[attr-defined]
        self._items[key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def get(self, key: str) -> T:
        return self._items[key]

    def all(self) -> list[T]:
        return sorted(self._items.values(), key=lambda i: (getattr(i, "order", 100), i.key))  # type: ignore[attr-defined]


tiles: _Registry[Tile] = _Registry("tile")
map_measures: _Registry[MapMeasure] = _Registry("map measure")
marker_layers: _Registry[MarkerLayer] = _Registry("marker layer")
item_sources: _Registry[ItemSource] = _Registry("item source")
rank_measures: _Registry[RankMeasure] = _Registry("rank measure")
alert_rules: _Registry[AlertRule] = _Registry("alert rule")
report_sections: _Registry[ReportSection] = _Registry("report section")
feeds: _Registry[Feed] = _Registry("feed")

register_tile = tiles.register
register_map_measure = map_measures.register
register_marker_layer = marker_layers.register
register_item_source = item_sources.register
register_rank_measure = rank_measures.register
register_alert_rule = alert_rules.register
register_report_section = report_sections.register
register_feed = feeds.register


def discover() -> None:
    """Import every installed app's ``command`` module (called once from the app's ready)."""
    autodiscover_modules("command")
