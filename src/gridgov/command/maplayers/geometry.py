"""The polygons the live map draws: the areas of one level under an area, simplified with
Shapely to a tolerance that suits the level, and remembered per area while the area rows keep
their revision token (:mod:`gridgov.core.revisions`: the areas services bump ``"areas"`` for
every change of a name, a boundary, a move or an activation, in the same transaction).

At most :data:`MAX_FEATURES` polygons are drawn: an area with more grids than that (a county
with 100 000 grids) is drawn by the deepest level under it that has few enough areas
(communities, else streets), each coloured by its own counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from shapely.geometry import mapping, shape

from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.core.revisions import RowCache

MAX_FEATURES = 3000
# Degrees (1e-5 ° ≈ 1 m): a grid is drawn at street zoom, a street at county zoom.
TOLERANCE: dict[int, float] = {
    Level.GRID: 0.00002,
    Level.MICRO_GRID: 0.00001,
    Level.COMMUNITY: 0.0001,
    Level.TOWN: 0.0003,
    Level.COUNTY: 0.001,
}
DEFAULT_TOLERANCE = 0.0005
# Areas whose polygons a process keeps (a screen wall asks for a handful; a bound for days).
MAX_CACHED = 64

_cache = RowCache("areas")


@dataclass(frozen=True)
class Drawn:
    """The polygons of one level under an area (without values: those are read per request)."""

    level: int
    features: tuple[tuple[int, str, dict[str, Any]], ...]  # (id, name, simplified geometry)
    truncated: bool
    bbox: tuple[float, float, float, float] | None


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), 6)
    return [_round(c) for c in coords]


def simplify(geometry: dict[str, Any], tolerance: float) -> dict[str, Any] | None:
    """``geometry`` (GeoJSON Polygon or MultiPolygon) simplified, coordinates rounded to 6
    places (≈ 0.1 m); None if it cannot be read or vanishes."""
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    small = geom.simplify(tolerance, preserve_topology=True)
    if small.is_empty:
        small = geom
    out = mapping(small)
    return {"type": out["type"], "coordinates": _round(out["coordinates"])}


def _levels_under(area: Area) -> dict[int, int]:
    """How many active areas of each level lie under ``area`` (one grouped read of the area
    rows, remembered with the polygons)."""
    rows = (
        Area.objects.filter(subtree_q(area.path), is_active=True, level__gt=area.level)
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    return {int(r["level"]): int(r["n"]) for r in rows}


def level_to_draw(area: Area, counts: dict[int, int]) -> int:
    """The grids under ``area`` if there are at most :data:`MAX_FEATURES`, else the deepest
    level above the grids that has few enough areas (at worst the children's level); a grid
    (or anything below) draws itself."""
    if area.level >= Level.GRID:
        return int(area.level)
    if 0 < counts.get(Level.GRID, 0) <= MAX_FEATURES:
        return int(Level.GRID)
    below = sorted(lv for lv in counts if area.level < lv < Level.GRID)
    fitting = [lv for lv in below if counts[lv] <= MAX_FEATURES]
    if fitting:
        return fitting[-1]
    return below[0] if below else int(Level.GRID)


def _build(area: Area) -> Drawn:
    counts = _levels_under(area)
    level = level_to_draw(area, counts)
    if level == area.level:
        qs = Area.objects.filter(pk=area.pk)
    else:
        qs = Area.objects.filter(subtree_q(area.path), level=level, is_active=True)
    rows = list(
        qs.filter(geometry__isnull=False)
        .order_by("code")
        .values_list("id", "name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat")[
            : MAX_FEATURES + 1
        ]
    )
    tolerance = TOLERANCE.get(level, DEFAULT_TOLERANCE)
    features = []
    boxes: list[tuple[float, float, float, float]] = []
    for pk, name, geometry, *box in rows[:MAX_FEATURES]:
        small = simplify(geometry, tolerance) if isinstance(geometry, dict) else None
        if small is None:
            continue
        features.append((int(pk), str(name), small))
        x0, y0, x1, y1 = box
        if x0 is not None and y0 is not None and x1 is not None and y1 is not None:
            boxes.append((x0, y0, x1, y1))
    bbox = None
    if boxes:
        bbox = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return Drawn(level, tuple(features), len(rows) > MAX_FEATURES, bbox)


def drawn_under(area: Area) -> Drawn:
    """The polygons the map draws for ``area`` (see the module docstring), from the process's
    memory while the areas have not changed."""
    rows = _cache.rows()
    found = rows.get(area.pk)
    if found is None:
        found = _build(area)
        while len(rows) >= MAX_CACHED:
            rows.pop(next(iter(rows)))
        rows[area.pk] = found
    drawn: Drawn = found
    return drawn


def reset() -> None:
    """Forget the remembered polygons (tests)."""
    _cache.reset()
