"""/api/v1/areas: the area tree as the signed-in user may see it, and its administration.

Reads are scoped to the user's jurisdiction: an area outside it is 404, as if it did not exist.
Writes need ``area.manage``: without it anywhere the answer is 403; with it, a target outside
the jurisdiction is still 404. Every write goes through :mod:`gridgov.areas.services`.
"""

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.accounts.selectors import staff_of_area
from gridgov.areas import geo, selectors, services
from gridgov.areas.codes import Kind, Level
from gridgov.areas.models import Area
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.core.pagination import paged
from gridgov.core.params import DbId, Version
from gridgov.core.schemas import ErrorOut

router = Router(tags=["areas"])

TREE_DEFAULT_DEPTH = 2
TREE_MAX_DEPTH = 4
TREE_MAX_NODES = 2000
GEOJSON_MAX_FEATURES = 5000


# --- Schemas ----------------------------------------------------------------------------------


class AreaRef(Schema):
    id: int
    code: str
    display_code: str
    name: str
    level: int
    level_label: str

    @staticmethod
    def resolve_level_label(obj: Area | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # already built by _ref()
            return str(obj["level_label"])
        return str(Level(obj.level).label)


class AreaOut(AreaRef):
    kind: str
    parent_id: int | None
    is_active: bool
    has_boundary: bool
    version: int

    @staticmethod
    def resolve_has_boundary(obj: Area | dict[str, Any]) -> bool:
        if isinstance(obj, dict):
            return bool(obj["has_boundary"])
        flag = getattr(obj, "has_boundary", None)
        return bool(flag) if flag is not None else obj.geometry is not None


class AncestorOut(AreaRef):
    accessible: bool = Field(description="Whether you may open this area.")


class LevelCount(Schema):
    level: int
    level_label: str
    count: int


class AreaDetail(AreaOut):
    kind_label: str
    ancestors: list[AncestorOut]
    child_counts: list[LevelCount]
    staff_count: int | None = Field(
        description="People holding a role at this area (null without staff.view)."
    )
    staff_count_subtree: int | None = Field(
        description="People holding a role at this area or below (null without staff.view)."
    )
    bbox: list[float] | None = Field(description="[min_lon, min_lat, max_lon, max_lat]")
    centre: list[float] | None = Field(description="[lon, lat], a point inside the boundary")
    created_at: datetime
    updated_at: datetime


class AreaTreeNode(AreaRef):
    kind: str
    is_active: bool
    child_count: int
    children: list["AreaTreeNode"]


AreaTreeNode.model_rebuild()


class AreaTreeOut(Schema):
    depth: int = Field(description="Levels below the roots included.")
    truncated: bool = Field(description="True if the node cap stopped the tree early.")
    roots: list[AreaTreeNode]


class FeatureCollection(Schema):
    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    count: int
    limit: int
    truncated: bool = Field(description="True if more areas have boundaries than `limit`.")


class LocateOut(Schema):
    lon: float
    lat: float
    grid: AreaOut
    ancestors: list[AncestorOut]


class AreaCreateIn(Schema):
    parent_id: DbId | None = Field(None, description="Null only for a top-level area.")
    level: Level
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON Polygon/MultiPolygon")


class AreaPatchIn(Schema):
    name: str | None = Field(None, max_length=200)
    is_active: bool | None = None
    version: Version = Field(description="The version you read; a newer one answers 409.")


class BoundaryIn(Schema):
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon/MultiPolygon (or a Feature)")
    version: Version


class MoveIn(Schema):
    parent_id: DbId
    version: Version
    new_code: str | None = Field(
        None, description="The area's code under the new parent (needed when the prefix changes)"
    )


# --- Helpers ----------------------------------------------------------------------------------


def _light(qs: QuerySet[Area]) -> QuerySet[Area]:
    """List rows without the (large) boundary, but knowing whether there is one."""
    return qs.defer("geometry").annotate(
        has_boundary=ExpressionWrapper(Q(geometry__isnull=False), output_field=BooleanField())
    )


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (set by the API's auth classes)."""
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    """403 (audited) unless the actor holds ``perm`` somewhere."""
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _ref(area: Area) -> dict[str, Any]:
    return {
        "id": area.pk,
        "code": area.code,
        "display_code": area.display_code,
        "name": area.name,
        "level": area.level,
        "level_label": str(Level(area.level).label),
    }


def _ancestors(actor: Any, area: Area) -> list[dict[str, Any]]:
    return [
        {**_ref(a), "accessible": scoping.can(actor, Perm.VIEW_AREA, a)}
        for a in selectors.area_ancestors(area=area)
        if a.pk != area.pk
    ]


def _detail(actor: Any, area: Area) -> dict[str, Any]:
    counts = selectors.area_child_counts(area=area)
    staff = staff_sub = None
    if scoping.can(actor, Perm.VIEW_STAFF, area):
        staff = staff_of_area(actor=actor, area=area).values("user").distinct().count()
        staff_sub = (
            staff_of_area(actor=actor, area=area, include_subtree=True)
            .values("user")
            .distinct()
            .count()
        )
    has_box = area.min_lon is not None
    return {
        **_ref(area),
        "kind": area.kind,
        "kind_label": str(Kind(area.kind).label) if area.kind else "",
        "parent_id": area.parent_id,
        "is_active": area.is_active,
        "has_boundary": area.geometry is not None,
        "version": area.version,
        "ancestors": _ancestors(actor, area),
        "child_counts": [
            {"level": lv, "level_label": str(Level(lv).label), "count": n}
            for lv, n in sorted(counts.items())
        ],
        "staff_count": staff,
        "staff_count_subtree": staff_sub,
        "bbox": [area.min_lon, area.min_lat, area.max_lon, area.max_lat] if has_box else None,
        "centre": [area.center_lon, area.center_lat] if has_box else None,
        "created_at": area.created_at,
        "updated_at": area.updated_at,
    }


def _get(request: HttpRequest, area_id: int) -> Area:
    return selectors.area_get_for(actor=_actor(request), pk=area_id)


# --- Reads ------------------------------------------------------------------------------------


@router.get("", response={200: list[AreaOut], codes_4xx: ErrorOut}, summary="List areas")
@paged
def area_list(
    request: HttpRequest,
    level: Level | None = None,
    parent: DbId | None = None,
    under: DbId | None = None,
    q: str = "",
) -> QuerySet[Area]:
    """Areas you may see. Filters: `level`, `parent` (direct children of an area id), `under`
    (the subtree of an area id, itself included), `q` (name contains / code starts with)."""
    actor = _actor(request)
    return _light(
        selectors.area_search(
            actor=actor,
            level=level,
            parent=_get(request, parent) if parent is not None else None,
            under=_get(request, under) if under is not None else None,
            q=q[:100],
        )
    )


@router.get("/tree", response={200: AreaTreeOut, codes_4xx: ErrorOut}, summary="Jurisdiction tree")
def area_tree(
    request: HttpRequest,
    depth: int = Query(TREE_DEFAULT_DEPTH, ge=0, le=TREE_MAX_DEPTH),
) -> dict[str, Any]:
    """The roots of your jurisdiction with their descendants down to `depth` levels (at most
    4). Whole levels are dropped, deepest first, if the tree would exceed the node cap."""
    roots = scoping.jurisdiction_roots(_actor(request))
    tree = selectors.area_tree(roots=roots, depth=depth, max_nodes=TREE_MAX_NODES)

    def node(a: Area) -> dict[str, Any]:
        return {
            **_ref(a),
            "kind": a.kind,
            "is_active": a.is_active,
            "child_count": tree.child_counts.get(a.pk, 0),
            "children": [],
        }

    by_id: dict[int, dict[str, Any]] = {a.pk: node(a) for a in tree.roots}
    for a in tree.nodes:  # parents come before children (ordered by depth)
        by_id[a.pk] = node(a)
        parent = by_id.get(a.parent_id or 0)
        if parent is not None:
            parent["children"].append(by_id[a.pk])
    return {
        "depth": tree.depth,
        "truncated": tree.truncated,
        "roots": [by_id[a.pk] for a in tree.roots],
    }


@router.get("/locate", response={200: LocateOut, codes_4xx: ErrorOut}, summary="Point to grid")
def area_locate(request: HttpRequest, lon: str, lat: str) -> dict[str, Any]:
    """The grid containing a WGS84 point. 404 if no grid you may see contains it."""
    actor = _actor(request)
    x, y = geo.validate_point(lon, lat)
    grid_id = geo.locator.locate(x, y)
    message = _("No grid in your jurisdiction contains this point.")
    if grid_id is None:
        raise NotFound(message)
    try:
        grid = selectors.area_get_for(actor=actor, pk=grid_id)
    except NotFound:
        raise NotFound(message) from None
    return {"lon": x, "lat": y, "grid": grid, "ancestors": _ancestors(actor, grid)}


@router.get("/{area_id}", response={200: AreaDetail, codes_4xx: ErrorOut}, summary="Area detail")
def area_detail(request: HttpRequest, area_id: int) -> dict[str, Any]:
    return _detail(_actor(request), _get(request, area_id))


@router.get(
    "/{area_id}/children", response={200: list[AreaOut], codes_4xx: ErrorOut}, summary="Children"
)
@paged
def area_children(request: HttpRequest, area_id: int) -> QuerySet[Area]:
    area = _get(request, area_id)
    return _light(selectors.area_search(actor=_actor(request), parent=area))


@router.get(
    "/{area_id}/geojson",
    response={200: FeatureCollection, codes_4xx: ErrorOut},
    summary="Boundaries of a subtree",
)
def area_geojson(
    request: HttpRequest,
    area_id: DbId,
    level: Level | None = None,
    include_inactive: bool = False,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the areas in this subtree (itself included) that have a
    boundary, at most 5000; `truncated` says whether more were left out."""
    area = _get(request, area_id)
    rows = list(
        selectors.area_boundaries(
            area=area, level=level, include_inactive=include_inactive
        ).values_list("pk", "code", "name", "level", "is_active", "geometry")[
            : GEOJSON_MAX_FEATURES + 1
        ]
    )
    truncated = len(rows) > GEOJSON_MAX_FEATURES
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": geometry,
            "properties": {
                "id": pk,
                "code": code,
                "name": name,
                "level": lv,
                "is_active": active,
            },
        }
        for pk, code, name, lv, active, geometry in rows[:GEOJSON_MAX_FEATURES]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "count": len(features),
        "limit": GEOJSON_MAX_FEATURES,
        "truncated": truncated,
    }


# --- Writes (area.manage) ---------------------------------------------------------------------


@router.post("", response={201: AreaDetail, codes_4xx: ErrorOut}, summary="Create an area")
def area_create(request: HttpRequest, payload: AreaCreateIn) -> tuple[int, dict[str, Any]]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_AREA, "area_create")
    parent = _get(request, payload.parent_id) if payload.parent_id is not None else None
    area = services.area_create(
        actor=actor,
        parent=parent,
        level=payload.level,
        code=payload.code,
        name=payload.name,
        geometry=payload.geometry,
    )
    return 201, _detail(actor, area)


@router.patch("/{area_id}", response={200: AreaDetail, codes_4xx: ErrorOut}, summary="Edit")
def area_update(request: HttpRequest, area_id: int, payload: AreaPatchIn) -> dict[str, Any]:
    """Rename or (de)activate. Send the `version` you read: 409 `stale_version` if it moved on."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_AREA, "area_update")
    area = _get(request, area_id)
    if payload.name is None and payload.is_active is None:
        raise ValidationFailed(_("Nothing to change."), code=Code.NOTHING_TO_CHANGE)
    area = services.area_update(
        actor=actor,
        area=area,
        name=payload.name,
        is_active=payload.is_active,
        version=payload.version,
    )
    return _detail(actor, area)


@router.put(
    "/{area_id}/boundary", response={200: AreaDetail, codes_4xx: ErrorOut}, summary="Boundary"
)
def area_set_boundary(request: HttpRequest, area_id: int, payload: BoundaryIn) -> dict[str, Any]:
    """Set or replace the boundary. Grids may not overlap their sibling grids."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_AREA, "area_set_boundary")
    area = _get(request, area_id)
    area = services.area_set_boundary(
        actor=actor, area=area, geometry=payload.geometry, version=payload.version
    )
    return _detail(actor, area)


@router.post("/{area_id}/move", response={200: AreaDetail, codes_4xx: ErrorOut}, summary="Move")
def area_move(request: HttpRequest, area_id: int, payload: MoveIn) -> dict[str, Any]:
    """Move an area and its subtree under another parent."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_AREA, "area_move")
    area = _get(request, area_id)
    new_parent = _get(request, payload.parent_id)
    area = services.area_move(
        actor=actor,
        area=area,
        new_parent=new_parent,
        new_code=payload.new_code,
        version=payload.version,
    )
    return _detail(actor, area)
