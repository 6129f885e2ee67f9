"""Writes of the places roster: estates (小区), villagers' groups (村民小组), buildings (楼栋) with
their units (单元) and rooms, and handing a building to another grid with its history.

Every service checks ``roster.edit`` at the area it writes (``actor=None`` is the system: demo
generator, importer), runs in one transaction, and appends :class:`RosterEvent` rows that name
the fields changed, never personal data.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.rosters.models import (
    Building,
    BuildingMove,
    BuildingUnit,
    Estate,
    Household,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    StaffAssignment,
    VillageGroup,
)

# Levels a roster place may belong to (the contract: a grid or a micro-grid).
PLACE_LEVELS = (Level.GRID, Level.MICRO_GRID)
# The size of a building, as a county's rosters meet them. The high-rises of 凤城区 have at most
# 50 floors (residential towers above 100 m are rare anywhere in Ningxia); a slab block has at
# most 8-10 units (单元); a unit has 2-8 flats per floor, a corridor block up to ~16. The bounds
# leave headroom above that and stop a typo (120 floors × 40 units × 99 rooms = 475 200 rooms)
# from writing half a million rows while every other request waits for the database.
MAX_FLOORS = 60
MAX_UNITS = 12
MAX_ROOMS_PER_FLOOR = 20  # per unit; room numbers are floor * 100 + n
MIN_FLOOR = -5  # basements, for rooms added one by one
# Rooms made in one go (floors × units × rooms per floor): a 50-floor tower of 4 units with 8
# flats per floor has 1 600. Made in one transaction of a few hundred milliseconds, so creating
# a building stays a plain synchronous request; more is refused (split it into buildings).
MAX_GENERATED_ROOMS = 2000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def check_place_area(area: Area | None, field: str = "area") -> Area:
    if area is None or area.level not in PLACE_LEVELS or not area.is_active:
        raise ValidationFailed(
            _("Choose an active grid or micro-grid."), code=Code.INVALID_AREA, fields={field: ""}
        )
    return area


def _allow(actor: Any, area: Area, what: str) -> None:
    scoping.require_unless_system(actor, Perm.ROSTER_EDIT, area, what=what)


def _name(value: str, field: str = "name", max_length: int = 100) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(
            _("This field is required."),
            code=Code.REQUIRED,
            fields={field: _("This field is required.")},
        )
    if len(value) > max_length:
        message = _("At most %(n)d characters.") % {"n": max_length}
        raise ValidationFailed(message, code=Code.TOO_LONG, fields={field: message})
    return value


def _int_in(value: Any, low: int, high: int, field: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = low - 1
    if not low <= n <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        raise ValidationFailed(message, code=Code.OUT_OF_RANGE, fields={field: message})
    return n


def _event(
    *, kind: str, actor: Any, building: Building | None = None, detail: dict[str, Any]
) -> RosterEvent:
    return RosterEvent.objects.create(
        kind=kind, building=building, actor=_user(actor), detail=detail
    )


def _stale() -> Conflict:
    return Conflict(
        _("This building was changed by someone else meanwhile; reload and try again."),
        code=Code.STALE_VERSION,
    )


# --- Estates and villagers' groups ------------------------------------------------------------


def _duplicate_name() -> Conflict:
    message = _("This name is already used in this grid.")
    return Conflict(message, code=Code.DUPLICATE_NAME, fields={"name": message})


def estate_create(*, actor: Any, area: Area, name: str, address: str = "") -> Estate:
    check_place_area(area)
    _allow(actor, area, "estate_create")
    name = _name(name)
    address = (address or "").strip()[:200]
    try:
        with transaction.atomic():
            estate = Estate.objects.create(area=area, name=name, address=address)
            _event(
                kind=RosterEvent.Kind.CREATED,
                actor=actor,
                detail={"estate": estate.pk, "fields": ["name", "address"]},
            )
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    return estate


def estate_update(
    *,
    actor: Any,
    estate: Estate,
    name: str | None = None,
    address: str | None = None,
    is_active: bool | None = None,
) -> Estate:
    _allow(actor, estate.area, "estate_update")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _name(name)
    if address is not None:
        changes["address"] = address.strip()[:200]
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    changed = [k for k, v in changes.items() if getattr(estate, k) != v]
    if not changed:
        return estate
    try:
        with transaction.atomic():
            Estate.objects.filter(pk=estate.pk).update(**{k: changes[k] for k in changed})
            _event(
                kind=RosterEvent.Kind.CHANGED,
                actor=actor,
                detail={"estate": estate.pk, "fields": changed},
            )
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    for k in changed:
        setattr(estate, k, changes[k])
    return estate


def village_group_create(*, actor: Any, area: Area, name: str) -> VillageGroup:
    check_place_area(area)
    _allow(actor, area, "village_group_create")
    name = _name(name)
    try:
        with transaction.atomic():
            group = VillageGroup.objects.create(area=area, name=name)
            _event(
                kind=RosterEvent.Kind.CREATED,
                actor=actor,
                detail={"village_group": group.pk, "fields": ["name"]},
            )
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    return group


def village_group_update(
    *, actor: Any, group: VillageGroup, name: str | None = None, is_active: bool | None = None
) -> VillageGroup:
    _allow(actor, group.area, "village_group_update")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _name(name)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    changed = [k for k, v in changes.items() if getattr(group, k) != v]
    if not changed:
        return group
    try:
        with transaction.atomic():
            VillageGroup.objects.filter(pk=group.pk).update(**{k: changes[k] for k in changed})
            _event(
                kind=RosterEvent.Kind.CHANGED,
                actor=actor,
                detail={"village_group": group.pk, "fields": changed},
            )
    except IntegrityError as exc:
        raise _duplicate_name() from exc
    for k in changed:
        setattr(group, k, changes[k])
    return group


# --- Buildings, units, rooms ------------------------------------------------------------------


def _check_estate(estate: Estate | None, area: Area) -> None:
    if estate is not None and estate.area_id != area.pk:
        message = _("The estate belongs to another grid.")
        raise ValidationFailed(message, code=Code.ESTATE_ELSEWHERE, fields={"estate": message})


def _check_building_name(
    area: Area, estate: Estate | None, name: str, exclude: int | None = None
) -> None:
    # The unique constraint does not catch two stand-alone buildings (estate NULL) of one name.
    qs = Building.objects.filter(area=area, estate=estate, name=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        message = _("A building of this name already exists here.")
        raise Conflict(message, code=Code.DUPLICATE_NAME, fields={"name": message})


def _point(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    from gridgov.areas.geo import validate_point

    try:
        return validate_point(lon, lat)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={"lon": exc.message}) from exc


def room_number(floor: int, n: int) -> str:
    """101, 102 … 1804: floor * 100 + the room's position on the floor."""
    return str(floor * 100 + n)


def check_building_size(*, floors: Any, units: Any, rooms_per_floor: Any) -> tuple[int, int, int]:
    """The counts as whole numbers within :data:`MAX_FLOORS`, :data:`MAX_UNITS`,
    :data:`MAX_ROOMS_PER_FLOOR` and, multiplied, :data:`MAX_GENERATED_ROOMS`; else
    :class:`ValidationFailed` naming the fields (the API, the web form and the import all
    come here)."""
    floors = _int_in(floors, 1, MAX_FLOORS, "floors")
    units = _int_in(units, 1, MAX_UNITS, "units")
    rooms_per_floor = _int_in(rooms_per_floor, 1, MAX_ROOMS_PER_FLOOR, "rooms_per_floor")
    total = floors * units * rooms_per_floor
    if total > MAX_GENERATED_ROOMS:
        message = _(
            "%(floors)d floors × %(units)d units × %(rooms)d rooms make %(total)d rooms; at most "
            "%(max)d rooms are made at once. Enter the building in parts, or add rooms later."
        ) % {
            "floors": floors,
            "units": units,
            "rooms": rooms_per_floor,
            "total": total,
            "max": MAX_GENERATED_ROOMS,
        }
        raise ValidationFailed(
            message, code=Code.TOO_MANY_ROOMS, fields={"rooms_per_floor": message}
        )
    return floors, units, rooms_per_floor


def _make_rooms(unit: BuildingUnit, floors: int, rooms_per_floor: int) -> list[Room]:
    return [
        Room(unit=unit, floor=f, number=room_number(f, n))
        for f in range(1, floors + 1)
        for n in range(1, rooms_per_floor + 1)
    ]


def building_create(
    *,
    actor: Any,
    area: Area,
    name: str,
    estate: Estate | None = None,
    address: str = "",
    floors: int,
    units: int,
    rooms_per_floor: int,
    lon: Any = None,
    lat: Any = None,
) -> Building:
    """A building with ``units`` units (1单元 …) and, in each, ``floors`` × ``rooms_per_floor``
    rooms numbered floor * 100 + n (101, 102 … 1804)."""
    check_place_area(area)
    _allow(actor, area, "building_create")
    name = _name(name)
    floors, units, rooms_per_floor = check_building_size(
        floors=floors, units=units, rooms_per_floor=rooms_per_floor
    )
    _check_estate(estate, area)
    x, y = _point(lon, lat)
    with transaction.atomic():
        _check_building_name(area, estate, name)
        try:
            with transaction.atomic():
                building = Building.objects.create(
                    area=area,
                    estate=estate,
                    name=name,
                    address=(address or "").strip()[:200],
                    floors=floors,
                    lon=x,
                    lat=y,
                )
        except IntegrityError as exc:
            message = _("A building of this name already exists here.")
            raise Conflict(message, code=Code.DUPLICATE_NAME, fields={"name": message}) from exc
        made = BuildingUnit.objects.bulk_create(
            [
                BuildingUnit(building=building, number=u, name=f"{u}单元")
                for u in range(1, units + 1)
            ]
        )
        if any(u.pk is None for u in made):  # backends without RETURNING on bulk insert
            made = list(building.units.order_by("number"))
        rooms: list[Room] = []
        for unit in made:
            rooms.extend(_make_rooms(unit, floors, rooms_per_floor))
        Room.objects.bulk_create(rooms, batch_size=1000)
        _event(
            kind=RosterEvent.Kind.CREATED,
            actor=actor,
            building=building,
            detail={"units": units, "floors": floors, "rooms": len(rooms)},
        )
    return building


_BUILDING_FIELDS = ("name", "estate", "address", "floors", "lon", "lat", "is_active")


def building_update(*, actor: Any, building: Building, version: int, **changes: Any) -> Building:
    """Change a building's name, estate, address, floors, position or active flag.

    ``version`` is the one the actor read; a newer one is a 409 ``stale_version``. Changing
    ``floors`` records the number only: rooms are added with :func:`room_add`.
    """
    unknown = set(changes) - set(_BUILDING_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))},
            code=Code.UNKNOWN_FIELDS,
        )
    area = building.area
    _allow(actor, area, "building_update")
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = _name(changes["name"])
    if "estate" in changes:
        _check_estate(changes["estate"], area)
        clean["estate"] = changes["estate"]
    if "address" in changes:
        clean["address"] = (changes["address"] or "").strip()[:200]
    if "floors" in changes:
        clean["floors"] = _int_in(changes["floors"], 1, MAX_FLOORS, "floors")
    if "lon" in changes or "lat" in changes:
        clean["lon"], clean["lat"] = _point(
            changes.get("lon", building.lon), changes.get("lat", building.lat)
        )
    if "is_active" in changes:
        clean["is_active"] = bool(changes["is_active"])
    changed = [k for k, v in clean.items() if getattr(building, k) != v]
    with transaction.atomic():
        if "name" in changed or "estate" in changed:
            _check_building_name(
                area,
                clean.get("estate", building.estate),
                clean.get("name", building.name),
                exclude=building.pk,
            )
        row = {k: clean[k] for k in changed if k != "estate"}
        if "estate" in changed:
            row["estate_id"] = clean["estate"].pk if clean["estate"] is not None else None
        try:
            with transaction.atomic():
                updated = Building.objects.filter(pk=building.pk, version=version).update(
                    version=F("version") + 1, **row
                )
        except IntegrityError as exc:
            message = _("A building of this name already exists here.")
            raise Conflict(message, code=Code.DUPLICATE_NAME, fields={"name": message}) from exc
        if updated != 1:
            raise _stale()
        if changed:
            _event(
                kind=RosterEvent.Kind.CHANGED,
                actor=actor,
                building=building,
                detail={"fields": changed},
            )
    building.refresh_from_db()
    return building


def unit_add(*, actor: Any, building: Building, name: str = "") -> BuildingUnit:
    """One more unit, numbered after the last, with the building's floors but no rooms yet."""
    _allow(actor, building.area, "unit_add")
    with transaction.atomic():
        last = building.units.order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
        if number > MAX_UNITS:
            raise ValidationFailed(
                _("A building has at most %(n)d units.") % {"n": MAX_UNITS}, code=Code.TOO_MANY
            )
        unit = BuildingUnit.objects.create(
            building=building, number=number, name=(name or "").strip()[:50] or f"{number}单元"
        )
        _event(
            kind=RosterEvent.Kind.CHANGED,
            actor=actor,
            building=building,
            detail={"fields": ["units"], "unit": unit.pk},
        )
    return unit


def room_add(*, actor: Any, unit: BuildingUnit, floor: int, number: str = "") -> Room:
    """A room on ``floor`` of ``unit``; without a number, the next one on that floor."""
    building = unit.building
    _allow(actor, building.area, "room_add")
    floor = _int_in(floor, MIN_FLOOR, MAX_FLOORS, "floor")
    number = (number or "").strip()
    with transaction.atomic():
        if not number:
            on_floor = [
                int(n)
                for n in unit.rooms.filter(floor=floor).values_list("number", flat=True)
                if n.isdigit()
            ]
            position = max((n - floor * 100 for n in on_floor), default=0) + 1
            if position > MAX_ROOMS_PER_FLOOR:
                message = _("This floor has no free room number left.")
                raise ValidationFailed(message, code=Code.TOO_MANY, fields={"number": message})
            number = room_number(floor, position)
        number = _name(number, "number", max_length=20)
        if unit.rooms.filter(number=number).exists():
            message = _("This room number already exists in the unit.")
            raise Conflict(message, code=Code.DUPLICATE_ROOM, fields={"number": message})
        room = Room.objects.create(unit=unit, floor=floor, number=number)
        _event(
            kind=RosterEvent.Kind.CHANGED,
            actor=actor,
            building=building,
            detail={"fields": ["rooms"], "room": room.pk},
        )
    return room


# --- Handing a building to another grid -------------------------------------------------------


def building_move(*, actor: Any, building: Building, to_area: Area, reason: str) -> BuildingMove:
    """Hand ``building`` to the grid ``to_area``: needs ``roster.edit`` at both grids.

    In one transaction: the building, its households, their residents and those residents'
    special-group tags take the new grid's area and path (bulk UPDATEs), the building's open
    staff posts (楼栋长/单元长) follow it, and the move is kept as a :class:`BuildingMove` with
    :class:`RosterEvent` rows for the building and each household.
    """
    check_place_area(to_area, "to_area")
    from_area = building.area
    _allow(actor, from_area, "building_move")
    _allow(actor, to_area, "building_move")
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for the move.")
        raise ValidationFailed(message, code=Code.REQUIRED, fields={"reason": message})
    if len(reason) > 200:
        message = _("At most %(n)d characters.") % {"n": 200}
        raise ValidationFailed(message, code=Code.TOO_LONG, fields={"reason": message})
    if to_area.pk == from_area.pk:
        message = _("The building already belongs to this grid.")
        raise ValidationFailed(message, code=Code.SAME_AREA, fields={"to_area": message})
    with transaction.atomic():
        _check_building_name(to_area, building.estate, building.name, exclude=building.pk)
        updated = Building.update_area(
            Building.objects.filter(pk=building.pk, version=building.version),
            area=to_area,
            version=F("version") + 1,
        )
        if updated != 1:
            raise _stale()
        household_ids = list(
            Household.objects.filter(room__unit__building=building).values_list("pk", flat=True)
        )
        residents = 0
        if household_ids:
            Household.update_area(Household.objects.filter(pk__in=household_ids), area=to_area)
            residents = Resident.update_area(
                Resident.objects.filter(household_id__in=household_ids), area=to_area
            )
            ResidentTag.objects.filter(resident__household_id__in=household_ids).update(
                **ResidentTag.path_from(to_area)
            )
        staff = StaffAssignment.update_area(
            StaffAssignment.objects.filter(building=building, end_on__isnull=True), area=to_area
        )
        move = BuildingMove.objects.create(
            building=building,
            from_area=from_area,
            to_area=to_area,
            reason=reason,
            actor=_user(actor),
        )
        detail = {"from_area": from_area.pk, "to_area": to_area.pk, "move": move.pk}
        _event(
            kind=RosterEvent.Kind.BUILDING_MOVED,
            actor=actor,
            building=building,
            detail={
                **detail,
                "households": len(household_ids),
                "residents": residents,
                "staff_posts": staff,
            },
        )
        RosterEvent.objects.bulk_create(
            [
                RosterEvent(
                    kind=RosterEvent.Kind.BUILDING_MOVED,
                    household_id=pk,
                    building=building,
                    actor=_user(actor),
                    detail=detail,
                )
                for pk in household_ids
            ],
            batch_size=1000,
        )
    building.area = to_area
    building.sync_area_path()
    building.version += 1
    return move
