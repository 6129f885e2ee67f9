"""Cases at county-to-city scale: intake through the service layer, the case list, the
indicators and the overdue sweep, each against the bare database doing the same work.

    .venv/bin/python bench/bench_cases.py [--cases 1000000] [--open 150000] [--intake 2000]
        [--data-dir /dev/shm/gb-1m] [--only intake,list,indicators,sweep]

With ``--data-dir`` the database is kept (SQLite: in that folder; PostgreSQL: the database
``gridgov_bench_cases``), and a later run with the same folder reuses the built cases (new migrations are applied, the ~15-minute build is skipped);
``--only`` picks the timed stages (``--only none`` just builds). Otherwise it builds a fresh
database (a temporary SQLite file, or a fresh PostgreSQL database when
``DATABASE_URL`` is set): one county of 10 streets × 10 communities × 10 grids (1 000 grid
polygons), the seeded categories, a dispatcher at the county and community staff at one
community. Then, in one run:

1. **Intake**: ``--intake`` reports through ``cases.services.intake.case_report`` (validation,
   point → grid routing, case number, timeline entry, maintained indicators, one transaction
   each) against a raw single-row ``INSERT`` of the same case row, one commit each, on the same
   database, after a warm-up report in every grid (untimed), in alternating rounds (medians).
   Goal ≥ 1 000 cases/s on SQLite. Then the same reports batched through
   ``cases.services.intake_many.case_report_many`` (same checks and rows, 500 per transaction).
2. **Bulk data**: ``--cases`` cases over the last 365 days (``--open`` of them still open, with
   future deadlines) and the maintained ``CaseStat`` rows of every area and day, inserted in
   bulk (not timed as a result).
3. **Case list**: the first page (30 rows) of ``cases.selectors.case_list_for`` for the
   dispatcher and the community staff, with the filters of the list page, against raw SQL for
   the same page; and the page with its capped count (what the list page waits for). Goal
   p95 < 100 ms.
4. **Indicators**: ``cases.indicators.indicators_for`` for the county and a street over a year
   against a raw ``SUM`` over the same ``CaseStat`` rows. Goal p95 < 100 ms.
5. **Sweep**: ``cases.supervision.sweep`` with nothing due, and with 1 000 cases just due,
   against a raw ``SELECT … WHERE watch_at <= now``. Goal < 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from common import fresh_database, setup_django, temporary_folder  # noqa: E402

STREETS, COMMUNITIES, GRIDS = 10, 10, 10
X0, Y0, CELL = 106.0, 38.0, 0.004
PAGE = 30
ROUNDS = 5  # intake rounds per path


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def square(x: float, y: float) -> dict[str, Any]:
    c = CELL * 0.999
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + c, y], [x + c, y + c], [x, y + c], [x, y]]],
    }


def build_tree() -> dict[str, Any]:
    from django.db import transaction

    from gridgov.areas.codes import Level
    from gridgov.areas.services import area_create

    grids: list[Any] = []
    streets: list[Any] = []
    communities: list[Any] = []
    with transaction.atomic():
        province = area_create(actor=None, parent=None, level=Level.PROVINCE, code="64", name="省")
        city = area_create(actor=None, parent=province, level=Level.CITY, code="6401", name="市")
        county = area_create(actor=None, parent=city, level=Level.COUNTY, code="640110", name="区")
        for s in range(STREETS):
            street = area_create(
                actor=None,
                parent=county,
                level=Level.TOWN,
                code=f"640110{s + 1:03d}",
                name=f"街道{s + 1}",
            )
            streets.append(street)
            for c in range(COMMUNITIES):
                community = area_create(
                    actor=None,
                    parent=street,
                    level=Level.COMMUNITY,
                    code=f"{street.code}{c + 1:03d}",
                    name=f"社区{s + 1}-{c + 1}",
                )
                communities.append(community)
                for g in range(GRIDS):
                    col = s * COMMUNITIES * GRIDS + c * GRIDS + g
                    x = X0 + (col % 100) * CELL
                    y = Y0 + (col // 100) * CELL
                    grid = area_create(
                        actor=None,
                        parent=community,
                        level=Level.GRID,
                        code=f"{community.code}{g + 1:03d}",
                        name=f"网格{s + 1}-{c + 1}-{g + 1}",
                        geometry=square(x, y),
                    )
                    grid.bench_point = (x + CELL / 2, y + CELL / 2)
                    grids.append(grid)
    return {"county": county, "streets": streets, "communities": communities, "grids": grids}


def load_tree() -> dict[str, Any]:
    """The tree of ``build_tree`` from a kept database (``--data-dir`` reuse)."""
    from gridgov.areas.models import Area

    county = Area.objects.get(code="640110")
    streets = list(Area.objects.filter(parent=county).order_by("code"))
    communities = list(Area.objects.filter(parent__in=streets).order_by("code"))
    grids = list(Area.objects.filter(parent__in=communities).order_by("code"))
    for col, grid in enumerate(grids):
        x = X0 + (col % 100) * CELL
        y = Y0 + (col // 100) * CELL
        grid.bench_point = (x + CELL / 2, y + CELL / 2)
    return {"county": county, "streets": streets, "communities": communities, "grids": grids}


def load_users() -> dict[str, Any]:
    from gridgov.accounts.models import User

    return {
        "dispatcher": User.objects.get(username="bench_dispatcher"),
        "staff": User.objects.get(username="bench_staff"),
    }


def make_users(t: dict[str, Any]) -> dict[str, Any]:
    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role

    dispatcher = User.objects.create(username="bench_dispatcher")
    RoleGrant.objects.create(user=dispatcher, role=Role.DISPATCHER, area=t["county"])
    staff = User.objects.create(username="bench_staff")
    RoleGrant.objects.create(user=staff, role=Role.COMMUNITY_STAFF, area=t["communities"][0])
    return {"dispatcher": dispatcher, "staff": staff}


def add_grid_workers(t: dict[str, Any]) -> None:
    from django.db import transaction

    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role
    from gridgov.cases import checkers

    with transaction.atomic():
        User.objects.bulk_create(
            [User(username=f"bench_gw_{g.code}") for g in t["grids"]], batch_size=500
        )
        users = list(User.objects.filter(username__startswith="bench_gw_").order_by("username"))
        by_name = {u.username: u for u in users}
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(user=by_name[f"bench_gw_{g.code}"], role=Role.GRID_WORKER, area=g)
                for g in t["grids"]
            ],
            batch_size=500,
        )
        checkers.changed()


# --- 1. intake --------------------------------------------------------------------------------


def bench_intake(t: dict[str, Any], n: int) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.cases.models import Case, Category
    from gridgov.cases.services.categories import validate_extra
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.services.intake_many import case_report_many
    from gridgov.cases.states import Source
    from gridgov.core.errors import ValidationFailed

    def asks_nothing(category: Any) -> bool:
        try:
            validate_extra(category, {})
        except ValidationFailed:
            return False
        return True

    categories = [
        c for c in Category.objects.filter(is_active=True, children__isnull=True) if asks_nothing(c)
    ]
    rnd = random.Random(1)
    grids = t["grids"]

    def one_service(i: int, grid: Any = None) -> None:
        grid = grid or grids[rnd.randrange(len(grids))]
        x, y = grid.bench_point
        case_report(
            actor=None,
            source=Source.RESIDENT,
            category=categories[i % len(categories)],
            title=f"井盖缺失 {i}",
            description="小区门口井盖缺失，存在安全隐患，请尽快处理。",
            lon=x,
            lat=y,
            anonymous=True,
        )

    table = Case._meta.db_table
    cols = [
        "number",
        "token",
        "status",
        "version",
        "source",
        "category_id",
        "extra",
        "title",
        "description",
        "priority",
        "area_id",
        "area_path",
        "lon",
        "lat",
        "address",
        "outside_grids",
        "reporter_name",
        "reporter_phone_enc",
        "anonymous",
        "external_id",
        "resolved_on_spot",
        "reported_at",
        "sign_overdue",
        "handle_overdue",
        "due_soon",
        "deadline_provisional",
        "pending_delay",
        "urge_count",
        "rework_count",
        "reopen_count",
        "return_count",
        "rating",
        "rating_comment",
        "reply",
        "created_at",
        "updated_at",
        "deadline_provisional",
    ]
    placeholders = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({placeholders})"

    run = f"{int(time.time()) % 100000:05d}"  # numbers stay unique when a kept DB is reused

    def one_raw(i: int) -> None:
        grid = grids[rnd.randrange(len(grids))]
        x, y = grid.bench_point
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                sql,
                [
                    f"R{run}-{i}",
                    f"raw{run}-{i}",
                    "reported",
                    1,
                    "resident",
                    categories[i % len(categories)].pk,
                    "{}",
                    f"井盖缺失 {i}",
                    "小区门口井盖缺失，存在安全隐患，请尽快处理。",
                    2,
                    grid.pk,
                    grid.path,
                    x,
                    y,
                    "",
                    False,
                    "",
                    "",
                    True,
                    "",
                    False,
                    now,
                    False,
                    False,
                    False,
                    False,
                    "{}",
                    0,
                    0,
                    0,
                    0,
                    "",
                    "",
                    "",
                    now,
                    now,
                    False,
                ],
            )

    def report(i: int) -> dict[str, Any]:
        grid = grids[rnd.randrange(len(grids))]
        x, y = grid.bench_point
        return {
            "source": Source.RESIDENT,
            "category": categories[i % len(categories)],
            "title": f"井盖缺失 {i}",
            "description": "小区门口井盖缺失，存在安全隐患，请尽快处理。",
            "lon": x,
            "lat": y,
            "anonymous": True,
        }

    # Warm-up, not timed: a report in every grid, as a running server has had — the grid
    # index is built and the process keeps each category and grid row it has read.
    for i, grid in enumerate(grids):
        one_service(-i, grid)
    # Rounds alternate between the two paths so that a slower moment of a shared machine
    # falls on both; the figures are the medians of the rounds.
    rounds = ROUNDS
    per_round = max(1, n // rounds)
    samples: dict[str, list[float]] = defaultdict(list)
    done = 0
    for _round in range(rounds):
        for label, fn in (("raw INSERT", one_raw), ("case_report", one_service)):
            start, cpu = time.perf_counter(), time.process_time()
            for i in range(done + 1, done + per_round + 1):
                fn(i)
            samples[label].append(per_round / (time.perf_counter() - start))
            samples[label + " cpu"].append(per_round / (time.process_time() - cpu))
        done += per_round
    results = {label: statistics.median(values) for label, values in samples.items()}
    results["case_report range"] = min(samples["case_report"])
    results["case_report range max"] = max(samples["case_report"])
    reports = [report(i) for i in range(n)]
    start, cpu = time.perf_counter(), time.process_time()
    answers = case_report_many(actor=None, reports=reports)
    results["case_report_many"] = n / (time.perf_counter() - start)
    results["case_report_many cpu"] = n / (time.process_time() - cpu)
    assert all(not isinstance(a, Exception) for a in answers), answers[:3]
    return results


# --- 2. bulk data -----------------------------------------------------------------------------


def bulk_cases(t: dict[str, Any], total: int, open_n: int, *, stats: bool = True) -> None:
    from django.db import transaction
    from django.utils import timezone

    from gridgov.cases.models import Case, CaseStat, Category
    from gridgov.cases.states import Source, Status

    rnd = random.Random(7)
    categories = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
    grids = t["grids"]
    now = timezone.now()
    closed_states = [Status.CLOSED, Status.RATED, Status.CLOSED, Status.REJECTED]
    open_states = [Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
    words = ["井盖缺失", "占道经营", "垃圾堆放", "路灯不亮", "噪音扰民", "邻里纠纷", "违章停车"]
    batch: list[Case] = []
    start = time.perf_counter()
    base = 10_000_000
    for i in range(total):
        grid = grids[rnd.randrange(len(grids))]
        is_open = i >= total - open_n
        reported = now - timedelta(
            seconds=rnd.randrange(365 * 86400 if not is_open else 20 * 86400)
        )
        status = rnd.choice(open_states) if is_open else rnd.choice(closed_states)
        watch = now + timedelta(hours=rnd.randrange(2, 400)) if is_open else None
        x, y = grid.bench_point
        batch.append(
            Case(
                number=f"B{base + i}",
                token=f"b{i}",
                status=status,
                source=Source.PATROL if i % 3 else Source.RESIDENT,
                category_id=categories[i % len(categories)],
                title=f"{words[i % len(words)]} {i}",
                area=grid,
                area_path=grid.path,
                lon=x,
                lat=y,
                reported_at=reported,
                assigned_area=grid if status != Status.REPORTED else None,
                sign_due_at=watch,
                handle_due_at=watch,
                watch_at=watch,
            )
        )
        if len(batch) == 5000:
            with transaction.atomic():
                Case.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Case.objects.bulk_create(batch)
    print(f"  {total:,} cases inserted in {time.perf_counter() - start:.0f} s")
    if not stats:  # the indicators are not timed in this run
        return

    # Maintained counters: one row per area and day for every area with cases.
    from gridgov.areas.models import Area

    areas = list(Area.objects.filter(level__gte=3).values_list("pk", "level"))
    today = timezone.localdate()
    stats: list[CaseStat] = []
    start = time.perf_counter()
    for pk, level in areas:
        scale = {3: 1000, 4: 100, 5: 10, 6: 1}.get(level, 1)
        for d in range(365):
            accepted = rnd.randrange(0, 6) * scale // 2 + 1
            closed = max(0, accepted - rnd.randrange(0, 2))
            stats.append(
                CaseStat(
                    area_id=pk,
                    day=today - timedelta(days=d),
                    reported=accepted + 1,
                    accepted=accepted,
                    closed=closed,
                    closed_on_time=closed,
                    signed=accepted,
                    signed_on_time=accepted,
                    replied=closed,
                    rated=closed // 2,
                    satisfied=closed // 2,
                    handle_seconds=closed * 86400,
                    closed_grid=closed,
                )
            )
        if len(stats) >= 20000:
            with transaction.atomic():
                CaseStat.objects.bulk_create(stats, ignore_conflicts=True)
            stats = []
    if stats:
        with transaction.atomic():
            CaseStat.objects.bulk_create(stats, ignore_conflicts=True)
    print(f"  {len(areas) * 365:,} CaseStat rows in {time.perf_counter() - start:.0f} s")
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


# --- 3./4. timed reads ------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def bench_list(t: dict[str, Any], users: dict[str, Any], repeat: int) -> None:
    from django.db import connection

    from gridgov.accounts import scoping
    from gridgov.cases.models import Case, Category
    from gridgov.cases.search import match_expression
    from gridgov.cases.selectors import case_list_counted_for, case_list_for
    from gridgov.core.pagination import CappedPaginator

    category = Category.objects.filter(children__isnull=True).first()
    index_sql = (
        "SELECT rowid FROM cases_search WHERE cases_search MATCH %s"
        if connection.vendor == "sqlite"
        else "SELECT case_id FROM cases_search WHERE grams @@ %s::tsquery"
    )
    today = date.today()
    community = t["communities"][0]
    street = t["streets"][0]
    in_community = "area_path >= %s AND area_path < %s"
    community_range = [community.path, community.path[:-1] + "0"]

    def through_index(label: str, user: Any, q: str, *, community_only: bool = False) -> Any:
        """A keyword variant whose baseline finds the page through the bare index."""
        where = f"id IN ({index_sql})"
        params = [match_expression(q, connection.vendor)]
        if community_only:
            where, params = f"{in_community} AND {where}", [*community_range, *params]
        return (label, user, {"q": q}, where, params)

    variants: list[tuple[str, Any, dict[str, Any], str, list[Any]]] = [
        ("dispatcher, no filter", users["dispatcher"], {}, "", []),
        (
            "dispatcher, in progress",
            users["dispatcher"],
            {"status": ["in_progress"]},
            "status = %s",
            ["in_progress"],
        ),
        (
            "dispatcher, street subtree",
            users["dispatcher"],
            {"area": street},
            "area_path >= %s AND area_path < %s",
            [street.path, street.path[:-1] + "0"],
        ),
        (
            "dispatcher, category + 30 days",
            users["dispatcher"],
            {"category": category, "date_from": today - timedelta(days=30)},
            "category_id = %s AND reported_at >= %s",
            [category.pk if category else 0, datetime.now() - timedelta(days=30)],
        ),
        ("dispatcher, keyword", users["dispatcher"], {"q": "井盖"}, "title LIKE %s", ["%井盖%"]),
        # Titles are "<one of 7 words> <number>": 14 % hold 井盖, 1.6 % "失 4", ~300 "4711",
        # none 地震. Baseline for the rarer ones: the same page through the bare index (and,
        # printed below, testing every title).
        through_index("dispatcher, keyword, rare", users["dispatcher"], "4711"),
        through_index("dispatcher, keyword, no match", users["dispatcher"], "地震"),
        through_index("dispatcher, keyword, 1.6 % (失 4)", users["dispatcher"], "失 4"),
        (
            "community staff, keyword (井盖)",
            users["staff"],
            {"q": "井盖"},
            f"{in_community} AND title LIKE %s",
            [*community_range, "%井盖%"],
        ),
        through_index(
            "community staff, keyword, 1.6 %", users["staff"], "失 4", community_only=True
        ),
        through_index(
            "community staff, keyword, rare", users["staff"], "4711", community_only=True
        ),
        ("community staff, no filter", users["staff"], {}, in_community, community_range),
    ]
    table = Case._meta.db_table
    print(f"\ncase list, first page of {PAGE} (p50 / p95 ms, {repeat} rounds)")
    for label, user, filters, where, params in variants:
        scoping.forget(user)

        def ours(user: Any = user, filters: dict[str, Any] = filters) -> None:
            scoping.forget(user)
            list(case_list_for(actor=user, **filters)[:PAGE])

        def page(user: Any = user, filters: dict[str, Any] = filters) -> None:
            # As cases.views.case_list: the rows, and the count capped at 10 000.
            scoping.forget(user)
            found = case_list_counted_for(actor=user, **filters)
            list(found.cases[:PAGE])
            assert CappedPaginator(found.cases, PAGE, found.counted).count >= 0

        sql = f"SELECT * FROM {table} {'WHERE ' + where if where else ''} ORDER BY reported_at DESC, id DESC LIMIT {PAGE}"

        def raw(sql: str = sql, params: list[Any] = params) -> None:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()

        ours()
        page()
        raw()
        a = ms(timed(ours, repeat))
        c = ms(timed(page, repeat))
        b = ms(timed(raw, repeat))
        print(
            f"  {label:34s} gridgov {a[0]:7.1f} / {a[1]:7.1f}   with its count "
            f"{c[0]:7.1f} / {c[1]:7.1f}   raw SQL {b[0]:7.1f} / {b[1]:7.1f}"
        )
    # The list page also counts its rows (at most 10 000, see core.pagination.CappedPaginator);
    # for a keyword that count reads every match, so it is timed too: through the count's own
    # filter (the index for a common word, case_list_counted_for) and, for comparison, on the
    # page's filter (walking newest first until the cap). A rare word is compared with testing
    # every title in the same SQL (what the list did before the index).
    print(f"\nkeyword list: count capped at 10 000 (p50 / p95 ms, {max(3, repeat // 10)} rounds)")
    for label, user, q in (
        ("dispatcher, common (井盖)", users["dispatcher"], "井盖"),
        ("dispatcher, 1.6 % (失 4)", users["dispatcher"], "失 4"),
        ("dispatcher, rare (4711)", users["dispatcher"], "4711"),
        ("dispatcher, no match (地震)", users["dispatcher"], "地震"),
        ("community staff, common (井盖)", users["staff"], "井盖"),
        ("community staff, rare (4711)", users["staff"], "4711"),
    ):

        def count(user: Any = user, q: str = q, page: bool = False) -> None:
            scoping.forget(user)
            found = case_list_counted_for(actor=user, q=q)
            assert CappedPaginator(found.cases, PAGE, None if page else found.counted).count >= 0

        count()
        a = ms(timed(count, max(3, repeat // 10)))
        b = ms(timed(lambda count=count: count(page=True), max(3, repeat // 10)))
        print(
            f"  {label:34s} gridgov {a[0]:7.1f} / {a[1]:7.1f}   on the page's filter "
            f"{b[0]:7.1f} / {b[1]:7.1f}"
        )
    like_sql = (
        f"SELECT * FROM {table} WHERE title LIKE %s OR address LIKE %s "
        f"ORDER BY reported_at DESC, id DESC LIMIT {PAGE}"
    )

    def like() -> None:
        with connection.cursor() as cur:
            cur.execute(like_sql, ["%4711%", "%4711%"])
            cur.fetchall()

    a = ms(timed(like, 3))
    print(
        f"  {'raw SQL, rare word, every title tested':34s} {a[0]:7.1f} / {a[1]:7.1f} (first page)"
    )


def bench_indicators(t: dict[str, Any], users: dict[str, Any], repeat: int) -> None:
    from django.db import connection

    from gridgov.accounts import scoping
    from gridgov.cases.indicators import indicators_for
    from gridgov.cases.models import CaseStat

    today = date.today()
    start_day = today - timedelta(days=364)
    print(f"\nindicators over 365 days (p50 / p95 ms, {repeat} rounds)")
    for label, area in (("county", t["county"]), ("street", t["streets"][0])):

        def ours(area: Any = area) -> None:
            scoping.forget(users["dispatcher"])
            indicators_for(actor=users["dispatcher"], area=area, date_from=start_day, date_to=today)

        sql = (
            f"SELECT SUM(accepted), SUM(closed), SUM(closed_on_time), SUM(signed), "
            f"SUM(signed_on_time), SUM(replied), SUM(reworked), SUM(rated), SUM(satisfied), "
            f"SUM(basic), SUM(handle_seconds), SUM(closed_grid), SUM(closed_community), "
            f"SUM(closed_street), SUM(closed_county) FROM {CaseStat._meta.db_table} "
            f"WHERE area_id = %s AND day BETWEEN %s AND %s"
        )

        def raw(area: Any = area, sql: str = sql) -> None:
            with connection.cursor() as cur:
                cur.execute(sql, [area.pk, start_day, today])
                cur.fetchall()

        ours()
        a = ms(timed(ours, repeat))
        b = ms(timed(raw, repeat))
        print(
            f"  {label:34s} gridgov {a[0]:7.1f} / {a[1]:7.1f}   raw SQL {b[0]:7.1f} / {b[1]:7.1f}"
        )


def bench_sweep() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.cases.models import Case
    from gridgov.cases.states import Status
    from gridgov.cases.supervision import sweep

    table = Case._meta.db_table

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(f"SELECT id FROM {table} WHERE watch_at <= %s", [timezone.now()])
            cur.fetchall()

    # A worker process has its URL configuration loaded (the notifications link to the case):
    # load it here so the first timed sweep does not pay for importing every view.
    from django.urls import reverse

    reverse("cases:detail", args=[1])
    print("\noverdue sweep")
    for label in ("nothing due", "1 000 cases just due"):
        if label.startswith("1 000"):
            # Open cases not yet swept (a kept database reused: swept ones are set back).
            open_states = [Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
            fresh = Case.objects.filter(status__in=open_states)
            ids = list(
                fresh.filter(watch_at__gt=timezone.now()).values_list("pk", flat=True)[:1000]
            )
            if len(ids) < 1000:
                ids += list(
                    fresh.exclude(pk__in=ids).values_list("pk", flat=True)[: 1000 - len(ids)]
                )
            past = timezone.now() - timedelta(minutes=1)
            with transaction.atomic():
                Case.objects.filter(pk__in=ids).update(
                    watch_at=past,
                    sign_due_at=past,
                    handle_due_at=past,
                    sign_overdue=False,
                    handle_overdue=False,
                    due_soon=False,
                )
        r0 = time.perf_counter()
        raw()
        raw_s = time.perf_counter() - r0
        s0, c0 = time.perf_counter(), time.process_time()
        result = sweep()
        ours_s, cpu_s = time.perf_counter() - s0, time.process_time() - c0
        print(
            f"  {label:34s} gridgov {ours_s * 1000:8.1f} ms (CPU {cpu_s * 1000:.0f} ms)   "
            f"raw SELECT {raw_s * 1000:7.1f} ms   {result}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=150_000)
    parser.add_argument("--intake", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument(
        "--grid-workers",
        action="store_true",
        help="give every grid a grid worker first: residents' reports then wait for the "
        "grid worker's check (待核实, a deadline on the working calendar)",
    )
    parser.add_argument(
        "--data-dir",
        help="keep the database (SQLite: in this folder; PostgreSQL: the database "
        "gridgov_bench_cases, marked built in this folder); a later run with the same folder "
        "reuses the built cases (migrations are applied, the build is skipped)",
    )
    parser.add_argument(
        "--only",
        default="intake,list,indicators,sweep",
        help="comma-separated stages to time (intake, list, indicators, sweep)",
    )
    args = parser.parse_args()
    stages = set(args.only.split(","))

    data_dir = args.data_dir or temporary_folder("gridgov-bench-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    reuse = bool(args.data_dir) and (Path(data_dir) / "built").exists()
    # A fresh PostgreSQL database first: the settings read DATABASE_URL once, at set-up.
    # PostgreSQL with --data-dir: the database "gridgov_bench_cases" is kept for reuse.
    drop = fresh_database(kept="gridgov_bench_cases" if args.data_dir else "", reuse=reuse)
    setup_django(data_dir)
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}{' (reused)' if reuse else ''}")
        if reuse:
            t = load_tree()
            users = load_users()
        else:
            t = build_tree()
            users = make_users(t)
        if args.grid_workers and not reuse:
            add_grid_workers(t)
        if "intake" in stages:
            rates = bench_intake(t, args.intake)
            ratio = rates["case_report"] / rates["raw INSERT"]
            print(
                f"\nintake of {args.intake} cases, one transaction each, median of {ROUNDS} "
                f"rounds: case_report {rates['case_report']:,.0f}/s (rounds "
                f"{rates['case_report range']:,.0f}–{rates['case_report range max']:,.0f}), "
                f"raw INSERT {rates['raw INSERT']:,.0f}/s "
                f"(gridgov at {ratio:.0%} of raw; goal >= 1 000/s on SQLite)"
                f"\n  batched, case_report_many (500 per transaction): "
                f"{rates['case_report_many']:,.0f}/s"
                f"\n  per CPU second of this process (a busy machine inflates wall time): "
                f"case_report {rates['case_report cpu']:,.0f}/s, raw INSERT "
                f"{rates['raw INSERT cpu']:,.0f}/s, case_report_many "
                f"{rates['case_report_many cpu']:,.0f}/s"
            )
        if not reuse:
            print(f"\nbuilding {args.cases:,} cases ({args.open:,} open) …")
            bulk_cases(
                t, args.cases, args.open, stats="indicators" in stages or bool(args.data_dir)
            )
            if args.data_dir:
                (Path(data_dir) / "built").write_text(f"{args.cases} {args.open}\n")
        if "list" in stages:
            from gridgov.cases.search import index_pending

            start = time.perf_counter()
            added = index_pending()
            print(
                f"\nkeyword index: {added:,} cases added in {time.perf_counter() - start:.1f} s"
                + ("" if connection.vendor == "sqlite" else "; mark settled by a second run")
            )
            index_pending()  # PostgreSQL: the run that sees the first run's transactions ended
            bench_list(t, users, args.repeat)
        if "indicators" in stages:
            bench_indicators(t, users, args.repeat)
        if "sweep" in stages:
            bench_sweep()
    finally:
        drop()


if __name__ == "__main__":
    main()
