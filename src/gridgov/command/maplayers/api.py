"""/api/v1/command/…: the live map's data — grid polygons coloured by a measure, markers in a
box, and the side panel's item (see :mod:`gridgov.command.maplayers.selectors`).

Each answers 403 (audited) to a caller without ``command.view`` (or the measure's, layer's or
item source's own permission) anywhere, 404 for an area or item outside the jurisdiction, and
400 with a field message for a malformed box or an unknown measure or layer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.command.maplayers import selectors
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut

router = Router(tags=["command"])


class GridsIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: the top of your jurisdiction).")
    measure: str = Field("", description="A map measure key, e.g. cases.open (default: the first).")


class PointsIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: the top of your jurisdiction).")
    layer: str = Field(description="A marker layer key, e.g. cases.")
    bbox: str = Field(
        "", description="min_lng,min_lat,max_lng,max_lat (WGS84); empty: the whole area."
    )


class MeasureOut(Schema):
    key: str
    title: str
    kind: str
    stock_key: str


class LayerOut(Schema):
    key: str
    title: str


class GridsOut(Schema):
    type: str = Field(description="FeatureCollection")
    features: list[dict[str, Any]] = Field(
        description="GeoJSON Features; properties: {id, name, value}."
    )
    area: dict[str, Any]
    level: int = Field(description="The level of the areas drawn (6: grids).")
    level_label: str
    is_grids: bool = Field(description="False when the area holds too many grids to draw.")
    truncated: bool
    measure: MeasureOut
    measures: list[MeasureOut] = Field(description="The measures you may use here.")
    layers: list[LayerOut] = Field(description="The marker layers you may use here.")
    max: int = Field(description="The highest value drawn (for the legend).")
    bbox: list[float] | None


class PointsOut(Schema):
    layer: str
    points: list[dict[str, Any]] = Field(
        description="{id, lat, lng, label, status, at …}: nothing personal."
    )
    truncated: bool


@router.get("/map/grids", response={200: GridsOut, codes_4xx: ErrorOut})
def map_grids(request: HttpRequest, params: Query[GridsIn]) -> dict[str, Any]:
    """The grid polygons under the area coloured by a measure's per-grid counter (or, when the
    area holds more than 3 000 grids, its communities or streets with their own counters)."""
    return selectors.map_grids(
        actor=getattr(request, "auth", None), area_id=params.area, measure_key=params.measure
    )


@router.get("/map/points", response={200: PointsOut, codes_4xx: ErrorOut})
def map_points(request: HttpRequest, params: Query[PointsIn]) -> dict[str, Any]:
    """The markers of a layer within the area and the box (at most 2 000, newest first)."""
    return selectors.map_points(
        actor=getattr(request, "auth", None),
        area_id=params.area,
        layer_key=params.layer,
        bbox=params.bbox,
    )


@router.get("/items/{kind}/{int:item_id}", response={200: dict[str, Any], codes_4xx: ErrorOut})
def item_detail(request: HttpRequest, kind: str, item_id: int) -> dict[str, Any]:
    """One item for the side panel (a case, a dispute …): number, category, status, area,
    page, timeline and the actions you may take on it now through its module's API."""
    return selectors.item_detail(actor=getattr(request, "auth", None), kind=kind, pk=item_id)
