"""The buildings sheet (楼栋信息): one row per building; units and rooms are made from the counts.

Matched on re-import by grid + 小区 + 楼栋: a known building gets its address and floors
updated and any missing units or rooms added (nothing is ever removed by an import). New
buildings go through :func:`gridgov.rosters.services.places.building_create` (a few hundred rows
at most, so one service call per row is fine here).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from gridgov.core.errors import DomainError
from gridgov.core.excel import CellProblem, Sheet, SheetRow, to_int
from gridgov.rosters.excel.common import (
    Context,
    Outcome,
    Progress,
    SheetSpec,
    optional_text,
    required_text,
)
from gridgov.rosters.models import Building, BuildingUnit, Estate, Room, RosterEvent
from gridgov.rosters.services import places

GRID = "所属网格编码"
ESTATE = "小区"
BUILDING = "楼栋"
ADDRESS = "地址"
FLOORS = "层数"
UNITS = "单元数"
PER_FLOOR = "每层户数"
HEADERS = (GRID, ESTATE, BUILDING, ADDRESS, FLOORS, UNITS, PER_FLOOR)

SPEC = SheetSpec(
    kind="buildings",
    title="楼栋信息",
    headers=HEADERS,
    example=("640110001001001", "凤鸣小区", "3号楼", "凤鸣路12号", 18, 2, 4),
    notes=(
        "第一行表头不要修改；从第二行起每行一栋楼，示例行请删除或替换。",
        "必填：所属网格编码、楼栋、层数、单元数、每层户数；小区、地址可留空。",
        "房号按“楼层×100+序号”自动生成（101、102 … 1804）。",
        f"层数 1–{places.MAX_FLOORS}，单元数 1–{places.MAX_UNITS}，每层户数 1–"
        f"{places.MAX_ROOMS_PER_FLOOR}；一栋楼一次最多生成 {places.MAX_GENERATED_ROOMS} 间房"
        "（层数×单元数×每层户数）。",
        "再次导入同一楼栋（同一网格、小区、楼栋名称）只更新地址和层数、补充缺少的单元和房间，"
        "不会删除任何房间。",
        "不要合并单元格，不要使用公式（请粘贴为数值）。",
    ),
    text_columns=(GRID,),
)

_LIMITS = {
    FLOORS: (1, places.MAX_FLOORS),
    UNITS: (1, places.MAX_UNITS),
    PER_FLOOR: (1, places.MAX_ROOMS_PER_FLOOR),
}


def _count(row: SheetRow, column: str, value: Any) -> int:
    low, high = _LIMITS[column]
    try:
        n = to_int(value)
    except CellProblem as exc:
        row.error(column, str(exc))
        return 0
    if n is None:
        row.error(column, _("Required."))
        return 0
    if not low <= n <= high:
        row.error(
            column,
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
        )
        return 0
    return n


def run(ctx: Context, sheet: Sheet, progress: Progress) -> Outcome:
    outcome = Outcome()
    good: list[tuple[SheetRow, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in sheet.rows():
        outcome.rows.append(row)
        v = row.values
        area = ctx.grid(row, GRID, v[0])
        data = {
            "area": area,
            "estate": optional_text(row, ESTATE, v[1], 100),
            "name": required_text(row, BUILDING, v[2], 100),
            "address": optional_text(row, ADDRESS, v[3], 200),
            "floors": _count(row, FLOORS, v[4]),
            "units": _count(row, UNITS, v[5]),
            "per_floor": _count(row, PER_FLOOR, v[6]),
        }
        if not row.errors:
            try:
                places.check_building_size(
                    floors=data["floors"], units=data["units"], rooms_per_floor=data["per_floor"]
                )
            except DomainError as exc:
                row.error(PER_FLOOR, exc.message)
        if area is not None and data["name"]:
            key = (area.pk, data["estate"], data["name"])
            if key in seen:
                row.error(BUILDING, _("Repeats row %(row)s of this file.") % {"row": seen[key]})
            seen.setdefault(key, row.row)
        if not row.errors:
            good.append((row, data))
    progress(outcome.errors, outcome.total)
    if ctx.mode == "all" and outcome.errors:
        return outcome
    if ctx.mode == "all":
        with transaction.atomic():
            for row, data in good:
                _write(ctx, row, data, outcome)
                if row.errors:
                    transaction.set_rollback(True)
                    outcome.created = outcome.updated = 0
                    return outcome
        progress(outcome.total, outcome.total)
        return outcome
    done = outcome.errors
    for row, data in good:
        _write(ctx, row, data, outcome)
        done += 1
        if done % 50 == 0:
            progress(done, outcome.total)
    progress(outcome.total, outcome.total)
    return outcome


def _write(ctx: Context, row: SheetRow, data: dict[str, Any], outcome: Outcome) -> None:
    area = data["area"]
    try:
        with transaction.atomic():
            estate = None
            if data["estate"]:
                estate = Estate.objects.filter(area=area, name=data["estate"]).first()
                if estate is None:
                    estate = places.estate_create(actor=ctx.actor, area=area, name=data["estate"])
            building = Building.objects.filter(area=area, estate=estate, name=data["name"]).first()
            if building is None:
                building = places.building_create(
                    actor=ctx.actor,
                    area=area,
                    name=data["name"],
                    estate=estate,
                    address=data["address"],
                    floors=data["floors"],
                    units=data["units"],
                    rooms_per_floor=data["per_floor"],
                )
                outcome.created += 1
            else:
                _extend(ctx, building, data)
                outcome.updated += 1
    except DomainError as exc:
        row.error(BUILDING, exc.message)


def _extend(ctx: Context, building: Building, data: dict[str, Any]) -> None:
    """Update address and floors; add the units and rooms the counts ask for and lack."""
    changed = [
        f
        for f, value in (("address", data["address"]), ("floors", data["floors"]))
        if value and getattr(building, f) != value
    ]
    if changed:
        Building.objects.filter(pk=building.pk).update(
            **{f: data[f] for f in changed}, version=building.version + 1
        )
    have = {u.number: u for u in building.units.all()}
    new_units = [
        BuildingUnit(building=building, number=n, name=f"{n}单元")
        for n in range(1, data["units"] + 1)
        if n not in have
    ]
    if new_units:
        BuildingUnit.objects.bulk_create(new_units)
        have = {u.number: u for u in building.units.all()}
    existing = set(
        Room.objects.filter(unit__building=building).values_list("unit__number", "number")
    )
    rooms = [
        Room(unit=unit, floor=f, number=places.room_number(f, n))
        for u_no, unit in have.items()
        if u_no <= data["units"]
        for f in range(1, data["floors"] + 1)
        for n in range(1, data["per_floor"] + 1)
        if (u_no, places.room_number(f, n)) not in existing
    ]
    Room.objects.bulk_create(rooms, batch_size=1000)
    if changed or new_units or rooms:
        RosterEvent.objects.create(
            kind=RosterEvent.Kind.IMPORTED,
            building=building,
            actor=ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None,
            detail={
                "job": ctx.job_id,
                "fields": changed,
                "units_added": len(new_units),
                "rooms_added": len(rooms),
            },
        )


def export_rows(buildings: Iterable[Building]) -> Iterator[list[Any]]:
    """Template columns; buildings annotated with ``n_units`` and ``n_rooms``."""
    for b in buildings:
        units = getattr(b, "n_units", 0) or 0
        rooms = getattr(b, "n_rooms", 0) or 0
        per_floor = rooms // max(1, units * max(1, b.floors)) if units else 0
        yield [
            b.area.code,
            b.estate.name if b.estate else "",
            b.name,
            b.address,
            b.floors,
            units,
            per_floor,
        ]


def export_queryset(qs: Any) -> Any:
    return (
        qs.select_related("area", "estate")
        .annotate(n_units=Count("units", distinct=True), n_rooms=Count("units__rooms"))
        .order_by("area_path", "estate__name", "name")
    )
