"""Small helpers for modules building tiles and rank measures (see
:mod:`gridgov.command.registry`): the figure and trend shapes, percentages, the 30-day trend
window, and the children's stock of a stock tile (one counter read)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from gridgov.command.registry import Scope
from gridgov.kernel.counters.readers import children_stock

TREND_DAYS = 30


def percent(num: int, den: int) -> float | None:
    """``num / den`` as a percentage with one decimal (``None`` when ``den`` is 0)."""
    if not den:
        return None
    return round(100.0 * num / den, 1)


def figure(key: str, label: Any, value: float | int | None, unit: Any = "") -> dict[str, Any]:
    """One figure of a tile: ``{"key", "label", "value", "unit"}`` (labels translated now)."""
    return {"key": key, "label": str(label), "value": value, "unit": str(unit)}


def trend_window(scope: Scope, days: int = TREND_DAYS) -> tuple[date, date]:
    """The ``days`` days ending with the scope's last day (the tile's trend)."""
    return scope.date_to - timedelta(days=days - 1), scope.date_to


def trend(
    by_day: Mapping[date, Mapping[str, int]],
    series: list[tuple[str, Any, Callable[[Mapping[str, int]], float | int | None]]],
) -> dict[str, Any]:
    """The ``trend`` of a tile from per-day flows (:func:`gridgov.kernel.counters.series.
    flows_by_day`): ``series`` is ``[(key, label, value of one day's flows)]``."""
    return {
        "days": [d.isoformat() for d in by_day],
        "series": [
            {"key": key, "label": str(label), "values": [fn(row) for row in by_day.values()]}
            for key, label, fn in series
        ],
    }


def children_figures(kind: str, area: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The stock ``keys`` of ``kind`` in each active child of ``area`` (one statement, see
    :func:`gridgov.kernel.counters.readers.children_stock`): ``[{"id", "name", key: n …}]`` —
    a stock tile's ``children``."""
    return [
        {"id": c["area_id"], "name": c["name"], **{k: c["stock"][k] for k in keys}}
        for c in children_stock(kind, area)
    ]


def flow(name: str) -> Callable[[Mapping[str, int]], int]:
    """A trend series of one flow counter."""
    return lambda row: int(row.get(name, 0))
