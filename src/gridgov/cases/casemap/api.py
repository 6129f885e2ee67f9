"""``GET /api/v1/cases/map``: the case map's data for other systems (a big-screen display, a
GIS), the same answer as the web page's ``/cases/map.json`` and as carefully scoped: 403
without :attr:`Perm.CASE_VIEW` anywhere (audited), 404 for an area outside the jurisdiction,
nothing personal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import ErrorOut
from gridgov.cases.casemap.selectors import may_view
from gridgov.cases.casemap.views import map_payload
from gridgov.core.params import DbId

router = Router(tags=["cases"])


class MapIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your whole jurisdiction).")


class CasePoint(Schema):
    id: int
    number: str
    lon: float
    lat: float
    category: str
    status: str
    status_label: str
    overdue: bool
    url: str


class Building(Schema):
    name: str
    lon: float
    lat: float


class CaseMapOut(Schema):
    points: list[CasePoint] = Field(description="The newest open cases that have a location.")
    open_total: int = Field(description="Open cases in the scope, located or not.")
    truncated: bool = Field(description="More open cases have a location than are listed.")
    grids: dict[str, Any] = Field(
        description="GeoJSON FeatureCollection of the grids; properties.open = open cases."
    )
    grids_truncated: bool
    max_open: int
    county: dict[str, Any] | None = Field(description="GeoJSON Feature: the county outline.")
    buildings: list[Building] = Field(description="Roster buildings that have coordinates.")


@router.get("/map", response={200: CaseMapOut, codes_4xx: ErrorOut})
def case_map(request: HttpRequest, params: Query[MapIn]) -> dict[str, Any]:
    """Open cases as points, grids with their open-case counts, the county outline and the
    roster buildings with coordinates — for your jurisdiction or one area of it."""
    actor = getattr(request, "auth", None)
    if not may_view(actor):
        scoping.require(actor, Perm.CASE_VIEW, None, what="case_map")
    return map_payload(actor, params.area)
