"""/api/v1/rosters: estates, villagers' groups, buildings (with the units × floors × rooms grid
and hand-overs between grids), grid staff posts and the grid portrait.

Reads need ``roster.view`` in the object's grid (outside the jurisdiction: 404, as if it did
not exist). Writes need ``roster.edit``: without it anywhere the answer is 403; a target you
may see but not edit is 403 too. Every write goes through ``rosters.services.places`` /
``rosters.services.staff``. Nothing here holds personal data of residents: occupancy is counts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import ErrorOut
from gridgov.areas.models import Area
from gridgov.core.errors import Code, ValidationFailed
from gridgov.core.pagination import paged
from gridgov.core.params import Day, DbId, Version
from gridgov.rosters import selectors_places as sel
from gridgov.rosters.codes import StaffPost
from gridgov.rosters.models import Building, Estate, StaffAssignment, VillageGroup
from gridgov.rosters.selectors_portrait import portrait_for
from gridgov.rosters.services import places as services
from gridgov.rosters.services import staff as staff_services

router = Router(tags=["rosters: places"])
_4XX = {codes_4xx: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------


class PlaceAreaRef(Schema):
    id: int
    code: str
    name: str
    level: int


class EstateOut(Schema):
    id: int
    area: PlaceAreaRef
    name: str
    address: str
    is_active: bool


class EstateIn(Schema):
    area_id: DbId
    name: str = Field(max_length=100)
    address: str = Field("", max_length=200)


class EstatePatch(Schema):
    name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class VillageGroupOut(Schema):
    id: int
    area: PlaceAreaRef
    name: str
    is_active: bool


class VillageGroupIn(Schema):
    area_id: DbId
    name: str = Field(max_length=100)


class VillageGroupPatch(Schema):
    name: str | None = Field(None, max_length=100)
    is_active: bool | None = None


class EstateRef(Schema):
    id: int
    name: str


class BuildingOut(Schema):
    id: int
    area: PlaceAreaRef
    estate: EstateRef | None
    name: str
    address: str
    floors: int
    lon: float | None
    lat: float | None
    is_active: bool
    version: int


class UnitOut(Schema):
    id: int
    number: int
    name: str
    rooms: int


class MoveOut(Schema):
    id: int
    from_area: PlaceAreaRef
    to_area: PlaceAreaRef
    reason: str
    at: datetime


class BuildingDetail(BuildingOut):
    units: list[UnitOut]
    moves: list[MoveOut]


class BuildingIn(Schema):
    area_id: DbId
    estate_id: DbId | None = None
    name: str = Field(max_length=100)
    address: str = Field("", max_length=200)
    floors: int = Field(
        ge=1,
        le=services.MAX_FLOORS,
        description=f"Floors above ground, 1 to {services.MAX_FLOORS}.",
    )
    units: int = Field(
        ge=1, le=services.MAX_UNITS, description=f"Units, 1 to {services.MAX_UNITS}."
    )
    rooms_per_floor: int = Field(
        ge=1,
        le=services.MAX_ROOMS_PER_FLOOR,
        description=(
            f"Rooms per floor in each unit, 1 to {services.MAX_ROOMS_PER_FLOOR}. floors × units × "
            f"rooms_per_floor may be at most {services.MAX_GENERATED_ROOMS} (else 400 "
            "too_many_rooms)."
        ),
    )
    lon: float | None = None
    lat: float | None = None


class BuildingPatch(Schema):
    version: Version = Field(description="The version you read; a newer one answers 409.")
    name: str | None = Field(None, max_length=100)
    estate_id: DbId | None = Field(None, description="null: a stand-alone building")
    address: str | None = Field(None, max_length=200)
    floors: int | None = Field(None, ge=1, le=services.MAX_FLOORS)
    lon: float | None = None
    lat: float | None = None
    is_active: bool | None = None


class BuildingMoveIn(Schema):
    to_area_id: DbId
    reason: str = Field(max_length=200)


class UnitIn(Schema):
    name: str = Field("", max_length=50)


class RoomIn(Schema):
    unit_id: DbId
    floor: int = Field(
        ge=services.MIN_FLOOR,
        le=services.MAX_FLOORS,
        description=f"{services.MIN_FLOOR} to {services.MAX_FLOORS}; below 0 for basements.",
    )
    number: str = Field("", max_length=20, description="Empty: the next number on the floor")


class RoomOut(Schema):
    id: int
    unit_id: int
    floor: int
    number: str


class RoomCellOut(Schema):
    id: int
    number: str
    households: int
    residents: int
    household_ids: list[int]


class FloorOut(Schema):
    floor: int
    rooms: list[RoomCellOut]


class UnitGridOut(Schema):
    id: int
    number: int
    name: str
    households: int
    residents: int
    floors: list[FloorOut] = Field(description="Top floor first.")


class BuildingGridOut(Schema):
    building: BuildingOut
    rooms: int
    occupied_rooms: int
    households: int
    residents: int = Field(description="Residents living in the building's households.")
    units: list[UnitGridOut]


class UserRef(Schema):
    id: int
    username: str
    display_name: str


class StaffOut(Schema):
    id: int
    user: UserRef
    post: str
    post_label: str
    area: PlaceAreaRef
    building_id: int | None
    unit_id: int | None
    start_on: date
    end_on: date | None

    @staticmethod
    def resolve_post_label(obj: StaffAssignment) -> str:
        return str(obj.get_post_display())


class StaffIn(Schema):
    user_id: DbId
    post: StaffPost
    area_id: DbId
    building_id: DbId | None = None
    unit_id: DbId | None = None
    start_on: Day


class StaffEndIn(Schema):
    end_on: Day


class TypeCountOut(Schema):
    code: str
    label: str
    count: int


class GroupCountOut(Schema):
    code: str
    name: str
    sensitive: bool
    count: int


class CaseRef(Schema):
    id: int
    number: str
    title: str
    status: str
    reported_at: datetime


class PortraitOut(Schema):
    area: PlaceAreaRef
    households: int
    residents: int = Field(description="Residents living here.")
    buildings: int
    estates: int
    village_groups: int
    household_types: list[TypeCountOut]
    special_groups: list[GroupCountOut] = Field(
        description="Open special-group tags; sensitive types only with roster.sensitive."
    )
    staff: list[StaffOut] = Field(description="Posts held now.")
    party_members: int | None = Field(description="null without party.view")
    recent_cases: list[CaseRef] | None = Field(description="null without case.view")


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _area(actor: Any, area_id: int) -> Area:
    return sel.place_area_get_for(actor=actor, pk=area_id)


def _estate_ref(actor: Any, estate_id: int | None) -> Estate | None:
    return sel.estate_get_for(actor=actor, pk=estate_id) if estate_id is not None else None


def _building_detail(building: Building) -> dict[str, Any]:
    return {
        **BuildingOut.model_validate(building).model_dump(),
        "units": [
            {"id": u.pk, "number": u.number, "name": str(u), "rooms": u.n_rooms}
            for u in building.units.annotate(n_rooms=Count("rooms")).order_by("number")
        ],
        "moves": list(sel.building_moves(building=building)[:50]),
    }


# --- Estates and villagers' groups ------------------------------------------------------------


@router.get("/estates", response={200: list[EstateOut], **_4XX}, summary="List estates")
@paged
def estate_list(request: HttpRequest, area: DbId | None = None, q: str = "") -> QuerySet[Estate]:
    """Estates you may see; `area` narrows to an area's subtree, `q` to a name."""
    actor = _actor(request)
    return sel.estate_list_for(
        actor=actor, area=_area(actor, area) if area is not None else None, q=q
    )


@router.post("/estates", response={201: EstateOut, **_4XX}, summary="Create an estate")
def estate_create(request: HttpRequest, payload: EstateIn) -> tuple[int, Estate]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "estate_create")
    estate = services.estate_create(
        actor=actor, area=_area(actor, payload.area_id), name=payload.name, address=payload.address
    )
    return 201, estate


@router.patch("/estates/{estate_id}", response={200: EstateOut, **_4XX}, summary="Edit")
def estate_update(request: HttpRequest, estate_id: int, payload: EstatePatch) -> Estate:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "estate_update")
    estate = sel.estate_get_for(actor=actor, pk=estate_id)
    return services.estate_update(
        actor=actor,
        estate=estate,
        name=payload.name,
        address=payload.address,
        is_active=payload.is_active,
    )


@router.get(
    "/village-groups", response={200: list[VillageGroupOut], **_4XX}, summary="Villagers' groups"
)
@paged
def village_group_list(request: HttpRequest, area: DbId | None = None) -> QuerySet[VillageGroup]:
    actor = _actor(request)
    return sel.village_group_list_for(
        actor=actor, area=_area(actor, area) if area is not None else None
    )


@router.post("/village-groups", response={201: VillageGroupOut, **_4XX}, summary="Create")
def village_group_create(request: HttpRequest, payload: VillageGroupIn) -> tuple[int, VillageGroup]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "village_group_create")
    group = services.village_group_create(
        actor=actor, area=_area(actor, payload.area_id), name=payload.name
    )
    return 201, group


@router.patch("/village-groups/{group_id}", response={200: VillageGroupOut, **_4XX}, summary="Edit")
def village_group_update(
    request: HttpRequest, group_id: int, payload: VillageGroupPatch
) -> VillageGroup:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "village_group_update")
    group = sel.village_group_get_for(actor=actor, pk=group_id)
    return services.village_group_update(
        actor=actor, group=group, name=payload.name, is_active=payload.is_active
    )


# --- Buildings --------------------------------------------------------------------------------


@router.get("/buildings", response={200: list[BuildingOut], **_4XX}, summary="List buildings")
@paged
def building_list(
    request: HttpRequest,
    area: DbId | None = None,
    estate: DbId | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> QuerySet[Building]:
    """Buildings you may see, by area (subtree), estate, or `q` (name, estate, address)."""
    actor = _actor(request)
    return sel.building_list_for(
        actor=actor,
        area=_area(actor, area) if area is not None else None,
        estate=_estate_ref(actor, estate),
        q=q,
        include_inactive=include_inactive,
    )


@router.post("/buildings", response={201: BuildingDetail, **_4XX}, summary="Create a building")
def building_create(request: HttpRequest, payload: BuildingIn) -> tuple[int, dict[str, Any]]:
    """Creates its units and rooms (numbered floor × 100 + n: 101, 102 … 1804)."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "building_create")
    building = services.building_create(
        actor=actor,
        area=_area(actor, payload.area_id),
        estate=_estate_ref(actor, payload.estate_id),
        name=payload.name,
        address=payload.address,
        floors=payload.floors,
        units=payload.units,
        rooms_per_floor=payload.rooms_per_floor,
        lon=payload.lon,
        lat=payload.lat,
    )
    return 201, _building_detail(building)


@router.get("/buildings/{building_id}", response={200: BuildingDetail, **_4XX}, summary="One")
def building_get(request: HttpRequest, building_id: int) -> dict[str, Any]:
    return _building_detail(sel.building_get_for(actor=_actor(request), pk=building_id))


@router.patch("/buildings/{building_id}", response={200: BuildingDetail, **_4XX}, summary="Edit")
def building_update(request: HttpRequest, building_id: int, payload: BuildingPatch) -> Any:
    """Send the `version` you read (409 `stale_version` if it moved on) and the fields to
    change; `estate_id: null` makes it a stand-alone building."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "building_update")
    building = sel.building_get_for(actor=actor, pk=building_id)
    sent = payload.model_fields_set - {"version"}
    if not sent:
        raise ValidationFailed(_("Nothing to change."), code=Code.NOTHING_TO_CHANGE)
    changes: dict[str, Any] = {}
    for name in sent:
        if name == "estate_id":
            changes["estate"] = _estate_ref(actor, payload.estate_id)
        else:
            changes[name] = getattr(payload, name)
    building = services.building_update(
        actor=actor, building=building, version=payload.version, **changes
    )
    return _building_detail(building)


@router.post(
    "/buildings/{building_id}/move", response={200: MoveOut, **_4XX}, summary="Move to a grid"
)
def building_move(request: HttpRequest, building_id: int, payload: BuildingMoveIn) -> Any:
    """Hand the building to another grid (roster.edit at both); its households, residents and
    special-group tags move with it; the move is kept in its history."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "building_move")
    building = sel.building_get_for(actor=actor, pk=building_id)
    return services.building_move(
        actor=actor,
        building=building,
        to_area=_area(actor, payload.to_area_id),
        reason=payload.reason,
    )


@router.get(
    "/buildings/{building_id}/grid",
    response={200: BuildingGridOut, **_4XX},
    summary="Units × floors × rooms with occupancy",
)
def building_grid(request: HttpRequest, building_id: int) -> dict[str, Any]:
    building = sel.building_get_for(actor=_actor(request), pk=building_id)
    grid = sel.building_grid(building)
    return {
        "building": building,
        "rooms": grid.rooms,
        "occupied_rooms": grid.occupied_rooms,
        "households": grid.households,
        "residents": grid.residents,
        "units": [
            {
                "id": u.unit.pk,
                "number": u.unit.number,
                "name": str(u.unit),
                "households": u.households,
                "residents": u.residents,
                "floors": [
                    {
                        "floor": row.floor,
                        "rooms": [
                            {
                                "id": c.room.pk,
                                "number": c.room.number,
                                "households": c.households,
                                "residents": c.residents,
                                "household_ids": c.household_ids,
                            }
                            for c in row.rooms
                        ],
                    }
                    for row in u.floors
                ],
            }
            for u in grid.units
        ],
    }


@router.post("/buildings/{building_id}/units", response={201: UnitOut, **_4XX}, summary="Unit")
def unit_add(request: HttpRequest, building_id: int, payload: UnitIn) -> tuple[int, Any]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "unit_add")
    building = sel.building_get_for(actor=actor, pk=building_id)
    unit = services.unit_add(actor=actor, building=building, name=payload.name)
    return 201, {"id": unit.pk, "number": unit.number, "name": str(unit), "rooms": 0}


@router.post("/buildings/{building_id}/rooms", response={201: RoomOut, **_4XX}, summary="Room")
def room_add(request: HttpRequest, building_id: int, payload: RoomIn) -> tuple[int, Any]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "room_add")
    building = sel.building_get_for(actor=actor, pk=building_id)
    unit = sel.unit_get(building=building, pk=payload.unit_id)
    room = services.room_add(actor=actor, unit=unit, floor=payload.floor, number=payload.number)
    return 201, room


# --- Staff posts ------------------------------------------------------------------------------


@router.get("/staff-posts", response={200: list[StaffOut], **_4XX}, summary="Grid staff posts")
@paged
def staff_list(
    request: HttpRequest,
    area: DbId | None = None,
    building: DbId | None = None,
    include_ended: bool = False,
) -> QuerySet[StaffAssignment]:
    """Posts held now (`include_ended` for history) in an area's subtree or of a building."""
    actor = _actor(request)
    return sel.staff_list_for(
        actor=actor,
        area=_area(actor, area) if area is not None else None,
        building=sel.building_get_for(actor=actor, pk=building) if building is not None else None,
        include_ended=include_ended,
    )


@router.post("/staff-posts", response={201: StaffOut, **_4XX}, summary="Assign a post")
def staff_assign(request: HttpRequest, payload: StaffIn) -> tuple[int, StaffAssignment]:
    """网格长 / 专职网格员 / 兼职网格员 of a grid; 楼栋长 with `building_id`; 单元长 with
    `building_id` and `unit_id`. The user must hold a fitting role in the grid."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "staff_assign")
    area = _area(actor, payload.area_id)
    building = (
        sel.building_get_for(actor=actor, pk=payload.building_id)
        if payload.building_id is not None
        else None
    )
    unit = None
    if payload.unit_id is not None:
        if building is None:
            message = _("Choose the building.")
            raise ValidationFailed(
                message, code=Code.BUILDING_REQUIRED, fields={"building": message}
            )
        unit = sel.unit_get(building=building, pk=payload.unit_id)
    user = sel.assignable_users(actor=actor, area=area).filter(pk=payload.user_id).first()
    if user is None:
        message = _("This user holds no role in this grid that fits the post.")
        raise ValidationFailed(message, code=Code.NO_GRANT, fields={"user": message})
    post = staff_services.staff_assign(
        actor=actor,
        user=user,
        post=payload.post,
        area=area,
        building=building,
        unit=unit,
        start_on=payload.start_on,
    )
    return 201, post


@router.post("/staff-posts/{post_id}/end", response={200: StaffOut, **_4XX}, summary="End")
def staff_end(request: HttpRequest, post_id: int, payload: StaffEndIn) -> StaffAssignment:
    actor = _actor(request)
    _require_anywhere(actor, Perm.ROSTER_EDIT, "staff_end")
    post = sel.staff_get_for(actor=actor, pk=post_id)
    return staff_services.staff_end(actor=actor, assignment=post, end_on=payload.end_on)


# --- Portrait ---------------------------------------------------------------------------------


@router.get(
    "/grids/{area_id}/portrait", response={200: PortraitOut, **_4XX}, summary="Grid portrait"
)
def portrait(request: HttpRequest, area_id: int) -> dict[str, Any]:
    """Counts of an area's subtree: households (by type), residents living here, buildings,
    special groups you may see, staff on post, party members and the latest cases."""
    actor = _actor(request)
    p = portrait_for(actor=actor, area=_area(actor, area_id))
    return {
        "area": p.area,
        "households": p.households,
        "residents": p.residents,
        "buildings": p.buildings,
        "estates": p.estates,
        "village_groups": p.village_groups,
        "household_types": [vars(t) for t in p.household_types],
        "special_groups": [
            {
                "code": g.tag_type.code,
                "name": g.tag_type.name,
                "sensitive": g.tag_type.sensitive,
                "count": g.count,
            }
            for g in p.special_groups
        ],
        "staff": p.staff,
        "party_members": p.party_members,
        "recent_cases": p.recent_cases,
    }
