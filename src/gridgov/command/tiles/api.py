"""/api/v1/command/{scope,tiles,rankings}: the command centre's scope and drill-down, its
tiles and its rankings (``command.view`` at the area, and each tile's or measure's own
permission there).

``area`` defaults to the viewer's top area where they hold ``command.view``; ``from`` / ``to``
(local dates, inclusive, YYYY-MM-DD) default to this month up to today. Without
``command.view`` anywhere the answer is 403; an area outside the jurisdiction is 404; a
malformed, reversed, future or longer than three years period is 400 naming the field. See
:mod:`gridgov.command.tiles.selectors`.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx
from pydantic import ConfigDict

from gridgov.command.registry import Scope
from gridgov.command.tiles import selectors
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut

router = Router(tags=["command"])

_ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


class CommandScopeIn(Schema):
    area: DbId | None = Field(None, description="Area id (default: your top area).")
    date_from: str | None = Field(
        None,
        alias="from",
        max_length=32,
        description="First day (YYYY-MM-DD); default the first day of this month.",
    )
    to: str | None = Field(
        None,
        max_length=32,
        description="Last day, inclusive (YYYY-MM-DD; not in the future; at most three years "
        "after `from`); default today.",
    )


class CommandRankingsIn(CommandScopeIn):
    measure: str | None = Field(
        None, max_length=60, description="One measure's key (default: every measure)."
    )


class CommandAreaOut(Schema):
    id: int
    name: str
    level: int = Field(description="1 province … 6 grid (gridgov.areas.codes.Level).")
    code: str


class CommandCrumbOut(Schema):
    id: int
    name: str


class CommandChildOut(Schema):
    id: int
    name: str
    level: int


class CommandPeriodOut(Schema):
    date_from: str = Field(alias="from")
    to: str

    model_config = ConfigDict(populate_by_name=True)


class CommandScopeOut(Schema):
    area: CommandAreaOut
    breadcrumbs: list[CommandCrumbOut] = Field(
        description="The ancestors inside your jurisdiction, top first, then the area itself."
    )
    children: list[CommandChildOut] = Field(description="The active children (drill-down).")
    period: CommandPeriodOut


class CommandFigureOut(Schema):
    key: str
    label: str
    value: float | int | None = Field(description="null: a rate with a zero denominator.")
    unit: str

    model_config = ConfigDict(extra="allow")


class CommandTrendSeriesOut(Schema):
    key: str
    label: str
    values: list[float | int | None]


class CommandTrendOut(Schema):
    days: list[str]
    series: list[CommandTrendSeriesOut]


class CommandTileOut(Schema):
    key: str
    title: str
    group: str
    figures: list[CommandFigureOut]
    trend: CommandTrendOut | None = Field(None, description="The last 30 days of the period.")
    link: str | None = Field(None, description="The desk page behind the tile.")

    model_config = ConfigDict(extra="allow")


class CommandTilesOut(Schema):
    area: CommandAreaOut
    period: CommandPeriodOut
    tiles: list[CommandTileOut]


class CommandRankMeasureOut(Schema):
    key: str
    title: str
    unit: str
    higher_is_better: bool
    subjects: Literal["areas", "departments"]
    formula: str


class CommandRankRowOut(Schema):
    id: int
    name: str
    value: float | None
    rank: int | None = Field(description="1 is best; equal values share a rank; null: no value.")
    previous_rank: int | None = Field(description="The rank in the preceding period.")
    change: Literal["up", "down", "same", "new"]


class CommandRankingOut(Schema):
    measure: str
    rows: list[CommandRankRowOut]


class CommandRankingsOut(Schema):
    area: CommandAreaOut
    period: CommandPeriodOut
    measures: list[CommandRankMeasureOut]
    rankings: list[CommandRankingOut]


def _scope(request: HttpRequest, params: CommandScopeIn) -> Scope:
    return selectors.scope_for(
        actor=getattr(request, "auth", None),
        area_id=params.area,
        date_from=params.date_from,
        date_to=params.to,
    )


def _period(scope: Scope) -> dict[str, str]:
    return {"from": scope.date_from.isoformat(), "to": scope.date_to.isoformat()}


@router.get("/scope", response={200: CommandScopeOut, **_ERRORS}, by_alias=True)
def command_scope(request: HttpRequest, params: Query[CommandScopeIn]) -> dict[str, Any]:
    """The area of the screen, the way up (breadcrumbs) and down (children), the period."""
    scope = _scope(request, params)
    return {
        "area": selectors.area_out(scope.area),
        "breadcrumbs": selectors.breadcrumbs_for(scope),
        "children": selectors.children_for(scope),
        "period": _period(scope),
    }


@router.get("/tiles", response={200: CommandTilesOut, **_ERRORS}, by_alias=True)
def command_tiles(request: HttpRequest, params: Query[CommandScopeIn]) -> dict[str, Any]:
    """Every tile you may see at the area, computed for the period."""
    scope = _scope(request, params)
    return {
        "area": selectors.area_out(scope.area),
        "period": _period(scope),
        "tiles": selectors.tiles_for(scope),
    }


@router.get("/rankings", response={200: CommandRankingsOut, **_ERRORS}, by_alias=True)
def command_rankings(request: HttpRequest, params: Query[CommandRankingsIn]) -> dict[str, Any]:
    """The children of the area (or its departments) ranked by each measure, with the change
    since the preceding period of the same length."""
    scope = _scope(request, params)
    rankings = selectors.rankings_for(scope, params.measure)
    return {
        "area": selectors.area_out(scope.area),
        "period": _period(scope),
        "measures": selectors.measures_for(scope, params.measure),
        "rankings": rankings,
    }
