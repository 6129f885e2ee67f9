"""Command-centre tiles from the kernel's maintained counters, at city scale, with two kinds
registered (cases, and a synthetic "disputes" kind that stands for the mediation module to
come), against a GROUP BY over the fact tables; and what the counters add to one transition.

    .venv/bin/python bench/bench_counters.py [--scale 1.0] [--reads 2000] [--transitions 2000]

At ``--scale 1`` (the default) the run builds, in a temporary folder removed at the end
(SQLite; with ``DATABASE_URL`` a fresh PostgreSQL database, dropped at the end):

* **Areas**: one city of 10 counties × 10 streets × 20 communities × 49 grids (100 112 areas),
  inserted in bulk.
* **Facts**: 1 000 000 cases and 200 000 disputes as rows of two bench-only tables
  (``bench_case``: path, status, overdue flags; ``bench_dispute``: path, state, risk), each
  with an index on the area path — not ``cases_case`` rows through intake: a million real cases
  take hours through the services and ~30 minutes even with ``bulk_create`` on this machine.
  15 % of the cases open (a tenth of those overdue), 30 % of the disputes open, 2 % high risk.
* **Counters**, computed in the same pass and inserted in bulk *straight into the counter
  tables* (not through the writer, for the same reason): the stock rows of both kinds for every
  area and ancestor (``counters_stockcount``), the cases' flows per (area, day) in ``CaseStat``
  (reported/accepted/closed on the day of the report, the last 365 days) and the disputes' flows
  in the shared ``counters_flowcount`` (found/resolved, the last 30 days).

Then, timed:

1. **Intake** (first, on bench_cases' county of 1 000 grid polygons): ``--intake`` single
   reports through ``case_report`` with the cases' counters as registered, against the same
   with the stock part switched off, in alternating rounds — what the stock adds per report.
2. **Tiles**: ``kernel.counters.readers.tile`` (stock now + flows of the last 30 days) for
   ``--reads`` random areas of every level, per kind, and the children breakdown
   (``children_stock``) of random streets and communities. Goal p95 < 20 ms per tile.
3. **Contrast**: the same stock figures as a ``GROUP BY status`` over the fact table for the
   city, a county, a street and a community (a range of the path index).
4. **Transitions**: ``writer.count`` for ``--transitions`` state changes of each kind (flows +
   stock + member row, area depth 6), one transaction and commit each, against the physical
   baseline: one single-row ``INSERT … ON CONFLICT DO UPDATE`` and commit on the same database;
   and ``writer.count_many`` for the same number in one transaction.

``--scale 0.01`` runs the same at a hundredth of the size (a smoke run, a few seconds).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from common import fresh_database, insert_areas, setup_django  # noqa: E402

COUNTIES, STREETS, COMMUNITIES, GRIDS = 10, 10, 20, 49
CASE_DAYS, DISPUTE_DAYS, TILE_DAYS = 365, 30, 30
CASE_STATUSES_OPEN = ["reported", "accepted", "assigned", "in_progress", "suspended"]
CASE_STATUSES_DONE = ["closed", "rated", "closed", "rejected"]
DISPUTE_STATES = ["registered", "accepted", "assigned", "mediating", "resolved", "closed"]


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


# --- The synthetic second kind ----------------------------------------------------------------


def dispute_keys(state: str, high_risk: bool) -> frozenset[str]:
    keys = {f"status:{state}"}
    if state != "closed":
        keys.add("open")
        if high_risk:
            keys.add("high_risk")
    return frozenset(keys)


def register_disputes() -> None:
    from gridgov.kernel.counters.registry import Kind, register

    def deltas(obj: Any, event: Any) -> dict[str, int]:
        if event.action == "register":
            return {"found": 1}
        if event.to_status == "resolved":
            return {"resolved": 1}
        if event.to_status == "accepted":
            return {"accepted": 1}
        return {}

    register(
        Kind(
            name="disputes",
            flows=("found", "accepted", "resolved"),
            flow_deltas=deltas,
            stock_keys=("open", "high_risk", *(f"status:{s}" for s in DISPUTE_STATES)),
            stock_of=lambda d: dispute_keys(d.status, d.high_risk),
            area_path_of=lambda d: d.area_path,
            object_id_of=lambda d: d.pk,
            day_of=lambda event: event.at.date(),
            creates=lambda event: event.action == "register",
        )
    )


# --- Build ------------------------------------------------------------------------------------


def build_areas(scale: float) -> dict[int, list[Any]]:
    """The city's tree; returns the areas per level (the grids with their paths)."""
    from django.db import transaction

    from gridgov.areas.codes import Level
    from gridgov.areas.services import area_create

    grids_per = max(1, round(GRIDS * scale))
    comms_per = max(1, round(COMMUNITIES * min(1.0, scale * 10)))
    start = time.perf_counter()
    with transaction.atomic():
        province = area_create(actor=None, parent=None, level=Level.PROVINCE, code="65", name="省")
        city = area_create(actor=None, parent=province, level=Level.CITY, code="6501", name="市")
        levels: dict[int, list[Any]] = {Level.CITY: [city]}
        from gridgov.areas.models import Area

        def add(parents: list[Any], n: int, level: int, code_len: int, name: str) -> list[Any]:
            objs = [
                Area(
                    code=f"{p.code}{i + 1:0{code_len}d}",
                    name=f"{name}{p.code[-4:]}-{i + 1}",
                    level=level,
                    parent=p,
                    depth=p.depth + 1,
                    path="",
                )
                for p in parents
                for i in range(n)
            ]
            insert_areas(objs)
            levels[level] = objs
            return objs

        counties = add([city], COUNTIES, Level.COUNTY, 2, "区")
        streets = add(counties, STREETS, Level.TOWN, 3, "街道")
        communities = add(streets, comms_per, Level.COMMUNITY, 3, "社区")
        add(communities, grids_per, Level.GRID, 3, "网格")
    total = sum(len(v) for v in levels.values()) + 1
    print(f"  {total:,} areas in {time.perf_counter() - start:.0f} s")
    return levels


def _paths(path: str) -> list[int]:
    return [int(p) for p in path.split("/") if p]


def bulk_insert(table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in cols)}) "
        f"VALUES ({', '.join(['%s'] * len(cols))})"
    )
    with connection.cursor() as cur:
        for i in range(0, len(rows), 20000):
            cur.executemany(sql, rows[i : i + 20000])


def build_cases(grids: list[Any], n: int) -> None:
    """The case facts in bulk (a bench table of the columns the stock depends on), and in the
    same pass the counters they imply (stock and flows), inserted straight into the counter
    tables."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.cases.indicators import COUNTERS, stock_keys_of
    from gridgov.cases.models import CaseStat
    from gridgov.kernel.counters.models import StockCount

    rnd = random.Random(7)
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_case (id integer PRIMARY KEY, area_path varchar(255) NOT NULL,"
            " status varchar(20) NOT NULL, sign_overdue boolean NOT NULL,"
            " handle_overdue boolean NOT NULL, reported_on date NOT NULL)"
        )
        cur.execute("CREATE INDEX bench_case_path ON bench_case (area_path)")
    stock: dict[tuple[int, str], int] = defaultdict(int)
    flows: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    facts: list[tuple[Any, ...]] = []
    start = time.perf_counter()
    for i in range(n):
        grid = grids[rnd.randrange(len(grids))]
        is_open = rnd.random() < 0.15
        status = rnd.choice(CASE_STATUSES_OPEN if is_open else CASE_STATUSES_DONE)
        late = is_open and rnd.random() < 0.1
        sign_late, handle_late = late and status == "assigned", late and status != "assigned"
        day = today - timedelta(days=rnd.randrange(20 if is_open else CASE_DAYS))
        facts.append((i + 1, grid.path, status, sign_late, handle_late, day))
        keys = stock_keys_of(status=status, sign_overdue=sign_late, handle_overdue=handle_late)
        closed = status in ("closed", "rated")
        for area_id in _paths(grid.path):
            for key in keys:
                stock[(area_id, key)] += 1
            row = flows[(area_id, day)]
            row[0] += 1
            row[1] += status != "reported"
            row[2] += closed
    zeros = [0] * (len(COUNTERS) - 3)
    with transaction.atomic():
        bulk_insert(
            "bench_case",
            ["id", "area_path", "status", "sign_overdue", "handle_overdue", "reported_on"],
            facts,
        )
        bulk_insert(
            StockCount._meta.db_table,
            ["kind", "area_id", "key", "value"],
            [("cases", a, k, v) for (a, k), v in stock.items() if v],
        )
        bulk_insert(
            CaseStat._meta.db_table,
            ["area_id", "day", "reported", "accepted", "closed", *COUNTERS[3:]],
            [(a, d, *v, *zeros) for (a, d), v in flows.items()],
        )
    print(
        f"  {n:,} cases, {len(stock):,} stock rows and {len(flows):,} CaseStat rows inserted "
        f"in {time.perf_counter() - start:.0f} s"
    )


def build_disputes(grids: list[Any], n: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.kernel.counters.models import FlowCount, StockCount

    rnd = random.Random(11)
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_dispute (id integer PRIMARY KEY, area_path varchar(255) NOT NULL,"
            " status varchar(20) NOT NULL, high_risk boolean NOT NULL, found_on date NOT NULL)"
        )
        cur.execute("CREATE INDEX bench_dispute_path ON bench_dispute (area_path)")
    facts: list[tuple[Any, ...]] = []
    stock: dict[tuple[int, str], int] = defaultdict(int)
    flows: dict[tuple[int, date, str], int] = defaultdict(int)
    start = time.perf_counter()
    for i in range(n):
        grid = grids[rnd.randrange(len(grids))]
        is_open = rnd.random() < 0.3
        state = rnd.choice(DISPUTE_STATES[:-1]) if is_open else "closed"
        high = rnd.random() < 0.02
        day = today - timedelta(days=rnd.randrange(DISPUTE_DAYS))
        facts.append((i + 1, grid.path, state, high, day))
        for area_id in _paths(grid.path):
            for key in dispute_keys(state, high):
                stock[(area_id, key)] += 1
            flows[(area_id, day, "found")] += 1
            if state in ("resolved", "closed"):
                flows[(area_id, day, "resolved")] += 1
    with transaction.atomic():
        bulk_insert("bench_dispute", ["id", "area_path", "status", "high_risk", "found_on"], facts)
        bulk_insert(
            StockCount._meta.db_table,
            ["kind", "area_id", "key", "value"],
            [("disputes", a, k, v) for (a, k), v in stock.items() if v],
        )
        bulk_insert(
            FlowCount._meta.db_table,
            ["kind", "area_id", "day", "name", "value"],
            [("disputes", a, d, name, v) for (a, d, name), v in flows.items()],
        )
    print(
        f"  {n:,} disputes, {len(stock):,} stock rows and {len(flows):,} flow rows inserted in "
        f"{time.perf_counter() - start:.0f} s"
    )


# --- Timed ------------------------------------------------------------------------------------


def bench_tiles(levels: dict[int, list[Any]], reads: int) -> None:
    from django.utils import timezone

    from gridgov.kernel.counters import readers

    rnd = random.Random(3)
    today = timezone.localdate()
    start_day = today - timedelta(days=TILE_DAYS - 1)
    pool = [a for lv in sorted(levels) for a in levels[lv]]
    # every level in the sample: a fifth each of city/county, streets, communities, grids
    by_level = [levels[2] + levels[3], levels[4], levels[5], levels[6]]
    sample = [rnd.choice(by_level[i % 4]) for i in range(reads)]
    print(f"\ntiles: stock now + flows of {TILE_DAYS} days, {reads} random areas of every level")
    worst = 0.0
    for kind in ("cases", "disputes"):
        times: list[float] = []
        stock_times: list[float] = []
        c0 = time.process_time()
        for area in sample:
            t0 = time.perf_counter()
            result = readers.tile(kind, area.pk, start_day, today)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            readers.stock_for(kind, area.pk)
            stock_times.append(time.perf_counter() - t0)
        cpu = (time.process_time() - c0) / (2 * len(sample)) * 1000
        med, p95 = ms(times)
        smed, sp95 = ms(stock_times)
        worst = max(worst, p95)
        city = readers.tile(kind, levels[2][0].pk, start_day, today)
        print(
            f"  {kind:9s} tile median {med:6.2f} ms  p95 {p95:6.2f} ms   "
            f"(stock alone: median {smed:.2f} ms, p95 {sp95:.2f} ms; CPU {cpu:.2f} ms/read)   "
            f"city: open {city['stock']['open']:,}, last {TILE_DAYS} days "
            f"{dict(list(city['flows'].items())[:3])}"
        )
        assert result is not None
    print(f"  worst p95 {worst:.2f} ms (goal < 20 ms): {'met' if worst < 20 else 'MISSED'}")
    for level, label in ((4, "street (its communities)"), (5, "community (its grids)")):
        times = []
        for _ in range(min(200, reads)):
            area = rnd.choice(levels[level])
            t0 = time.perf_counter()
            readers.children_stock("cases", area)
            times.append(time.perf_counter() - t0)
        med, p95 = ms(times)
        print(f"  children breakdown of a {label:26s} median {med:6.2f} ms  p95 {p95:6.2f} ms")
    del pool


def bench_group_by(levels: dict[int, list[Any]]) -> None:
    from django.db import connection

    print(
        "\ncontrast: the same stock as a GROUP BY over the fact tables (a range of the path index)"
    )
    for label, area in (
        ("city", levels[2][0]),
        ("county", levels[3][0]),
        ("street", levels[4][0]),
        ("community", levels[5][0]),
    ):
        for name, sql in (
            (
                "cases",
                "SELECT status, COUNT(*) FROM bench_case WHERE area_path >= %s AND area_path < %s "
                "GROUP BY status",
            ),
            (
                "disputes",
                "SELECT status, COUNT(*) FROM bench_dispute WHERE area_path >= %s AND area_path < %s "
                "GROUP BY status",
            ),
        ):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                with connection.cursor() as cur:
                    cur.execute(sql, [area.path, area.path[:-1] + "0"])  # the subtree's range
                    rows = cur.fetchall()
                times.append(time.perf_counter() - t0)
            print(
                f"  {label:9s} {name:8s} GROUP BY  best of 3 {min(times) * 1000:9.1f} ms "
                f"({sum(n for _s, n in rows):,} rows counted)"
            )


def bench_transitions(grids: list[Any], n: int) -> None:
    from django.db import connection, transaction

    from gridgov.kernel.counters.writer import count, count_many

    rnd = random.Random(5)
    at = datetime.now().astimezone()
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_upsert (k integer PRIMARY KEY, value integer NOT NULL)")

    def objects(kind: str, base: int) -> list[Any]:
        out = []
        for i in range(n):
            grid = grids[rnd.randrange(len(grids))]
            if kind == "cases":
                out.append(
                    SimpleNamespace(
                        pk=base + i,
                        area_path=grid.path,
                        area=None,
                        status="reported",
                        sign_overdue=False,
                        handle_overdue=False,
                    )
                )
            else:
                out.append(
                    SimpleNamespace(
                        pk=base + i, area_path=grid.path, status="registered", high_risk=False
                    )
                )
        return out

    def ev(action: str, frm: str, to: str) -> Any:
        return SimpleNamespace(action=action, at=at, from_status=frm, to_status=to, data={})

    first = {"cases": ("report", "", "reported"), "disputes": ("register", "", "registered")}
    step = {
        "cases": ("accept", "reported", "accepted"),
        "disputes": ("accept", "registered", "accepted"),
    }
    print(f"\ntransitions: {n} state changes per kind, area depth 6 (city … grid)")
    # the physical baseline: one single-row upsert and a commit
    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "INSERT INTO bench_upsert (k, value) VALUES (%s, 1) "
                "ON CONFLICT (k) DO UPDATE SET value = bench_upsert.value + 1",
                [i % 1000],
            )
    raw = (time.perf_counter() - t0) / n
    print(f"  raw single-row upsert + commit            {raw * 1e6:8.0f} µs")
    for k_i, kind in enumerate(("cases", "disputes")):
        objs = objects(kind, 50_000_000 + k_i * 10_000_000)
        with transaction.atomic():  # created (untimed): the member rows exist
            count_many(kind, [(o, ev(*first[kind])) for o in objs])
        for o in objs:
            o.status = step[kind][2]
        t0 = time.perf_counter()
        for o in objs:
            with transaction.atomic():
                count(kind, o, ev(*step[kind]))
        one = (time.perf_counter() - t0) / n
        for o in objs:
            o.status = "in_progress" if kind == "cases" else "mediating"
        t0 = time.perf_counter()
        with transaction.atomic():
            for o in objs:
                count(kind, o, ev("x", step[kind][2], o.status))
        inside = (time.perf_counter() - t0) / n
        for o in objs:
            o.status = "resolved"
        t0 = time.perf_counter()
        with transaction.atomic():
            count_many(kind, [(o, ev("resolve", "x", "resolved")) for o in objs])
        many = (time.perf_counter() - t0) / n
        print(
            f"  {kind:9s} count(), own transaction + commit {one * 1e6:8.0f} µs "
            f"({one / raw:.1f}× the raw upsert)   inside one transaction {inside * 1e6:6.0f} µs   "
            f"count_many {many * 1e6:6.0f} µs each"
        )


def bench_intake_cost(n: int) -> None:
    """Single reports through ``case_report`` (one transaction each) with the cases' counters
    as registered, against the same with the stock part switched off (flows still counted), in
    alternating rounds on bench_cases' county of 1 000 grid polygons: what the stock adds."""
    from dataclasses import replace

    import bench_cases

    from gridgov.cases.models import Category
    from gridgov.cases.services.intake import case_report
    from gridgov.kernel.counters.registry import get, register

    t = bench_cases.build_tree()
    grids = t["grids"]
    from gridgov.cases.services.categories import validate_extra
    from gridgov.core.errors import ValidationFailed

    def asks_nothing(category: Any) -> bool:  # no extra fields required
        try:
            validate_extra(category, {})
        except ValidationFailed:
            return False
        return True

    categories = [
        c for c in Category.objects.filter(is_active=True, children__isnull=True) if asks_nothing(c)
    ]
    rnd = random.Random(9)

    def one(i: int, grid: Any = None) -> None:
        grid = grid or grids[rnd.randrange(len(grids))]
        x, y = grid.bench_point
        case_report(
            actor=None,
            source="resident",
            category=categories[i % len(categories)],
            title=f"井盖缺失 {i}",
            description="小区门口井盖缺失，存在安全隐患，请尽快处理。",
            lon=x,
            lat=y,
            anonymous=True,
        )

    for i, grid in enumerate(grids):  # warm-up, not timed: a report in every grid
        one(i, grid)
    full = get("cases")
    paths = {"with stock": full, "flows only": replace(full, neutral=lambda event: True)}
    rounds, per_round = 5, max(1, n // 5)
    samples: dict[str, list[float]] = defaultdict(list)
    try:
        for r in range(rounds):
            for label, kind in paths.items():
                register(kind)
                start, cpu = time.perf_counter(), time.process_time()
                for i in range(per_round):
                    one(r * per_round + i)
                samples[label].append(per_round / (time.perf_counter() - start))
                samples[label + " cpu"].append(per_round / (time.process_time() - cpu))
    finally:
        register(full)
    med = {label: statistics.median(v) for label, v in samples.items()}
    added = (1 / med["with stock cpu"] - 1 / med["flows only cpu"]) * 1e6
    print(
        f"\nintake, case_report one transaction each, {rounds} alternating rounds of {per_round}:"
        f"\n  with the stock counters {med['with stock']:,.0f}/s "
        f"(CPU-bound {med['with stock cpu']:,.0f}/s)   flows only {med['flows only']:,.0f}/s "
        f"(CPU-bound {med['flows only cpu']:,.0f}/s)   stock adds {added:.0f} µs CPU per report"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100 000 areas, 1 M cases")
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--transitions", type=int, default=2000)
    parser.add_argument("--intake", type=int, default=1000, help="reports timed (0: skip)")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="gridgov-bench-counters-")
    drop = fresh_database()
    try:
        setup_django(data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        register_disputes()
        print(f"database: {connection.vendor}, scale {args.scale}")
        if args.intake:
            bench_intake_cost(args.intake)
        levels = build_areas(args.scale)
        grids = levels[6]
        build_cases(grids, int(1_000_000 * args.scale))
        build_disputes(grids, int(200_000 * args.scale))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        bench_tiles(levels, args.reads)
        bench_group_by(levels)
        bench_transitions(grids, args.transitions)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n(temporary folder {data_dir} removed: {not Path(data_dir).exists()})")


if __name__ == "__main__":
    main()
