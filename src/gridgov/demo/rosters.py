"""Roster data for the demo district and the benchmarks: estates, buildings, units and rooms
(urban grids) or villagers' groups (village grids), households of 1–5 members with their
relations, residents with valid ID numbers (:mod:`gridgov.demo.people`), memberships,
special-group tags, and the roster events the services write.

:func:`build_residents` inserts in bulk — ``executemany`` of plain tuples with primary keys
chosen here — but every row is the row the services would write (see
:mod:`gridgov.rosters.services.people` and ``places``): ``area_path`` copied from the grid,
the protected ID and phone columns (:func:`~gridgov.rosters.idnumbers.protected_id`), gender
and birth date as the ID number says, a Membership per resident (ended for those who moved out
or died, whose household and relation are cleared), the household head set (version 2, as
``_set_head`` leaves it), ``Resident.sensitive`` = has an open tag of a sensitive type, one
RosterEvent per created place, household, resident and tag, and one summary audit entry.
Deterministic for a seed. :func:`build_demo_rosters` adds the grid staff posts (through
:func:`~gridgov.rosters.services.staff.staff_assign`) and the party data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from gridgov.demo import names
from gridgov.demo.people import People
from gridgov.rosters import idnumbers
from gridgov.rosters.codes import HouseholdType, Relation, ResidenceType, ResidentStatus
from gridgov.rosters.models import (
    Building,
    BuildingUnit,
    Estate,
    Household,
    Membership,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    TagType,
    VillageGroup,
)

CHUNK = 20_000  # residents per flush
# The demo's first grid has the estate and building that the roster import templates' example
# rows name (凤鸣小区 3号楼, room 2单元 502), so an example row imports in the demo as it is.
TEMPLATE_GRID = "640110001001001"
TEMPLATE_ESTATE = ("凤鸣小区", "凤鸣路12号")
# What resident_create lists as the fields it set (its RosterEvent detail).
RESIDENT_FIELDS = sorted(
    [
        "name",
        "relation",
        "residence_type",
        "ethnicity",
        "political_status",
        "moved_in_on",
        "id_number_masked",
        "phone_masked",
    ]
)
HOUSEHOLD_FIELDS = ["number", "household_type", "address"]

ROADS = "北京路 上海路 解放街 凤凰街 文化街 民族街 长城路 黄河路 宁安大街 亲水大街 正源街 贺兰山路 阅海路 满城街 清和街 同心路".split()
ESTATE_HEAD = "丽景 凤鸣 金凤 阅海 湖滨 宁安 朝阳 文昌 海宝 清河 塞上 兴庆 贺兰 银湖 紫园 嘉禾 锦绣 御景 明珠 康居".split()
ESTATE_TAIL = "花园 家园 小区 苑 新村 雅居 华府 公寓 佳园 名邸".split()
# Building types: (floors, units, rooms per floor).
WALK_UP = [(6, 2, 2), (6, 3, 2), (5, 2, 2), (7, 3, 2)]
HIGH_RISE = [(11, 2, 2), (18, 2, 3), (26, 2, 4), (33, 2, 4)]
OCCUPANCY = 0.88
# A household's type → its members' residence type and where their ID numbers come from.
RESIDENCE: dict[str, tuple[str, str]] = {
    HouseholdType.REGISTERED: (ResidenceType.REGISTERED, "local"),
    HouseholdType.RESIDENT: (ResidenceType.RESIDENT, "ningxia"),
    HouseholdType.FLOATING: (ResidenceType.FLOATING, "other"),
    HouseholdType.NOMINAL: (ResidenceType.ABSENT, "local"),
}


@dataclass
class RosterResult:
    estates: int = 0
    buildings: int = 0
    rooms: int = 0
    village_groups: int = 0
    households: int = 0
    residents: int = 0
    memberships: int = 0
    tags: int = 0
    events: int = 0
    staff_posts: int = 0
    party: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --- raw bulk insert ---------------------------------------------------------------------------


class Sink:
    """Rows of one table, inserted with ``executemany``; primary keys handed out here."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        meta = model._meta
        self.model = model
        cols = ["id"] + [str(getattr(meta.get_field(a), "column", a)) for a in attnames]
        qn = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in cols)}) "
            f"VALUES ({', '.join(['%s'] * len(cols))})"
        )
        self.rows: list[tuple[Any, ...]] = []
        self.next_id = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.count = 0

    def add(self, *values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        return pk

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cur:
                cur.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


def _json(value: Any) -> Any:
    return connection.ops.adapt_json_value(value, None)


def _reset_sequences(model_list: Sequence[type[models.Model]]) -> None:
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(model_list)):
            cur.execute(sql)


# --- households and people (pure) ---------------------------------------------------------------


@dataclass
class Person:
    relation: str
    gender: str
    age: int
    kin: bool = True  # carries the family name
    status: str = ResidentStatus.LIVING
    left_on: date | None = None
    left_behind: bool = False  # 留守儿童: parents work elsewhere


def _compose(rng: random.Random, kind: str, village: bool) -> list[Person]:
    """Members of one household: the head first, then relations, with realistic ages."""
    if kind == HouseholdType.FLOATING:
        size = rng.choices([1, 2, 3, 4], [35, 30, 25, 10])[0]
    elif kind == HouseholdType.NOMINAL:
        size = rng.choices([1, 2, 3], [50, 30, 20])[0]
    else:
        size = rng.choices([1, 2, 3, 4, 5], [15, 28, 30, 17, 10])[0]
    male_head = rng.random() < 0.75

    def head(lo: int, hi: int, gender: str | None = None) -> Person:
        g = gender or ("M" if male_head else "F")
        # Fewer people at each older age: skew the elderly towards their sixties.
        age = int(rng.triangular(lo, hi + 1, lo + 2)) if lo >= 55 else rng.randint(lo, hi)
        return Person(Relation.HEAD, g, age)

    def spouse(of: Person) -> Person:
        g = "F" if of.gender == "M" else "M"
        delta = rng.randint(-2, 5) if g == "M" else -rng.randint(-2, 5)
        return Person(Relation.SPOUSE, g, max(20, of.age + delta), kin=g == "M")

    def child(of: Person, lo: int = 22, hi: int = 34) -> Person:
        g = rng.choice("MF")
        age = max(0, of.age - rng.randint(lo, hi))
        return Person(Relation.SON if g == "M" else Relation.DAUGHTER, g, age)

    def parent(of: Person) -> Person:
        g = rng.choice("MF")
        return Person(Relation.PARENT, g, min(99, of.age + rng.randint(22, 32)), kin=g == "M")

    def grandchild(of: Person) -> Person:
        g = rng.choice("MF")
        return Person(Relation.GRANDCHILD, g, max(0, of.age - rng.randint(48, 62)))

    floating = kind == HouseholdType.FLOATING
    if size == 1:
        if floating or rng.random() < 0.4:
            return [head(20, 45, rng.choice("MF"))]
        return [head(60, 95, rng.choice("MF"))]
    if size == 2:
        r = rng.random()
        if r < 0.35 or floating:
            h = head(23, 45)
            return [h, spouse(h)]
        if r < 0.8:
            h = head(60, 90)
            return [h, spouse(h)]
        h = head(38, 60, "F" if rng.random() < 0.6 else "M")
        return [h, child(h)]
    if size == 3:
        if village and rng.random() < 0.35:  # grandparents raising a grandchild
            h = head(55, 75)
            g = grandchild(h)
            g.age = min(g.age, rng.randint(3, 15))
            g.left_behind = g.age < 16
            return [h, spouse(h), g]
        h = head(26, 55)
        return [h, spouse(h), child(h)]
    h = head(32, 58)
    members = [h, spouse(h), child(h)]
    if size == 4:
        members.append(child(h, 22, 40) if rng.random() < 0.55 else parent(h))
    else:
        members.extend([parent(h), parent(h)] if rng.random() < 0.6 else [child(h), parent(h)])
        parents = [m for m in members if m.relation == Relation.PARENT]
        if len(parents) == 2:
            parents[1].gender = "F" if parents[0].gender == "M" else "M"
            parents[1].kin = parents[1].gender == "M"
            parents[0].kin = parents[0].gender == "M"
    return members


# --- places -----------------------------------------------------------------------------------


@dataclass
class GridInfo:
    area: Any
    village: bool
    community: str  # name of the community / village
    index: int  # grid number within its community


def grid_infos(grids: Sequence[Any]) -> list[GridInfo]:
    from gridgov.areas.models import Area

    parents = dict(
        Area.objects.filter(pk__in={g.parent_id for g in grids}).values_list("pk", "name")
    )
    out = []
    for g in grids:
        segment = int(g.code[9:12]) if len(g.code) >= 12 and g.code[9:12].isdigit() else 1
        index = int(g.code[12:15]) if len(g.code) >= 15 and g.code[12:15].isdigit() else 1
        out.append(GridInfo(g, 200 <= segment <= 399, parents.get(g.parent_id, ""), index))
    return out


class Builder:
    """Writes households and everything around them, grid by grid, in chunks."""

    def __init__(self, *, seed: int, actor: Any, today: date, tag_types: Sequence[TagType]) -> None:
        self.rng = random.Random(seed)
        self.people = People(seed + 1, today=today)
        self.today = today
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        now = timezone.now()
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.result = RosterResult()
        self.tag_rules = _tag_rules(tag_types)
        self.sensitive_types = {t.pk for t in tag_types if t.sensitive}
        self.estates = Sink(Estate, ["area_id", "area_path", "name", "address", "is_active", "created_at"])  # fmt: skip
        self.groups = Sink(VillageGroup, ["area_id", "area_path", "name", "is_active", "created_at"])  # fmt: skip
        self.buildings = Sink(
            Building,
            ["area_id", "area_path", "estate_id", "name", "address", "floors", "lon", "lat",
             "is_active", "version", "created_at", "updated_at"],
        )  # fmt: skip
        self.units = Sink(BuildingUnit, ["building_id", "number", "name"])
        self.rooms = Sink(Room, ["unit_id", "floor", "number"])
        self.households = Sink(
            Household,
            ["number", "area_id", "area_path", "household_type", "room_id", "village_group_id",
             "address", "head_id", "is_active", "dissolved_on", "version", "created_at",
             "updated_at"],
        )  # fmt: skip
        self.residents = Sink(
            Resident,
            ["household_id", "relation", "area_id", "area_path", "name", "id_number_enc",
             "id_number_hash", "id_number_masked", "gender", "birth_date", "ethnicity",
             "phone_enc", "phone_hash", "phone_masked", "political_status", "residence_type",
             "status", "moved_in_on", "moved_out_on", "deceased_on", "sensitive", "version",
             "created_at", "updated_at"],
        )  # fmt: skip
        self.memberships = Sink(
            Membership, ["resident_id", "household_id", "relation", "start_on", "end_on"]
        )
        self.tags = Sink(
            ResidentTag,
            ["resident_id", "tag_type_id", "area_path", "start_on", "end_on", "facts", "note",
             "created_by_id", "created_at", "version"],
        )  # fmt: skip
        self.events = Sink(
            RosterEvent,
            ["kind", "resident_id", "household_id", "building_id", "actor_id", "at", "detail"],
        )
        self.sinks = [
            self.estates, self.groups, self.buildings, self.units, self.rooms, self.households,
            self.residents, self.memberships, self.tags, self.events,
        ]  # fmt: skip
        self.pending = 0
        self._numbers: dict[int, int] = {}
        self._estate_names: set[str] = set()

    # --- output ---

    def flush(self) -> None:
        with transaction.atomic():
            for sink in self.sinks:
                sink.flush()
        self.pending = 0

    def finish(self) -> RosterResult:
        self.flush()
        _reset_sequences([s.model for s in self.sinks])
        r = self.result
        r.estates, r.village_groups = self.estates.count, self.groups.count
        r.buildings, r.rooms = self.buildings.count, self.rooms.count
        r.households, r.residents = self.households.count, self.residents.count
        r.memberships, r.tags, r.events = (
            self.memberships.count,
            self.tags.count,
            self.events.count,
        )
        return r

    def event(
        self, kind: str, *, resident: int | None = None, household: int | None = None,
        building: int | None = None, detail: dict[str, Any],
    ) -> None:  # fmt: skip
        self.events.add(kind, resident, household, building, self.actor_id, self.now, _json(detail))

    # --- places ---

    def _household_number(self, grid: Any) -> str:
        seq = self._numbers.get(grid.pk)
        if seq is None:
            prefix = f"H{grid.code}"
            last = (
                Household.objects.filter(number__startswith=prefix)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            tail = last[len(prefix) :] if last else ""
            seq = int(tail) if tail.isdigit() else 0
        seq += 1
        self._numbers[grid.pk] = seq
        return f"H{grid.code}{seq:06d}"

    def _estate_name(self) -> str:
        rng = self.rng
        for _attempt in range(40):
            name = rng.choice(ESTATE_HEAD) + rng.choice(ESTATE_TAIL)
            if name not in self._estate_names:
                break
        else:
            name = f"{rng.choice(ESTATE_HEAD)}{len(self._estate_names)}期{rng.choice(ESTATE_TAIL)}"
        self._estate_names.add(name)
        return name

    def urban_addresses(self, info: GridInfo, households: int) -> list[tuple[int, str]]:
        """Estates and buildings for ``households`` households: (room id, address) each."""
        rng, grid = self.rng, info.area
        need = math.ceil(households / OCCUPANCY) + 2
        estate_count = 1 if need <= 150 else 2 if need <= 600 else math.ceil(need / 300)
        road = ROADS[(grid.pk * 7 + info.index) % len(ROADS)]
        rooms: list[tuple[int, str]] = []
        for e in range(estate_count):
            ename = self._estate_name()
            eaddr = f"{road}{rng.randint(1, 399)}号"
            if e == 0 and grid.code == TEMPLATE_GRID:
                # The estate of the import templates' example rows (rosters/excel/*.py).
                ename, eaddr = TEMPLATE_ESTATE
                self._estate_names.add(ename)
            estate = self.estates.add(grid.pk, grid.path, ename, eaddr, True, self.now)
            self.event(
                RosterEvent.Kind.CREATED, detail={"estate": estate, "fields": ["name", "address"]}
            )
            share = math.ceil(need / estate_count) if e < estate_count - 1 else need - len(rooms)
            got, number = 0, 0
            # The template grid's first estate has at least the three buildings the import
            # templates' example rows name (3号楼 2单元 502; every layout has that room).
            least = 3 if e == 0 and grid.code == TEMPLATE_GRID else 0
            while got < share or number < least:
                number += 1
                floors, units, per_floor = rng.choice(HIGH_RISE if share - got > 120 else WALK_UP)
                bname = f"{number}号楼"
                x = (grid.center_lon or 0) + rng.uniform(-0.001, 0.001) if grid.center_lon else None
                y = (grid.center_lat or 0) + rng.uniform(-0.001, 0.001) if grid.center_lat else None
                building = self.buildings.add(
                    grid.pk, grid.path, estate, bname, f"{eaddr}{bname}", floors, x, y,
                    True, 1, self.now, self.now,
                )  # fmt: skip
                made = 0
                for u in range(1, units + 1):
                    unit = self.units.add(building, u, f"{u}单元")
                    for f in range(1, floors + 1):
                        for n in range(1, per_floor + 1):
                            rnum = str(f * 100 + n)
                            room = self.rooms.add(unit, f, rnum)
                            rooms.append((room, f"{ename}{bname}{u}单元{rnum}"))
                            made += 1
                self.event(
                    RosterEvent.Kind.CREATED,
                    building=building,
                    detail={"units": units, "floors": floors, "rooms": made},
                )
                got += made
        picked = rng.sample(range(len(rooms)), households)
        return [rooms[i] for i in sorted(picked)]

    def village_addresses(self, info: GridInfo, households: int) -> list[tuple[int, str]]:
        grid = info.area
        groups = max(1, math.ceil(households / 45))
        out: list[tuple[int, str]] = []
        per_group = math.ceil(households / groups)
        for k in range(groups):
            gname = f"{names.chinese_number((info.index - 1) * 4 + k + 1)}组"
            group = self.groups.add(grid.pk, grid.path, gname, True, self.now)
            self.event(
                RosterEvent.Kind.CREATED, detail={"village_group": group, "fields": ["name"]}
            )
            for n in range(1, per_group + 1):
                if len(out) < households:
                    out.append((group, f"{info.community}{gname}{n}号"))
        return out

    # --- households ---

    def grid(self, info: GridInfo, residents: int) -> None:
        rng = self.rng
        plans: list[tuple[str, list[Person]]] = []
        total = 0
        weights = [75, 15, 5, 5] if info.village else [50, 27, 17, 6]
        kinds: list[str] = list(RESIDENCE)
        while total < residents:
            kind = rng.choices(kinds, weights)[0]
            members = _compose(rng, kind, info.village)
            plans.append((kind, members))
            total += len(members)
        places = (self.village_addresses if info.village else self.urban_addresses)(
            info, len(plans)
        )
        for (kind, members), (place, address) in zip(plans, places, strict=True):
            self.household(info, kind, members, place, address)
        if self.pending >= CHUNK:
            self.flush()

    def household(
        self, info: GridInfo, kind: str, members: list[Person], place: int, address: str
    ) -> None:
        rng, people, grid, today = self.rng, self.people, info.area, self.today
        head_id = self.residents.next_id  # the head is the first member written below
        hid = self.households.add(
            self._household_number(grid), grid.pk, grid.path, kind,
            None if info.village else place, place if info.village else None,
            address, head_id, True, None, 2, self.now, self.now,
        )  # fmt: skip
        self.event(RosterEvent.Kind.CREATED, household=hid, detail={"fields": HOUSEHOLD_FIELDS})
        residence, origin = RESIDENCE[kind]
        hui = origin != "other" and rng.random() < 0.25
        family = people.surname(hui=hui)
        # The household settled here some years ago; children born since joined at birth.
        settled = today - timedelta(
            days=rng.randint(200, 3 * 365 if kind == HouseholdType.FLOATING else 25 * 365)
        )
        low_income = rng.random() < (0.05 if info.village else 0.025)
        all_old = len(members) > 1 and all(m.age >= 60 for m in members)
        for m in members:
            birth = people.birth_date(m.age)
            # Parents who died or children who left: never the head.
            if m.relation == Relation.PARENT and m.age >= 75 and rng.random() < 0.25:
                m.status = ResidentStatus.DECEASED
            elif (
                m.relation in (Relation.SON, Relation.DAUGHTER)
                and m.age >= 19
                and rng.random() < 0.2
            ):
                m.status = ResidentStatus.MOVED_OUT
            where = origin if rng.random() < 0.9 else "ningxia"
            number = people.id_number(birth, m.gender, origin=where)
            ethnic = "03" if hui and (m.kin or rng.random() < 0.8) else _ethnicity(rng)
            name = people.name(
                m.gender, birth.year, surname=family if m.kin else "", hui=ethnic == "03"
            )
            phone = ""
            if m.age >= 16 and rng.random() < (0.6 if m.age >= 75 else 0.93):
                phone = people.mobile()
            moved_in = max(settled, birth)
            left = None
            if m.status != ResidentStatus.LIVING:
                span = max(1, (today - moved_in).days)
                left = moved_in + timedelta(days=rng.randint(min(30, span - 1), span - 1))
            tags = self._tags_for(m, birth, info, kind, len(members), all_old, low_income, left)
            sensitive = (
                any(t[0] in self.sensitive_types for t in tags if t[2] is None)
                and m.status == ResidentStatus.LIVING
            )
            living = m.status == ResidentStatus.LIVING
            rid = self.residents.add(
                hid if living else None, m.relation if living else "", grid.pk, grid.path,
                name, *_id_cols(number), m.gender, birth, ethnic, *_phone_cols(phone),
                _political(rng, m.age), residence, m.status, moved_in,
                left if m.status == ResidentStatus.MOVED_OUT else None,
                left if m.status == ResidentStatus.DECEASED else None,
                sensitive, 1 if living else 2, self.now, self.now,
            )  # fmt: skip
            self.memberships.add(rid, hid, m.relation, moved_in, left)
            self.event(
                RosterEvent.Kind.CREATED,
                resident=rid,
                household=hid,
                detail={"fields": RESIDENT_FIELDS},
            )
            for type_id, start, end, facts, code in tags:
                self.tags.add(
                    rid, type_id, grid.path, start, end, _json(facts), "", self.actor_id,
                    self.now, 1 if end is None else 2,
                )  # fmt: skip
                self.event(
                    RosterEvent.Kind.TAG_ADDED,
                    resident=rid,
                    detail={"tag_type": code, "fields": sorted(facts)},
                )
            if m.status == ResidentStatus.MOVED_OUT:
                self.event(
                    RosterEvent.Kind.MOVED_OUT,
                    resident=rid,
                    household=hid,
                    detail={"on": left.isoformat() if left else ""},
                )
            elif m.status == ResidentStatus.DECEASED:
                detail: dict[str, Any] = {"on": left.isoformat() if left else ""}
                if tags:
                    detail["tags_ended"] = len(tags)
                self.event(RosterEvent.Kind.DECEASED, resident=rid, household=hid, detail=detail)
        self.pending += len(members)

    def _tags_for(
        self, m: Person, birth: date, info: GridInfo, kind: str, size: int, all_old: bool,
        low_income: bool, left: date | None,
    ) -> list[tuple[int, date, date | None, dict[str, Any], str]]:  # fmt: skip
        rng, today = self.rng, self.today
        rules = self.tag_rules
        present = kind != HouseholdType.NOMINAL
        out: list[tuple[int, date, date | None, dict[str, Any], str]] = []

        def since(years_back: int, not_before: date) -> date:
            start = today - timedelta(days=rng.randint(30, max(31, years_back * 365)))
            return max(start, not_before)

        def add(key: str, start: date) -> None:
            rule = rules.get(key)
            if rule is None:
                return
            start = min(start, today)
            end = left if m.status == ResidentStatus.DECEASED else None
            if end is not None and end < start:
                return
            out.append((rule.pk, start, end, _facts(rng, rule, key, m.age, start), rule.code))

        age = m.age
        if age >= 80 and rng.random() < 0.95:
            add("elderly", _birthday(birth, 80))
        if low_income and present:
            add("dibao", since(6, birth))
        if size == 1 and age >= 60 and present and rng.random() < 0.1:
            add("tekun", since(8, _birthday(birth, 60)))
        if rng.random() < (0.12 if age >= 60 else 0.025):
            add("disabled", since(15, birth + timedelta(days=365)))
        if present and age >= 60:
            if size == 1:
                add("alone", since(8, _birthday(birth, 60)))
            elif all_old:
                add("empty_nest", since(10, _birthday(birth, 60)))
        if m.left_behind and present:
            add("left_behind", since(3, birth))
        if m.gender == "M" and 25 <= age <= 85 and rng.random() < 0.04:
            add("veteran", _birthday(birth, rng.randint(20, 24)))
        if age >= 18 and rng.random() < 0.002:
            add("key_person", since(3, _birthday(birth, 18)))
        if m.status == ResidentStatus.MOVED_OUT:
            return []  # the tags of people who left were ended by hand long ago: keep it simple
        return out


# --- helpers ------------------------------------------------------------------------------------

# Special groups are data (rosters migration 0002): found by code or name at build time.
TAG_KEYS: dict[str, tuple[str, ...]] = {
    "elderly": ("高龄",),
    "dibao": ("低保",),
    "tekun": ("特困",),
    "disabled": ("残疾",),
    "alone": ("独居",),
    "empty_nest": ("空巢",),
    "left_behind": ("留守",),
    "veteran": ("退役",),
    "key_person": ("重点",),
}


def _tag_rules(tag_types: Sequence[TagType]) -> dict[str, TagType]:
    rules: dict[str, TagType] = {}
    for key, words in TAG_KEYS.items():
        for t in tag_types:
            if t.is_active and any(w in t.name for w in words):
                rules[key] = t
                break
    return rules


def _facts(
    rng: random.Random, tag_type: TagType, key: str, age: int, start: date
) -> dict[str, Any]:
    """Plausible values for the facts a tag type asks for (its ``fields``), cleaned exactly as
    :func:`gridgov.rosters.services.tags.clean_facts` stores them."""
    from gridgov.rosters.services.tags import clean_facts

    raw: dict[str, Any] = {}
    for f in tag_type.fields or []:
        name, kind = f.get("key", ""), f.get("type", "text")
        choices = f.get("choices") or []
        if kind == "choice" and choices:
            raw[name] = rng.choice(choices)
        elif kind == "int":
            raw[name] = rng.randint(1, 4)
        elif kind == "decimal":
            if key == "elderly":
                raw[name] = 100 if age < 90 else 200 if age < 100 else 500
            else:
                raw[name] = rng.choice([320, 450, 560, 660, 740])
        elif kind == "date":
            raw[name] = start
        elif f.get("required"):
            raw[name] = "祖父母" if key == "left_behind" else "见纸质档案"
    return clean_facts(tag_type, raw)


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return birth.replace(year=birth.year + years, day=28)


_ETHNIC = [("01", 95.0), ("02", 1.5), ("11", 1.5), ("04", 0.5), ("05", 0.5), ("30", 1.0)]


def _ethnicity(rng: random.Random) -> str:
    r = rng.random() * 100
    for code, w in _ETHNIC:
        r -= w
        if r < 0:
            return code
    return "01"


def _political(rng: random.Random, age: int) -> str:
    r = rng.random()
    if age >= 22 and r < 0.07:
        return "01"
    if age >= 20 and r < 0.075:
        return "02"
    if 14 <= age <= 28 and r < 0.35:
        return "03"
    return "13"


def _id_cols(number: str) -> tuple[str, str, str]:
    cols = idnumbers.protected_id(number)
    return cols["id_number_enc"], cols["id_number_hash"], cols["id_number_masked"]


def _phone_cols(phone: str) -> tuple[str, str, str]:
    if not phone:
        return "", "", ""
    cols = idnumbers.protected_phone(phone)
    return cols["phone_enc"], cols["phone_hash"], cols["phone_masked"]


# --- entry points -------------------------------------------------------------------------------


def build_residents(
    n: int,
    *,
    grids: Sequence[Any],
    seed: int,
    actor: Any = None,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    audit: bool = True,
) -> RosterResult:
    """Write about ``n`` residents (whole households, so a few more) spread over ``grids``
    (grid-level :class:`~gridgov.areas.models.Area` rows), with their places, households,
    memberships, tags and events, in chunks of :data:`CHUNK` residents. Deterministic for a
    seed (on an empty roster). One summary audit entry (``roster_imported``, ``bulk``)."""
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    if not grids:
        raise ValueError("no grids")
    day = today or timezone.localdate()
    builder = Builder(
        seed=seed, actor=actor, today=day, tag_types=list(TagType.objects.filter(is_active=True))
    )
    infos = grid_infos(grids)
    rng = random.Random(seed)
    weights = [rng.uniform(0.7, 1.3) for _ in infos]
    total_w = sum(weights)
    targets = [max(1, round(n * w / total_w)) for w in weights]
    done = 0
    for i, (info, target) in enumerate(zip(infos, targets, strict=True)):
        builder.grid(info, target)
        done += target
        if progress and (i + 1) % max(1, len(infos) // 10) == 0:
            progress(f"residents: {builder.residents.count + len(builder.residents.rows):,}")
    result = builder.finish()
    if audit:
        audit_record(
            event=Event.ROSTER_IMPORTED,
            actor=actor,
            actor_name="" if getattr(actor, "is_authenticated", False) else "system",
            detail={
                "bulk": True,
                "grids": len(infos),
                **{k: v for k, v in result.as_dict().items() if isinstance(v, int) and v},
            },
        )
    return result


DEMO_RESIDENTS_PER_GRID = 160  # about 60 households


def build_demo_rosters(
    *,
    seed: int,
    per_grid: int = DEMO_RESIDENTS_PER_GRID,
    progress: Callable[[str], None] | None = None,
) -> RosterResult:
    """Rosters for every grid of the demo district, grid staff posts for the demo accounts,
    and the party data (:mod:`gridgov.party.demo`, when present)."""
    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area
    from gridgov.demo.generator import DEMO_COUNTY_CODE

    county = Area.objects.get(code=DEMO_COUNTY_CODE)
    grids = list(
        Area.objects.filter(path__startswith=county.path, level=Level.GRID).order_by("code")
    )
    result = build_residents(per_grid * len(grids), grids=grids, seed=seed, progress=progress)
    result.staff_posts = demo_staff(grids)
    result.party = _party_demo(seed, grids)
    return result


def demo_staff(grids: Sequence[Any]) -> int:
    """Posts for the demo accounts (三长联动): every grid worker is the 专职网格员 of their grid,
    the community staff account the 网格长 of 凤鸣社区's grids, and on the first grid the
    building-chief account is 楼栋长 of 1号楼 and the grid worker 楼栋长 of 2号楼 and 单元长 of
    its 1单元."""
    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role
    from gridgov.rosters.codes import StaffPost
    from gridgov.rosters.services.staff import staff_assign

    start = timezone.localdate() - timedelta(days=400)
    made = 0
    by_pk = {g.pk: g for g in grids}
    for grant in (
        RoleGrant.objects.filter(role=Role.GRID_WORKER, area__in=grids)
        .select_related("user")
        .order_by("area__code", "user__username")
    ):
        staff_assign(
            actor=None,
            user=grant.user,
            post=StaffPost.FULL_TIME,
            area=by_pk[grant.area_id],
            start_on=start,
        )
        made += 1
    community = User.objects.filter(username="community").first()
    staff_grant = RoleGrant.objects.filter(user=community, role=Role.COMMUNITY_STAFF).first()
    if community is not None and staff_grant is not None:
        for g in grids:
            if g.parent_id == staff_grant.area_id:
                staff_assign(
                    actor=None, user=community, post=StaffPost.GRID_CHIEF, area=g, start_on=start
                )
                made += 1
    first = next((g for g in grids if not grid_infos([g])[0].village), None)
    if first is None:
        return made
    buildings = list(Building.objects.filter(area=first).order_by("estate_id", "pk")[:2])
    chief = User.objects.filter(username="chief").first()
    worker = User.objects.filter(username="gridworker").first()
    if chief is not None and buildings:
        staff_assign(
            actor=None,
            user=chief,
            post=StaffPost.BUILDING_CHIEF,
            area=first,
            building=buildings[0],
            start_on=start,
        )
        made += 1
    if worker is not None and len(buildings) > 1:
        staff_assign(
            actor=None,
            user=worker,
            post=StaffPost.BUILDING_CHIEF,
            area=first,
            building=buildings[1],
            start_on=start,
        )
        unit = buildings[1].units.order_by("number").first()
        if unit is not None:
            staff_assign(
                actor=None,
                user=worker,
                post=StaffPost.UNIT_CHIEF,
                area=first,
                building=buildings[1],
                unit=unit,
                start_on=start,
            )
            made += 1
        made += 1
    return made


def _party_demo(seed: int, grids: Sequence[Any]) -> str:
    """The party organisations, members, 双报到 and meetings of the demo communities
    (:func:`gridgov.party.demo.build_party_demo`, when the party app has it)."""
    try:
        from gridgov.party.demo import build_party_demo
    except ImportError:
        return "gridgov.party.demo not present"
    from gridgov.areas.models import Area

    communities = list(Area.objects.filter(pk__in={g.parent_id for g in grids}).order_by("code"))
    summary = build_party_demo(random.Random(seed + 3), communities)
    return str(summary)


def sheet_rows(
    n: int, *, grids: Sequence[Any], seed: int, today: date | None = None
) -> list[tuple[str, ...]]:
    """About ``n`` rows of the resident import sheet (:mod:`gridgov.rosters.excel.residents`
    column order, Chinese values as a grid office fills them in; living people, whole
    households, addresses without rooms) for the import benchmark. No database writes."""
    from gridgov.rosters.codes import (
        ETHNICITIES,
        HOUSEHOLD_TYPE_ZH,
        POLITICAL_STATUS_ZH,
        RELATION_ZH,
        RESIDENCE_TYPE_ZH,
    )

    day = today or timezone.localdate()
    rng = random.Random(seed)
    people = People(seed + 1, today=day)
    ethnic = dict(ETHNICITIES)
    infos = grid_infos(grids)
    residence = RESIDENCE
    rows: list[tuple[str, ...]] = []
    k = 0
    while len(rows) < n:
        info = infos[k % len(infos)]
        k += 1
        kind = rng.choices(list(residence), [50, 27, 17, 6])[0]
        rtype, origin = residence[kind]
        if info.village:
            address = f"{info.community}{names.chinese_number(rng.randint(1, 12))}组{k}号"
        else:
            estate = rng.choice(ESTATE_HEAD) + rng.choice(ESTATE_TAIL)
            address = f"{estate}{rng.randint(1, 30)}号楼{rng.randint(1, 3)}单元{k}室"
        family = people.surname()
        settled = day - timedelta(days=rng.randint(200, 9000))
        for m in _compose(rng, kind, info.village):
            birth = people.birth_date(m.age)
            phone = people.mobile() if m.age >= 16 and rng.random() < 0.9 else ""
            rows.append(
                (
                    info.area.code,
                    "",
                    HOUSEHOLD_TYPE_ZH[kind],
                    address,
                    "",
                    "",
                    "",
                    "",
                    RELATION_ZH[m.relation],
                    people.name(m.gender, birth.year, surname=family if m.kin else ""),
                    people.id_number(birth, m.gender, origin=origin),
                    ethnic[_ethnicity(rng)],
                    phone,
                    POLITICAL_STATUS_ZH[_political(rng, m.age)],
                    RESIDENCE_TYPE_ZH[rtype],
                    max(settled, birth).isoformat(),
                )
            )
    return rows
