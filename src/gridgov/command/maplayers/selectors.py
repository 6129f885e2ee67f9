"""Reads of the live map (see :mod:`gridgov.command.registry`): the polygons under an area
coloured by a registered :class:`~gridgov.command.registry.MapMeasure`, the markers of a
:class:`~gridgov.command.registry.MarkerLayer` in a box, and the side panel's item.

Scoping, the same for the three: ``command.view`` at the area **and** the contribution's own
permission there; an area (or item) outside the jurisdiction is NotFound, as one that does not
exist; a viewer who holds either permission nowhere is refused (403, audited). Values come from
the counters' :class:`~gridgov.kernel.counters.models.StockCount` rows of the drawn areas, one
statement for all of them — never a count of cases.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_get_for
from gridgov.command import registry
from gridgov.command.maplayers.geometry import drawn_under
from gridgov.command.registry import MapMeasure, MarkerLayer, Scope
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.core.params import ID_MAX
from gridgov.kernel.counters.models import StockCount

MAX_POINTS = 2000
# A box wider than this (degrees) is a view of a whole province: markers make no sense there.
MAX_BOX_DEGREES = 5.0

BBox = tuple[float, float, float, float]


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


def require_anywhere(actor: Any, perm: str, what: str) -> None:
    """403 (audited) for a viewer who holds ``perm`` nowhere."""
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def area_for(*, actor: Any, area_id: int | None) -> Area:
    """The area the map is asked for (default: the top of the viewer's command jurisdiction):
    403 without ``command.view`` anywhere, NotFound outside it."""
    require_anywhere(actor, Perm.COMMAND_VIEW, "command_map")
    if area_id is None:
        roots = scoping.jurisdiction_roots(actor, Perm.COMMAND_VIEW)
        if not roots:
            raise _not_found()
        return roots[0]
    return area_get_for(actor=actor, pk=area_id, perm=Perm.COMMAND_VIEW)


def scope_of(actor: Any, area: Area, today: date | None = None) -> Scope:
    """A :class:`Scope` of the map: this month up to today."""
    today = today or timezone.localdate()
    return Scope(actor=actor, area=area, today=today, date_from=today.replace(day=1), date_to=today)


def measures_for(actor: Any, area: Area) -> list[MapMeasure]:
    """The registered measures ``actor`` may colour ``area``'s map by, in order."""
    return [m for m in registry.map_measures.all() if scoping.can(actor, m.perm, area)]


def measure_json(m: MapMeasure) -> dict[str, Any]:
    return {"key": m.key, "title": str(m.title), "kind": m.kind, "stock_key": m.stock_key}


def layers_for(actor: Any, area: Area) -> list[MarkerLayer]:
    return [m for m in registry.marker_layers.all() if scoping.can(actor, m.perm, area)]


def _allowed(actor: Any, area: Area, perm: str, what: str) -> None:
    require_anywhere(actor, perm, what)
    if not scoping.can(actor, perm, area):
        raise _not_found()


def _measure(actor: Any, area: Area, key: str) -> MapMeasure:
    if not key:
        allowed = measures_for(actor, area)
        if not allowed:
            raise _not_found()
        return allowed[0]
    try:
        measure = registry.map_measures.get(key)
    except KeyError:
        msg = _("Unknown map measure.")
        raise ValidationFailed(
            msg, code=Code.UNKNOWN_MAP_MEASURE, fields={"measure": msg}
        ) from None
    _allowed(actor, area, measure.perm, "command_map")
    return measure


def stock_values(measure: MapMeasure, area_ids: list[int]) -> dict[int, int]:
    """``{area id: value}`` of the measure's stock key for ``area_ids`` (one statement)."""
    if not area_ids:
        return {}
    rows = StockCount.objects.filter(
        kind=measure.kind, key=measure.stock_key, area_id__in=area_ids
    ).values_list("area_id", "value")
    return {int(a): int(v) for a, v in rows}


def map_grids(*, actor: Any, area_id: int | None, measure_key: str = "") -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the grids under the area (or of the level drawn
    instead, see :mod:`gridgov.command.maplayers.geometry`) with ``properties: {id, name,
    value}``, and what the map needs around it: the level drawn, the measure, the measures and
    marker layers the viewer may use, the highest value (for the legend) and the box."""
    area = area_for(actor=actor, area_id=area_id)
    measure = _measure(actor, area, measure_key)
    drawn = drawn_under(area)
    values = stock_values(measure, [pk for pk, _n, _g in drawn.features])
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": geometry,
            "properties": {"id": pk, "name": name, "value": values.get(pk, 0)},
        }
        for pk, name, geometry in drawn.features
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "area": {"id": area.pk, "name": area.name, "level": area.level, "code": area.code},
        "level": drawn.level,
        "level_label": str(Level(drawn.level).label),
        "is_grids": drawn.level >= Level.GRID,
        "truncated": drawn.truncated,
        "measure": measure_json(measure),
        "measures": [measure_json(m) for m in measures_for(actor, area)],
        "layers": [{"key": m.key, "title": str(m.title)} for m in layers_for(actor, area)],
        "max": max(values.values(), default=0),
        "bbox": list(drawn.bbox) if drawn.bbox else None,
    }


def parse_bbox(text: str) -> BBox | None:
    """``"min_lng,min_lat,max_lng,max_lat"`` as numbers, or None for an empty text; a malformed
    box (not four finite numbers, outside the world, minimum not below maximum, wider than
    :data:`MAX_BOX_DEGREES`) is a 400."""
    text = (text or "").strip()
    if not text:
        return None
    msg = _(
        "The box must be four numbers min_lng,min_lat,max_lng,max_lat "
        "(longitude −180…180, latitude −90…90, minimum below maximum, at most %(max)s° wide)."
    ) % {"max": int(MAX_BOX_DEGREES)}
    error = ValidationFailed(msg, code=Code.INVALID_BBOX, fields={"bbox": msg})
    parts = text.split(",")
    if len(parts) != 4:
        raise error
    try:
        x0, y0, x1, y1 = (float(p) for p in parts)
    except ValueError:
        raise error from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise error
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise error
    if x1 - x0 > MAX_BOX_DEGREES or y1 - y0 > MAX_BOX_DEGREES:
        raise error
    return (x0, y0, x1, y1)


def map_points(
    *, actor: Any, area_id: int | None, layer_key: str, bbox: str = ""
) -> dict[str, Any]:
    """At most :data:`MAX_POINTS` markers of the layer within the area (and the box), nothing
    personal: ``{"layer", "points": [...], "truncated"}``."""
    box = parse_bbox(bbox)
    area = area_for(actor=actor, area_id=area_id)
    try:
        layer = registry.marker_layers.get(layer_key)
    except KeyError:
        msg = _("Unknown marker layer.")
        raise ValidationFailed(msg, code=Code.UNKNOWN_MAP_LAYER, fields={"layer": msg}) from None
    _allowed(actor, area, layer.perm, "command_map_points")
    rows = layer.points(scope_of(actor, area), box, MAX_POINTS + 1)
    return {"layer": layer.key, "points": rows[:MAX_POINTS], "truncated": len(rows) > MAX_POINTS}


def item_detail(*, actor: Any, kind: str, pk: int) -> dict[str, Any]:
    """The side panel's item: the source's detail if the viewer holds ``command.view`` and the
    source's permission at the item's area (NotFound otherwise, and for an unknown kind)."""
    require_anywhere(actor, Perm.COMMAND_VIEW, "command_item")
    if not 1 <= pk <= ID_MAX:
        raise _not_found()
    try:
        source = registry.item_sources.get(kind)
    except KeyError:
        raise _not_found() from None
    require_anywhere(actor, source.perm, "command_item")
    detail = source.detail(actor, pk)
    area_id = (detail.get("area") or {}).get("id")
    area = Area.objects.filter(pk=int(area_id or 0)).only("id", "path").first()
    if area is None or not (
        scoping.can(actor, Perm.COMMAND_VIEW, area) and scoping.can(actor, source.perm, area)
    ):
        raise _not_found()
    return detail
