"""The resident roster sheet (人口信息): one row per person, with their household's columns.

Fast by design (50 000 rows well under a minute on SQLite): every row is checked in Python,
the database is asked once per batch of :data:`~gridgov.rosters.excel.common.BATCH` rows for
ID-number hashes, household numbers and addresses already known, and the writes are
``bulk_create`` / ``bulk_update`` per batch — never one service call per row.

Matching on re-import: a person by the keyed hash of their ID number (never a second record);
a household by 户编号, or, without one, by grid + 住址. An existing person in another household
moves (the old membership ends today, a new one opens). A person registered in a grid outside
the importer's ROSTER_EDIT jurisdiction is refused, never moved.

No error message names an ID or phone number (only the row and the column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.core.errors import ValidationFailed
from gridgov.core.excel import CellProblem, Sheet, SheetRow, is_blank, text, to_date
from gridgov.rosters import idnumbers
from gridgov.rosters.codes import (
    ETHNICITIES,
    HOUSEHOLD_TYPE_ZH,
    POLITICAL_STATUS_ZH,
    RELATION_ZH,
    RESIDENCE_TYPE_ZH,
    Relation,
    ResidentStatus,
)
from gridgov.rosters.excel.common import (
    BATCH,
    Context,
    Outcome,
    Progress,
    SheetSpec,
    choice,
    optional_text,
    required_text,
)
from gridgov.rosters.excel.residents_write import Writer
from gridgov.rosters.models import Household, Resident, Room

GRID = "所属网格编码"
NUMBER = "户编号"
HTYPE = "户类型"
ADDRESS = "住址"
ESTATE = "小区"
BUILDING = "楼栋"
UNIT = "单元"
ROOM = "房号"
RELATION = "与户主关系"
NAME = "姓名"
ID = "身份证号"
ETHNICITY = "民族"
PHONE = "联系电话"
POLITICAL = "政治面貌"
RTYPE = "人口类型"
MOVED_IN = "迁入日期"
HEADERS = (
    GRID,
    NUMBER,
    HTYPE,
    ADDRESS,
    ESTATE,
    BUILDING,
    UNIT,
    ROOM,
    RELATION,
    NAME,
    ID,
    ETHNICITY,
    PHONE,
    POLITICAL,
    RTYPE,
    MOVED_IN,
)
_IX = {h: i for i, h in enumerate(HEADERS)}

SPEC = SheetSpec(
    kind="residents",
    title="人口信息",
    headers=HEADERS,
    example=(
        "640110001001001",
        "",
        "户籍",
        "凤鸣路12号3号楼2单元502室",
        "凤鸣小区",
        "3号楼",
        "2",
        "502",
        "户主",
        "张三",
        "11010519491231002X",
        "汉族",
        "13800001234",
        "群众",
        "户籍人口",
        "2020-05-01",
    ),
    notes=(
        "第一行表头不要修改；从第二行起每行一人，同一户的人各占一行、户的信息（网格、户编号、"
        "户类型、住址、楼栋房号）每行都要填写并保持一致。示例行请删除或替换。",
        "必填：所属网格编码、户类型、住址、与户主关系、姓名、身份证号、人口类型。",
        "户编号：已有户填写系统中的户编号；新户可留空，由系统按“H+网格编码+6位序号”生成；"
        "留空时同一网格内住址相同的行视为同一户。",
        "小区、楼栋、单元、房号：可留空；填写楼栋时单元和房号也要填写，且须是该网格已登记的房屋。",
        "户类型：户籍、常住、流动、空挂。人口类型：户籍人口、常住人口、流动人口、人户分离。",
        "与户主关系：户主、配偶、子、女、孙子女、父母、祖父母、兄弟姐妹、其他；每户只能有一名户主。",
        "民族填写全称（如汉族、回族），留空为汉族；政治面貌如中共党员、共青团员、群众，留空为群众。",
        "身份证号、联系电话请设为文本格式（本模板已设置），否则 Excel 会把号码变成科学计数法。",
        "迁入日期：如 2024-01-05、2024/1/5 或 2024年1月5日。",
        "不要合并单元格，不要使用公式（请粘贴为数值）。",
        "再次导入同一文件不会产生重复：按身份证号更新已有居民。",
    ),
    text_columns=(GRID, NUMBER, ID, PHONE, UNIT, ROOM),
)


@dataclass
class Person:
    row: SheetRow
    area: Area
    number: str
    hh_key: tuple[Any, ...]
    household_type: str
    address: str
    room_id: int | None
    relation: str
    name: str
    id_number: str
    id_hash: str
    gender: str
    birth_date: date
    ethnicity: str
    phone: str
    political_status: str
    residence_type: str
    moved_in_on: date | None


class _Rooms:
    """Rooms of the grids in the file: (area id, estate, building, unit, room) → room id."""

    def __init__(self) -> None:
        self._loaded: set[int] = set()
        self._rooms: dict[tuple[int, str, str, str, str], int] = {}

    def find(self, area: Area, estate: str, building: str, unit: str, room: str) -> int | None:
        if area.pk not in self._loaded:
            self._loaded.add(area.pk)
            rows = Room.objects.filter(unit__building__area=area).values_list(
                "id",
                "number",
                "unit__number",
                "unit__name",
                "unit__building__name",
                "unit__building__estate__name",
            )
            for pk, number, unit_no, unit_name, b_name, e_name in rows:
                for u in {str(unit_no), unit_name or "", f"{unit_no}单元"} - {""}:
                    self._rooms[(area.pk, e_name or "", b_name, u, number)] = pk
        return self._rooms.get((area.pk, estate, building, unit, room))


_DIGITS17 = re.compile(r"^[0-9]{17}[0-9X]$")
_PLACES: dict[tuple[str, str], bool] = {}


def _place_ok(county: str, year: str) -> bool:
    """python-stdnum's birth-place check (the county existed in the birth year), cached per
    county and year: it is the slow part of ``ric.validate`` and repeats across a sheet."""
    key = (county, year)
    if key not in _PLACES:
        try:
            ric.get_birth_place(f"{county}{year}0101000")
            _PLACES[key] = True
        except StdnumError:
            _PLACES[key] = False
    return _PLACES[key]


def _fast_valid(number: str) -> bool:
    """Exactly the checks of ``stdnum.cn.ric.validate`` (length, digits, check digit, birth
    date, birth place), with the birth-place look-up cached."""
    if not _DIGITS17.match(number) or number[-1] != ric.calc_check_digit(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return _place_ok(number[:6], number[6:10])


def _id_facts(row: SheetRow, value: str) -> idnumbers.IdFacts | None:
    """Checked with python-stdnum (a valid number by the cached :func:`_fast_valid`, any other
    through :func:`idnumbers.id_problem` for its reason); birth date and gender then read from
    the digits, as :func:`idnumbers.parse_id` does."""
    number = "".join(value.split()).upper()
    if not _fast_valid(number):
        problem = idnumbers.id_problem(number)
        if problem:
            row.error(ID, problem)
            return None
        number = ric.compact(number)
    birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return idnumbers.IdFacts(
        number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F"
    )


def _parse(ctx: Context, row: SheetRow, rooms: _Rooms) -> Person | None:
    v = row.values
    before = len(row.errors)
    area = ctx.grid(row, GRID, v[_IX[GRID]])
    number = optional_text(row, NUMBER, v[_IX[NUMBER]], 32)
    htype = choice(row, HTYPE, v[_IX[HTYPE]], HOUSEHOLD_TYPE_ZH)
    address = required_text(row, ADDRESS, v[_IX[ADDRESS]], 200)
    estate = optional_text(row, ESTATE, v[_IX[ESTATE]], 100)
    building = optional_text(row, BUILDING, v[_IX[BUILDING]], 100)
    unit = optional_text(row, UNIT, v[_IX[UNIT]], 50).removesuffix("单元") or ""
    room_no = optional_text(row, ROOM, v[_IX[ROOM]], 20)
    room_id: int | None = None
    if building or unit or room_no or estate:
        if not (building and unit and room_no):
            col = BUILDING if not building else UNIT if not unit else ROOM
            row.error(col, _("Give building, unit and room together, or none of them."))
        elif area is not None:
            room_id = rooms.find(area, estate, building, unit, room_no) or rooms.find(
                area, estate, building, f"{unit}单元", room_no
            )
            if room_id is None:
                row.error(ROOM, _("There is no such building, unit and room in this grid."))
    relation = choice(row, RELATION, v[_IX[RELATION]], RELATION_ZH)
    name = required_text(row, NAME, v[_IX[NAME]], 50)
    raw_id = v[_IX[ID]]
    facts = None
    if is_blank(raw_id):
        row.error(ID, _("Required."))
    elif isinstance(raw_id, int | float):
        row.error(ID, _("The ID number was stored as a number and lost digits; format as text."))
    else:
        facts = _id_facts(row, text(raw_id))
    ethnicity = choice(row, ETHNICITY, v[_IX[ETHNICITY]], ETHNICITIES, default="01")
    phone = ""
    raw_phone = v[_IX[PHONE]]
    if isinstance(raw_phone, float) and not raw_phone.is_integer():
        row.error(PHONE, _("Enter an 11-digit mobile number or a landline number."))
    else:
        try:
            phone = idnumbers.normalise_phone(text(raw_phone))
        except ValidationFailed as exc:
            row.error(PHONE, str(exc.fields.get("phone", exc.message)))
    political = choice(row, POLITICAL, v[_IX[POLITICAL]], POLITICAL_STATUS_ZH, default="13")
    rtype = choice(row, RTYPE, v[_IX[RTYPE]], RESIDENCE_TYPE_ZH)
    moved_in: date | None = None
    try:
        moved_in = to_date(v[_IX[MOVED_IN]])
        if moved_in and moved_in > ctx.today:
            row.error(MOVED_IN, _("The date lies in the future."))
    except CellProblem as exc:
        row.error(MOVED_IN, str(exc))
    if facts is not None and moved_in is not None and moved_in < facts.birth_date:
        row.error(MOVED_IN, _("The date lies before the birth date."))
    if len(row.errors) > before or area is None or facts is None:
        return None
    key: tuple[Any, ...] = ("n", number) if number else ("a", area.pk, address)
    return Person(
        row=row,
        area=area,
        number=number,
        hh_key=key,
        household_type=htype,
        address=address,
        room_id=room_id,
        relation=relation,
        name=name,
        id_number=facts.number,
        id_hash=crypto.keyed_hash(facts.number),
        gender=facts.gender,
        birth_date=facts.birth_date,
        ethnicity=ethnicity,
        phone=phone,
        political_status=political,
        residence_type=rtype,
        moved_in_on=moved_in,
    )


def _file_checks(people: list[Person]) -> None:
    """Within the file: one ID once, a person in one household, one head per household, and
    the same household columns on every row of a household."""
    first_of: dict[str, Person] = {}
    households: dict[tuple[Any, ...], Person] = {}
    heads: dict[tuple[Any, ...], int] = {}
    two_households: set[str] = set()
    for p in people:
        seen = first_of.get(p.id_hash)
        if seen is not None:
            if seen.hh_key != p.hh_key:
                two_households.add(p.id_hash)
                p.row.error(
                    ID,
                    _("This person is also in another household, on row %(row)s.")
                    % {"row": seen.row.row},
                )
            else:
                p.row.error(ID, _("Repeats the ID number of row %(row)s.") % {"row": seen.row.row})
            continue
        first_of[p.id_hash] = p
        hh = households.setdefault(p.hh_key, p)
        if hh is not p:
            for column, mine, theirs in (
                (GRID, p.area.pk, hh.area.pk),
                (HTYPE, p.household_type, hh.household_type),
                (ADDRESS, p.address, hh.address),
                (ROOM, p.room_id, hh.room_id),
            ):
                if mine != theirs:
                    p.row.error(
                        column,
                        _("Differs from row %(row)s of the same household.") % {"row": hh.row.row},
                    )
        if p.relation == Relation.HEAD:
            if p.hh_key in heads:
                p.row.error(
                    RELATION,
                    _("The household already has a head, on row %(row)s.")
                    % {"row": heads[p.hh_key]},
                )
            else:
                heads[p.hh_key] = p.row.row
    for h in two_households:  # which household is right is the user's call: flag the first too
        first = first_of[h]
        if not any(e.column == ID for e in first.row.errors):
            first.row.error(ID, _("This person is in more than one household in this file."))


_RESIDENT_FIELDS = (
    "id",
    "id_number_hash",
    "household_id",
    "relation",
    "area_id",
    "area_path",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone_hash",
    "political_status",
    "residence_type",
    "status",
    "moved_in_on",
    "moved_out_on",
    "version",
)


def _chunks(items: list[Person], size: int = BATCH) -> Iterator[list[Person]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Known:
    """What the database already holds for the file's people and households."""

    def __init__(self) -> None:
        self.residents: dict[str, Resident] = {}
        self.by_number: dict[str, Household] = {}
        self.by_address: dict[tuple[int, str], Household] = {}


def _db_checks(ctx: Context, people: list[Person], known: Known) -> None:
    """Look up existing residents and households, one query of each per batch."""
    for chunk in _chunks(people):
        hashes = [p.id_hash for p in chunk]
        for r in Resident.objects.filter(id_number_hash__in=hashes).only(*_RESIDENT_FIELDS):
            known.residents[r.id_number_hash] = r
        numbers = [p.number for p in chunk if p.number and p.number not in known.by_number]
        if numbers:
            for h in Household.objects.filter(number__in=numbers):
                known.by_number[h.number] = h
        addresses = {(p.area.pk, p.address) for p in chunk if not p.number}
        addresses -= set(known.by_address)
        if addresses:
            qs = Household.objects.filter(
                area_id__in={a for a, _s in addresses},
                address__in={s for _a, s in addresses},
                is_active=True,
            ).order_by("id")
            for h in qs:
                known.by_address.setdefault((h.area_id, h.address), h)
    for p in people:
        found = known.residents.get(p.id_hash)
        if found is not None:
            if not ctx.may_edit(found.area_path):
                p.row.error(
                    ID,
                    _(
                        "This person is registered in a household of a grid outside your "
                        "jurisdiction; ask that grid to move them out first."
                    ),
                )
            elif found.status == ResidentStatus.DECEASED:
                p.row.error(ID, _("This person is registered as deceased."))
        if p.number:
            hh = known.by_number.get(p.number)
            if hh is not None:
                if not ctx.may_edit(hh.area_path):
                    p.row.error(
                        NUMBER, _("This household belongs to a grid outside your jurisdiction.")
                    )
                elif hh.area_id != p.area.pk:
                    p.row.error(NUMBER, _("This household number belongs to another grid."))
                elif not hh.is_active:
                    p.row.error(NUMBER, _("This household has been dissolved."))


def check(ctx: Context, sheet: Sheet, outcome: Outcome) -> tuple[list[Person], Known]:
    rooms = _Rooms()
    people: list[Person] = []
    for row in sheet.rows():
        outcome.rows.append(row)
        person = _parse(ctx, row, rooms)  # every column is checked, even after a merge error
        if person is not None and not row.errors:
            people.append(person)
    _file_checks(people)
    people = [p for p in people if not p.row.errors]
    known = Known()
    _db_checks(ctx, people, known)
    return [p for p in people if not p.row.errors], known


def run(ctx: Context, sheet: Sheet, progress: Progress) -> Outcome:
    """Check every row, then write (mode ``all``: only if nothing failed, in one transaction;
    ``valid``: the good rows, a transaction per batch, progress after each)."""
    outcome = Outcome()
    people, known = check(ctx, sheet, outcome)
    failed = outcome.errors
    if ctx.mode == "all":
        if failed:
            return outcome
        writer = Writer(ctx, known)
        with transaction.atomic():
            for batch in _chunks(people):
                c, u = writer.write(batch)
                outcome.created += c
                outcome.updated += u
        progress(outcome.total, outcome.total)
        return outcome
    writer = Writer(ctx, known)
    done = failed
    progress(done, outcome.total)
    for batch in _chunks(people):
        try:
            with transaction.atomic():
                c, u = writer.write(batch)
        except IntegrityError:
            # Someone changed the roster meanwhile (the same person or number saved twice):
            # the batch is rolled back and its rows reported, never half-written.
            writer = Writer(ctx, _reload(ctx, people, known))
            for p in batch:
                p.row.error(
                    ID, _("Could not be saved: the roster changed meanwhile; import again.")
                )
        else:
            outcome.created += c
            outcome.updated += u
        done += len(batch)
        progress(done, outcome.total)
    return outcome


def _reload(ctx: Context, people: list[Person], known: Known) -> Known:
    fresh = Known()
    _db_checks(ctx, [p for p in people if not p.row.errors], fresh)
    return fresh


# --- Export -----------------------------------------------------------------------------------


def export_rows(residents: Iterable[Resident], *, unmask: bool) -> Iterator[list[Any]]:
    """The template's columns for each resident (select_related household/room/area)."""
    from gridgov.rosters.privacy import display_name

    ethnic = dict(ETHNICITIES)
    for r in residents:
        h = r.household
        room = h.room if h is not None else None
        unit = room.unit if room is not None else None
        building = unit.building if unit is not None else None
        if unmask:
            name = r.name
            id_number = crypto.decrypt(r.id_number_enc)
            phone = crypto.decrypt(r.phone_enc) if r.phone_enc else ""
        else:
            name, id_number, phone = display_name(r), r.id_number_masked, r.phone_masked
        yield [
            r.area.code,
            h.number if h else "",
            HOUSEHOLD_TYPE_ZH.get(h.household_type, "") if h else "",
            h.address if h else "",
            building.estate.name if building is not None and building.estate else "",
            building.name if building is not None else "",
            str(unit.number) if unit is not None else "",
            room.number if room is not None else "",
            RELATION_ZH.get(r.relation, ""),
            name,
            id_number,
            ethnic.get(r.ethnicity, ""),
            phone,
            POLITICAL_STATUS_ZH.get(r.political_status, ""),
            RESIDENCE_TYPE_ZH.get(r.residence_type, ""),
            r.moved_in_on.isoformat() if r.moved_in_on else "",
        ]
