"""Reads of the places roster (estates, villagers' groups, buildings with their units × floors ×
rooms and occupancy) and of grid staff posts, always scoped through
:mod:`gridgov.accounts.scoping` on the copied ``area_path`` (``roster.view`` by default).
An object outside the jurisdiction is :class:`~gridgov.core.errors.NotFound`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import visible
from gridgov.rosters.codes import ResidentStatus
from gridgov.rosters.models import (
    Building,
    BuildingMove,
    BuildingUnit,
    Estate,
    Household,
    Resident,
    Room,
    StaffAssignment,
    VillageGroup,
)
from gridgov.rosters.services.places import PLACE_LEVELS
from gridgov.rosters.services.staff import POST_ROLES

MAX_Q = 50


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


def _scoped(qs: QuerySet[Any], actor: Any, perm: str) -> QuerySet[Any]:
    return visible(qs, actor, perm)


def _in_area(qs: QuerySet[Any], area: Area | None) -> QuerySet[Any]:
    return qs.filter(subtree_q(area.path, field="area_path")) if area is not None else qs


# --- Estates and villagers' groups ------------------------------------------------------------


def estate_list_for(
    *,
    actor: Any,
    area: Area | None = None,
    q: str = "",
    include_inactive: bool = False,
    perm: str = Perm.ROSTER_VIEW,
) -> QuerySet[Estate]:
    qs = _in_area(_scoped(Estate.objects.select_related("area"), actor, perm), area)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    q = (q or "").strip()[:MAX_Q]
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("area_path", "name")


def estate_get_for(*, actor: Any, pk: int, perm: str = Perm.ROSTER_VIEW) -> Estate:
    estate = _scoped(Estate.objects.select_related("area"), actor, perm).filter(pk=pk).first()
    if estate is None:
        raise _not_found()
    return estate


def village_group_list_for(
    *,
    actor: Any,
    area: Area | None = None,
    include_inactive: bool = False,
    perm: str = Perm.ROSTER_VIEW,
) -> QuerySet[VillageGroup]:
    qs = _in_area(_scoped(VillageGroup.objects.select_related("area"), actor, perm), area)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("area_path", "name")


def village_group_get_for(*, actor: Any, pk: int, perm: str = Perm.ROSTER_VIEW) -> VillageGroup:
    group = _scoped(VillageGroup.objects.select_related("area"), actor, perm).filter(pk=pk).first()
    if group is None:
        raise _not_found()
    return group


# --- Buildings --------------------------------------------------------------------------------


def _household_count() -> Coalesce:
    sub = (
        Household.objects.filter(room__unit__building=OuterRef("pk"), is_active=True)
        .order_by()
        .values("room__unit__building")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def building_list_for(
    *,
    actor: Any,
    area: Area | None = None,
    estate: Estate | None = None,
    q: str = "",
    include_inactive: bool = False,
    perm: str = Perm.ROSTER_VIEW,
    with_counts: bool = False,
) -> QuerySet[Building]:
    """Buildings the actor may see, in estate order then by name. ``with_counts`` adds
    ``n_households`` (active households in the building's rooms) for list pages."""
    qs = _in_area(_scoped(Building.objects.select_related("area", "estate"), actor, perm), area)
    if estate is not None:
        qs = qs.filter(estate=estate)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    q = (q or "").strip()[:MAX_Q]
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(address__icontains=q) | Q(estate__name__icontains=q)
        )
    if with_counts:
        qs = qs.annotate(n_households=_household_count())
    return qs.order_by("area_path", "estate__name", "name", "pk")


def building_get_for(*, actor: Any, pk: int, perm: str = Perm.ROSTER_VIEW) -> Building:
    building = (
        _scoped(Building.objects.select_related("area", "estate"), actor, perm)
        .filter(pk=pk)
        .first()
    )
    if building is None:
        raise _not_found()
    return building


def building_moves(*, building: Building) -> QuerySet[BuildingMove]:
    """The building's hand-overs between grids, newest first (read after building_get_for)."""
    return building.moves.select_related("from_area", "to_area", "actor").order_by("-at", "-id")


def unit_get(*, building: Building, pk: int) -> BuildingUnit:
    unit = building.units.filter(pk=pk).first()
    if unit is None:
        raise _not_found()
    return unit


@dataclass
class RoomCell:
    room: Room
    household_ids: list[int] = field(default_factory=list)
    residents: int = 0

    @property
    def households(self) -> int:
        return len(self.household_ids)


@dataclass
class FloorRow:
    floor: int
    rooms: list[RoomCell]


@dataclass
class UnitGrid:
    unit: BuildingUnit
    floors: list[FloorRow]  # top floor first, as a building is drawn
    households: int = 0
    residents: int = 0


@dataclass
class BuildingGrid:
    building: Building
    units: list[UnitGrid]
    households: int = 0
    residents: int = 0
    rooms: int = 0
    occupied_rooms: int = 0
    max_rooms_per_floor: int = 0


def building_grid(building: Building) -> BuildingGrid:
    """Units × floors × rooms of ``building`` with each room's occupancy: the active households
    living there and their residents living here. Four queries, whatever the size: units, rooms,
    households, residents counted per room. (Scope first with :func:`building_get_for`.)"""
    units = list(building.units.order_by("number"))
    rooms = list(Room.objects.filter(unit__building=building).order_by("unit_id", "-floor", "pk"))
    households: dict[int, list[int]] = {}
    for hid, room_id in (
        Household.objects.filter(room__unit__building=building, is_active=True)
        .order_by("pk")
        .values_list("pk", "room_id")
    ):
        households.setdefault(room_id, []).append(hid)
    residents = dict(
        Resident.objects.filter(
            household__room__unit__building=building,
            household__is_active=True,
            status=ResidentStatus.LIVING,
        )
        .order_by()
        .values("household__room_id")
        .annotate(n=Count("pk"))
        .values_list("household__room_id", "n")
    )
    by_unit: dict[int, dict[int, list[RoomCell]]] = {}
    for room in rooms:
        cell = RoomCell(
            room=room,
            household_ids=households.get(room.pk, []),
            residents=residents.get(room.pk, 0),
        )
        by_unit.setdefault(room.unit_id, {}).setdefault(room.floor, []).append(cell)
    grid = BuildingGrid(building=building, units=[])
    for unit in units:
        floors = by_unit.get(unit.pk, {})
        rows = [
            FloorRow(floor=f, rooms=sorted(floors[f], key=lambda c: _room_key(c.room.number)))
            for f in sorted(floors, reverse=True)
        ]
        cells = [c for row in rows for c in row.rooms]
        ug = UnitGrid(
            unit=unit,
            floors=rows,
            households=sum(c.households for c in cells),
            residents=sum(c.residents for c in cells),
        )
        grid.units.append(ug)
        grid.households += ug.households
        grid.residents += ug.residents
        grid.rooms += len(cells)
        grid.occupied_rooms += sum(1 for c in cells if c.household_ids)
        grid.max_rooms_per_floor = max([grid.max_rooms_per_floor, *(len(r.rooms) for r in rows)])
    return grid


def _room_key(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (1 << 30, number)


# --- Grids the actor may work in --------------------------------------------------------------


def place_areas_for(*, actor: Any, perm: str = Perm.ROSTER_EDIT) -> QuerySet[Area]:
    """Active grids and micro-grids where ``actor`` holds ``perm`` (choices for forms)."""
    return (
        scoping.scope(Area.objects.all(), actor, perm)
        .filter(level__in=PLACE_LEVELS, is_active=True)
        .defer("geometry")
        .order_by("code")
    )


def place_area_get_for(*, actor: Any, pk: int, perm: str = Perm.ROSTER_VIEW) -> Area:
    """An area of any level in the actor's ``perm`` jurisdiction (portrait, staff pages)."""
    area = scoping.scope(Area.objects.all(), actor, perm).filter(pk=pk, is_active=True).first()
    if area is None:
        raise _not_found()
    return area


# --- Staff posts ------------------------------------------------------------------------------


def staff_list_for(
    *,
    actor: Any,
    area: Area | None = None,
    building: Building | None = None,
    include_ended: bool = False,
    perm: str = Perm.ROSTER_VIEW,
) -> QuerySet[StaffAssignment]:
    """Staff posts in the actor's jurisdiction (in ``area``'s subtree / of ``building``), open
    ones only unless ``include_ended``."""
    qs = _in_area(
        _scoped(
            StaffAssignment.objects.select_related("user", "area", "building__estate", "unit"),
            actor,
            perm,
        ),
        area,
    )
    if building is not None:
        qs = qs.filter(building=building)
    if not include_ended:
        qs = qs.filter(end_on__isnull=True)
    return qs.order_by("area_path", "post", "building_id", "unit_id", "-start_on", "pk")


def staff_get_for(*, actor: Any, pk: int, perm: str = Perm.ROSTER_VIEW) -> StaffAssignment:
    post = (
        _scoped(StaffAssignment.objects.select_related("user", "area"), actor, perm)
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise _not_found()
    return post


def assignable_users(*, actor: Any, area: Area) -> QuerySet[User]:
    """Users who may be given a post at ``area``: a grant there or above it with a role that
    fits some post. Empty unless the actor may edit the area's roster."""
    if not scoping.can(actor, Perm.ROSTER_EDIT, area):
        return User.objects.none()
    roles = set().union(*POST_ROLES.values())
    ancestor_ids = [int(p) for p in area.path.split("/") if p]
    user_ids = RoleGrant.objects.filter(area_id__in=ancestor_ids, role__in=roles).values("user")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("username")
