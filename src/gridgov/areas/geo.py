"""Boundaries: validation of GeoJSON polygons, sibling-overlap checks, and point → grid routing
through an in-process Shapely STRtree that follows boundary changes in every process."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep
from shapely.validation import explain_validity

from gridgov.core.errors import Code, ValidationFailed

# Mainland China, Hong Kong, Macao and Taiwan, with a margin (WGS84 degrees). Points or
# boundaries outside are almost always swapped latitude/longitude or a wrong datum.
CHINA_BOUNDS = (73.0, 3.0, 136.0, 54.0)
# Two sibling grids may share an edge; an overlap above this many square metres is refused.
OVERLAP_TOLERANCE_M2 = 10.0
_M_PER_DEG = 111_320.0
# A point this close (WGS84 degrees, about 30 m) to the jurisdiction's outline counts as inside.
OUTLINE_TOLERANCE = 0.0003


def area_m2(geom: BaseGeometry) -> float:
    """Approximate area in m² of a WGS84 geometry (equirectangular at its centre latitude)."""
    if geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return float(geom.area) * _M_PER_DEG * _M_PER_DEG * math.cos(math.radians(lat))


def parse_boundary(data: Any) -> Polygon | MultiPolygon:
    """Turn GeoJSON (a geometry, a Feature, or its JSON text) into a valid WGS84 (Multi)Polygon."""
    import json

    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                _("The boundary is not valid JSON: %(error)s") % {"error": exc.msg},
                code=Code.INVALID_GEOJSON,
            ) from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationFailed(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon."), code=Code.INVALID_GEOJSON
        )
    try:
        geom = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise ValidationFailed(
            _("The boundary's coordinates are malformed: %(error)s") % {"error": exc},
            code=Code.INVALID_GEOJSON,
        ) from exc
    if geom.is_empty:
        raise ValidationFailed(_("The boundary is empty."), code=Code.INVALID_GEOJSON)
    min_x, min_y, max_x, max_y = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or (
        min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90
    ):
        raise ValidationFailed(
            _("The boundary is outside WGS84 longitude/latitude bounds."), code=Code.OUT_OF_BOUNDS
        )
    bx0, by0, bx1, by1 = CHINA_BOUNDS
    if min_x < bx0 or max_x > bx1 or min_y < by0 or max_y > by1:
        raise ValidationFailed(
            _(
                "The boundary lies outside China (longitude 73–136, latitude 3–54); "
                "are longitude and latitude swapped?"
            ),
            code=Code.OUT_OF_BOUNDS,
        )
    if not geom.is_valid:
        raise ValidationFailed(
            _("The boundary is not a valid polygon: %(reason)s")
            % {"reason": explain_validity(geom)},
            code=Code.INVALID_POLYGON,
        )
    if area_m2(geom) <= 1.0:
        raise ValidationFailed(_("The boundary has no area."), code=Code.INVALID_POLYGON)
    assert isinstance(geom, Polygon | MultiPolygon)
    return geom


@dataclass(frozen=True)
class Overlap:
    code: str
    name: str
    m2: float


def find_overlaps(
    geom: BaseGeometry,
    siblings: Iterable[tuple[str, str, Any]],
    tolerance_m2: float = OVERLAP_TOLERANCE_M2,
) -> list[Overlap]:
    """Siblings ``(code, name, geojson)`` whose boundary overlaps ``geom`` by more than the tolerance."""
    found = []
    prepared = prep(geom)
    for code, name, gj in siblings:
        other = shape(gj)
        if not prepared.intersects(other):
            continue
        m2 = area_m2(geom.intersection(other))
        if m2 > tolerance_m2:
            found.append(Overlap(code=code, name=name, m2=round(m2, 1)))
    return found


def find_overlaps_among(
    geoms: Sequence[BaseGeometry], tolerance_m2: float = OVERLAP_TOLERANCE_M2
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, m²)``, ``i < j``, of ``geoms`` that overlap by more than the tolerance
    (a whole set of new boundaries checked against each other, e.g. one imported file)."""
    if len(geoms) < 2:
        return []
    left, right = STRtree(geoms).query(geoms, predicate="intersects")
    found = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        m2 = area_m2(geoms[i].intersection(geoms[j]))
        if m2 > tolerance_m2:
            found.append((i, j, round(m2, 1)))
    return sorted(found)


def overlap_error(overlaps: Sequence[Overlap]) -> ValidationFailed:
    listed = "、".join(f"{o.name}（{o.code}，{o.m2:g} m²）" for o in overlaps)
    return ValidationFailed(
        _("The boundary overlaps sibling grids: %(list)s") % {"list": listed},
        code=Code.OVERLAP,
        fields={"geometry": listed},
    )


def bbox_and_center(geom: BaseGeometry) -> dict[str, float]:
    min_x, min_y, max_x, max_y = geom.bounds
    c = geom.representative_point()
    return {
        "min_lon": min_x,
        "min_lat": min_y,
        "max_lon": max_x,
        "max_lat": max_y,
        "center_lon": c.x,
        "center_lat": c.y,
    }


def validate_point(lon: Any, lat: Any) -> tuple[float, float]:
    """Check a WGS84 point given as numbers or numeric strings; it must lie in China."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            _("Longitude and latitude must be numbers."), code=Code.INVALID_POINT
        ) from exc
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValidationFailed(
            _("Longitude and latitude must be numbers."), code=Code.INVALID_POINT
        )
    bx0, by0, bx1, by1 = CHINA_BOUNDS
    if not (bx0 <= x <= bx1 and by0 <= y <= by1):
        raise ValidationFailed(
            _("The point (%(lon)s, %(lat)s) is outside China; are longitude and latitude swapped?")
            % {"lon": lon, "lat": lat},
            code=Code.OUT_OF_BOUNDS,
        )
    return x, y


def _parse_geojson_texts(texts: Sequence[str]) -> list[BaseGeometry]:
    """GeoJSON texts to geometries: one GEOS call for all, one by one only if that fails."""
    import json

    if not texts:
        return []
    try:
        return list(shapely.from_geojson(list(texts)))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return [shape(json.loads(t)) for t in texts]


class GridIndex:
    """An immutable STRtree over grid polygons with their area ids, and one over the outline of
    the jurisdiction (see :meth:`covers`)."""

    def __init__(
        self,
        ids: Sequence[int],
        geoms: Sequence[BaseGeometry],
        revision: int,
        outline: Sequence[BaseGeometry] = (),
    ) -> None:
        self.ids = list(ids)
        self.geoms = list(geoms)
        self.revision = revision
        self.tree = STRtree(self.geoms) if self.geoms else None
        if self.geoms:
            shapely.prepare(self.geoms)  # vectorised; ~10x faster than one call per polygon
        self.outline = list(outline)
        self.outline_tree = STRtree(self.outline) if self.outline else None
        if self.outline:
            shapely.prepare(self.outline)

    def __len__(self) -> int:
        return len(self.ids)

    def covers(self, x: float, y: float) -> bool | None:
        """Whether the point lies inside the jurisdiction (within :data:`OUTLINE_TOLERANCE`
        of it, for a GPS fix at the border or a sliver between two grids); None when no
        boundary at county level or below is drawn, so nobody can tell."""
        if self.outline_tree is None:
            return None
        hits = self.outline_tree.query(Point(x, y), predicate="dwithin", distance=OUTLINE_TOLERANCE)
        return len(hits) > 0

    def locate(self, x: float, y: float) -> int | None:
        """Area id of the grid containing the point, or None. On a shared edge the grid
        with the lowest id wins, so the answer never depends on index order."""
        if self.tree is None:
            return None
        hits = self.tree.query(Point(x, y), predicate="intersects")
        if len(hits) == 0:
            return None
        if len(hits) == 1:
            return self.ids[int(hits[0])]
        return min(self.ids[int(i)] for i in hits)

    def locate_many(self, xs: Sequence[float], ys: Sequence[float]) -> list[int | None]:
        result: list[int | None] = [None] * len(xs)
        if self.tree is None:
            return result
        pts = shapely.points(xs, ys)
        inp, tree_idx = self.tree.query(pts, predicate="intersects")
        for i, t in zip(inp.tolist(), tree_idx.tolist(), strict=True):
            gid = self.ids[t]
            cur = result[i]
            if cur is None or gid < cur:
                result[i] = gid
        return result


class GridLocator:
    """Process-wide holder of the current :class:`GridIndex`.

    Rebuilt lazily when the boundary revision in the database moves on. A change made in this
    process invalidates the index at once (on commit); a change made in another process is seen
    at the next look-up after ``check_interval`` seconds.
    """

    def __init__(self, check_interval: float = 1.0) -> None:
        self.check_interval = check_interval
        self._index: GridIndex | None = None
        # Never checked: -inf, not 0.0 — the monotonic clock counts from boot, and on a
        # machine up for less than check_interval 0.0 looked like a fresh check.
        self._checked_at = -math.inf
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._checked_at = -math.inf

    def reset(self) -> None:
        with self._lock:
            self._index = None
            self._checked_at = -math.inf

    def index(self) -> GridIndex:
        now = time.monotonic()
        idx = self._index
        if idx is not None and now - self._checked_at < self.check_interval:
            return idx
        with self._lock:
            from gridgov.areas.services import current_geo_revision

            revision = current_geo_revision()
            if self._index is None or self._index.revision != revision:
                self._index = self._build(revision)
            self._checked_at = time.monotonic()
            return self._index

    @staticmethod
    def _build(revision: int) -> GridIndex:
        # The boundaries are read as JSON text and parsed by GEOS in one vectorised call,
        # about 4x faster than json.loads + shape() per row (1.4 s → 0.35 s for 20 000 grids).
        # The outline of the jurisdiction is made of the topmost boundaries from county level
        # down to grids: a county's own boundary, else its towns', communities' or grids'.
        from django.db.models import TextField
        from django.db.models.functions import Cast

        from gridgov.areas.codes import Level
        from gridgov.areas.models import Area

        rows = (
            Area.objects.filter(
                level__gte=Level.COUNTY,
                level__lte=Level.GRID,
                geometry__isnull=False,
                is_active=True,
            )
            .order_by()
            .annotate(geojson=Cast("geometry", output_field=TextField()))
            .values_list("pk", "level", "path", "geojson")
        )
        ids: list[int] = []
        texts: list[str] = []
        tops: list[tuple[str, str]] = []  # (path, geojson) of boundaries at county … grid
        for pk, level, path, text in rows.iterator(chunk_size=5000):
            if level == Level.GRID:
                ids.append(pk)
                texts.append(text)
            tops.append((path, text))
        tops.sort(key=lambda t: t[0].count("/"))
        kept: set[str] = set()
        outline: list[str] = []
        for path, text in tops:
            parts = path.split("/")
            if any("/".join(parts[:i]) + "/" in kept for i in range(1, len(parts) - 1)):
                continue  # an ancestor's boundary already covers it
            kept.add(path)
            outline.append(text)
        return GridIndex(ids, _parse_geojson_texts(texts), revision, _parse_geojson_texts(outline))

    def covers(self, lon: float, lat: float) -> bool | None:
        return self.index().covers(lon, lat)

    def locate(self, lon: float, lat: float) -> int | None:
        return self.index().locate(lon, lat)


locator = GridLocator()
