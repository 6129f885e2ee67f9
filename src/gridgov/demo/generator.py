"""The demo district: a fictional 凤城区 (640110) of 银川市, 宁夏, with streets, towns,
communities, villages and about 80 grids whose polygons tile their communities, departments,
and an account for every role. Also the benchmark generator (``gridgov demo-build --grids N``).

Deterministic: :func:`plan_demo` draws everything from ``random.Random(seed)``, so the same
arguments give the same codes, names, people and coordinates. :func:`build_demo` writes a plan
through the area and account services with ``actor=None`` (the system), in one transaction,
with two shortcuts for speed: the demo password is hashed once and the hash reused for the
generated grid-worker accounts, and above :data:`BULK_THRESHOLD` grids (or with ``bulk=True``)
areas, users and grants are inserted in bulk — codes are still validated, boundaries parsed,
and ``path``/``depth``/``kind``/bounding boxes set exactly as the services set them, the
boundary revision is bumped once, and one summary audit entry is written per kind of row.

640110 is not a real county code (银川市 has 640104-640106, 640121, 640122, 640181), so the
demo never clashes with imported real divisions; an existing 64 宁夏 or 6401 银川市 is reused.
Larger builds add counties 640111, 640112 … as needed (at most 399 towns per county).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from gridgov.demo import layout, names

DEMO_COUNTY_CODE = "640110"
DEMO_PASSWORD = "Demo@2026"
DEFAULT_GRIDS = 80
DEFAULT_SEED = 2026
DEMO_CASES = 240
BULK_THRESHOLD = 2000
MAX_TOWNS_PER_COUNTY = 399  # 99 streets + 100 towns + 200 townships
CENTER = (106.20, 38.50)

PROVINCE = ("64", "宁夏回族自治区")
CITY = ("6401", "银川市")
COUNTY_NAMES = ["凤城区", "凤翔区", "凤栖区", "凤仪区", "凤阳区", "凤台区", "凤庆区", "凤林区"]


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: int
    parent: str | None
    geometry: dict[str, Any] | None = None


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    kind: str
    area: str  # area code


@dataclass(frozen=True)
class AccountSpec:
    username: str
    display_name: str
    mobile: str
    role: str
    area: str  # area code
    area_name: str
    department: str | None = None  # department name
    superuser: bool = False

    @property
    def role_label(self) -> str:
        from gridgov.accounts.roles import Role

        label = str(Role(self.role).label)
        if self.superuser:
            label += " + " + str(_("Django admin"))
        if self.department:
            label += f" · {self.department}"
        return label


@dataclass
class Plan:
    areas: list[AreaSpec] = field(default_factory=list)
    departments: list[DepartmentSpec] = field(default_factory=list)
    accounts: list[AccountSpec] = field(default_factory=list)
    grid_workers: list[AccountSpec] = field(default_factory=list)

    @property
    def grids(self) -> list[AreaSpec]:
        return [a for a in self.areas if a.level == 6]


FIRST_GRID = "640110001001001"

DEPARTMENTS = [
    DepartmentSpec("凤城区城管执法中队", "urban_management", DEMO_COUNTY_CODE),
    DepartmentSpec("凤城区市场监管所", "market_regulation", DEMO_COUNTY_CODE),
    DepartmentSpec("凤鸣派出所", "police", "640110001"),
    DepartmentSpec("凤城区司法所", "justice", DEMO_COUNTY_CODE),
    DepartmentSpec("凤城区住建局", "housing", DEMO_COUNTY_CODE),
]


def demo_accounts() -> list[AccountSpec]:
    """The named demo accounts (one per role), all with :data:`DEMO_PASSWORD`."""
    fm_grid = names.grid_name("凤鸣社区", 1)
    return [
        AccountSpec(
            "admin", "王建国", "13800000001", "admin", DEMO_COUNTY_CODE, "凤城区", superuser=True
        ),
        AccountSpec("leader", "李卫东", "13800000002", "leader", DEMO_COUNTY_CODE, "凤城区"),
        AccountSpec(
            "dispatcher", "马晓燕", "13800000003", "dispatcher", DEMO_COUNTY_CODE, "凤城区"
        ),
        AccountSpec(
            "street_dispatcher", "杨帆", "13800000004", "dispatcher", "640110001", "凤鸣街道"
        ),
        AccountSpec(
            "community", "张丽", "13800000005", "community_staff", "640110001001", "凤鸣社区"
        ),
        AccountSpec("gridworker", "刘强", "13800000006", "grid_worker", FIRST_GRID, fm_grid),
        AccountSpec("chief", "赵桂兰", "13800000007", "building_chief", FIRST_GRID, fm_grid),
        AccountSpec(
            "chengguan",
            "丁海涛",
            "13800000008",
            "dept_handler",
            DEMO_COUNTY_CODE,
            "凤城区",
            department="凤城区城管执法中队",
        ),
        AccountSpec("resident", "海玉梅", "13800000009", "resident", FIRST_GRID, fm_grid),
        AccountSpec("mediator", "马建才", "13800000010", "mediator", "640110001", "凤鸣街道"),
    ]


# --- the plan (pure, no database) -------------------------------------------------------------


def _town_kinds(count: int) -> list[tuple[str, int, int]]:
    """(kind, index within kind, code segment) for ``count`` towns: half streets, half towns,
    then townships once the 镇 range is full."""
    streets = min(99, math.ceil(count / 2))
    towns = min(100, count - streets)
    townships = count - streets - towns
    if townships > 200:
        raise ValueError("too many towns for one county")
    return (
        [("street", i, 1 + i) for i in range(streets)]
        + [("town", i, 100 + i) for i in range(towns)]
        + [("township", i, 200 + i) for i in range(townships)]
    )


def plan_demo(*, grids: int = DEFAULT_GRIDS, seed: int = DEFAULT_SEED) -> Plan:
    """Everything the demo consists of, computed without touching the database."""
    if grids < 1:
        raise ValueError("grids must be at least 1")
    rng = random.Random(seed)
    shape = layout.town_shape_for(grids)
    towns_needed = math.ceil(grids / shape.cells)
    counties = math.ceil(towns_needed / MAX_TOWNS_PER_COUNTY)
    if counties > len(COUNTY_NAMES):
        raise ValueError(f"at most {len(COUNTY_NAMES) * MAX_TOWNS_PER_COUNTY * shape.cells} grids")
    plan = Plan()
    plan.areas.append(AreaSpec(PROVINCE[0], PROVINCE[1], 1, None))
    plan.areas.append(AreaSpec(CITY[0], CITY[1], 2, PROVINCE[0]))
    left = grids
    for c in range(counties):
        towns_here = min(MAX_TOWNS_PER_COUNTY, towns_needed - c * MAX_TOWNS_PER_COUNTY)
        county_code = f"6401{10 + c}"
        width = shape.width * math.ceil(math.sqrt(towns_here)) * layout.COLUMN_WIDTH
        center = (CENTER[0] + c * (width + 0.02), CENTER[1])
        left = _plan_county(
            plan, rng, county_code, COUNTY_NAMES[c], towns_here, shape, center, left
        )
    plan.departments = list(DEPARTMENTS)
    plan.accounts = demo_accounts()
    taken = {a.area for a in plan.accounts if a.role == "grid_worker"}
    for n, grid in enumerate(plan.grids):
        if grid.code in taken:
            continue
        plan.grid_workers.append(
            AccountSpec(
                username=f"gw{grid.code}",
                display_name=names.person_name(rng),
                mobile=f"13800{1000 + n:06d}",
                role="grid_worker",
                area=grid.code,
                area_name=grid.name,
            )
        )
    return plan


def _plan_county(
    plan: Plan,
    rng: random.Random,
    code: str,
    name: str,
    towns: int,
    shape: layout.TownShape,
    center: tuple[float, float],
    left: int,
) -> int:
    kinds = _town_kinds(towns)
    street_towns = sum(1 for k in kinds if k[0] == "street")
    lattice, corners = layout.county_lattice(
        towns=towns, shape=shape, street_towns=street_towns, center=center, rng=rng
    )
    county_index = len([a for a in plan.areas if a.level == 3])
    county = AreaSpec(code, name, 3, CITY[0])
    plan.areas.append(county)
    county_at = len(plan.areas) - 1
    town_polys: list[dict[str, Any]] = []
    for (kind, k_index, segment), (cx, cy) in zip(kinds, corners, strict=True):
        if left <= 0:
            break
        town_code = f"{code}{segment:03d}"
        # Only the first county uses the fixed names (凤鸣街道 …).
        tname = names.town_name(kind, k_index + county_index * MAX_TOWNS_PER_COUNTY)
        town_at = len(plan.areas)
        plan.areas.append(AreaSpec(town_code, tname, 4, code))
        has_seat = kind == "town" and k_index % 2 == 0
        residents, villages = 0, 0
        comm_polys: list[dict[str, Any]] = []
        for c_index, cells in enumerate(layout.partition_town(shape, rng)):
            if left <= 0:
                break
            village = kind == "township" or (kind == "town" and not (has_seat and c_index == 0))
            if village:
                villages += 1
                comm_code = f"{town_code}{200 + villages:03d}"
            else:
                residents += 1
                comm_code = f"{town_code}{residents:03d}"
            salt = county_index * 1000 + segment
            cname = names.community_name(tname, c_index, village=village, salt=salt)
            comm_at = len(plan.areas)
            plan.areas.append(AreaSpec(comm_code, cname, 5, town_code))
            cell_polys = []
            for g, (i, j) in enumerate(cells[:left], start=1):
                poly = lattice.cell_polygon((cx + i, cy + j))
                cell_polys.append(poly)
                plan.areas.append(
                    AreaSpec(f"{comm_code}{g:03d}", names.grid_name(cname, g), 6, comm_code, poly)
                )
            left -= len(cell_polys)
            comm_poly = layout.union_geojson(cell_polys)
            comm_polys.append(comm_poly)
            plan.areas[comm_at] = _with_geometry(plan.areas[comm_at], comm_poly)
        town_poly = layout.union_geojson(comm_polys)
        town_polys.append(town_poly)
        plan.areas[town_at] = _with_geometry(plan.areas[town_at], town_poly)
    plan.areas[county_at] = _with_geometry(county, layout.union_geojson(town_polys))
    return left


def _with_geometry(spec: AreaSpec, geometry: dict[str, Any]) -> AreaSpec:
    return AreaSpec(spec.code, spec.name, spec.level, spec.parent, geometry)


# --- writing it ---------------------------------------------------------------------------------


@dataclass
class BuildResult:
    areas: int = 0
    grids: int = 0
    users: int = 0
    departments: int = 0
    cases: int = 0
    residents: int = 0


def default_cases(grids: int) -> int:
    """The demo's cases in proportion to its grids (:data:`DEMO_CASES` for the default
    :data:`DEFAULT_GRIDS`), at least 20 so that every demo role finds work waiting."""
    return max(20, round(DEMO_CASES * grids / DEFAULT_GRIDS))


def demo_exists() -> bool:
    """Whether the demo district was already built (its county code exists)."""
    from gridgov.areas.models import Area

    return Area.objects.filter(code=DEMO_COUNTY_CODE).exists()


def build_demo(
    *,
    grids: int = DEFAULT_GRIDS,
    seed: int = DEFAULT_SEED,
    bulk: bool | None = None,
    cases: int = 0,
    rosters: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Write the demo plan to the database in one transaction, with ``cases`` demo cases
    reported and moved along through the case services (``gridgov demo`` asks for
    :data:`DEMO_CASES`), and with ``rosters`` (default: when there are cases, i.e. the full
    demo) the rosters of every grid (:func:`gridgov.demo.rosters.build_demo_rosters`).

    Raises :class:`~gridgov.core.errors.Conflict` if the demo district already exists.
    """
    from django.db import transaction
    from django.utils.translation import gettext

    from gridgov.core.errors import Conflict
    from gridgov.demo import writer

    say = progress or (lambda msg: None)
    plan = plan_demo(grids=grids, seed=seed)
    use_bulk = grids > BULK_THRESHOLD if bulk is None else bulk
    with transaction.atomic():
        if demo_exists():
            raise Conflict(
                gettext("The demo district (%(code)s) already exists.")
                % {"code": DEMO_COUNTY_CODE},
                code="demo_exists",
            )
        result = BuildResult()
        say(f"areas: {len(plan.areas)} ({len(plan.grids)} grids)")
        by_code = (writer.areas_bulk if use_bulk else writer.areas_with_services)(plan, result)
        say("departments and accounts")
        depts = writer.departments(plan, by_code, result)
        writer.named_accounts(plan, by_code, depts, result)
        say(f"grid workers: {len(plan.grid_workers)}")
        (writer.grid_workers_bulk if use_bulk else writer.grid_workers_with_services)(
            plan, by_code, result
        )
        if rosters or (rosters is None and cases):
            from gridgov.demo.rosters import build_demo_rosters

            say("rosters")
            result.residents = build_demo_rosters(seed=seed, progress=progress).residents
        if cases:
            from gridgov.demo.cases import build_demo_cases

            say(f"cases: {cases}")
            result.cases = build_demo_cases(seed=seed, count=cases, progress=progress)
            from gridgov.cases.search import index_pending

            index_pending()  # the keyword index, at once rather than at the worker's next minute
            from gridgov.demo.mediation import build_demo_mediation

            say("mediation: committees, rooms, mediators, screening, disputes")
            build_demo_mediation(grid_code=FIRST_GRID)
            from gridgov.demo.inbox import settle_demo_inboxes

            say("inboxes")
            settle_demo_inboxes(days=45)
            from gridgov.demo.waiting import give_demo_roles_work

            say("work waiting for the demo accounts")
            result.cases += sum(give_demo_roles_work(grid_code=FIRST_GRID).values())
            from gridgov.demo.command import build_demo_command

            say("command centre: report subscriptions, last month's report, alerts")
            build_demo_command()
    return result
