"""The command centre at county scale: every registered tile and ranking, the map's per-grid
values and a month's report, read from the counters, against the raw SQL of the same figure on
the counters and the naive GROUP BY over the fact tables, in the same run.

    .venv/bin/python bench/bench_command.py [--cases 200000] [--grids 10000]
        [--disputes N] [--days 730] [--repeat 50] [--data-dir DIR] [--only build,verify,...]

The data (see ``bench/command_data.py``): one county → 30 streets → ~1 000 communities →
``--grids`` grid polygons (real ``areas_area`` rows with materialised paths), ``--cases`` cases
over ``--days`` days (real ``cases_case`` rows, raw inserts) with their counters (CaseStat per
(area, day) for every area and ancestor, StockCount per (area, key)), ``--disputes`` disputes
(default a tenth of the cases) with theirs; a dispatcher of the county (command.view). With
``--data-dir`` the database is kept (SQLite: in that folder; PostgreSQL: the database
``gridgov_bench_command``) and a later run with the same folder reuses it.

Stages (``--only``, comma-separated; default all):

* ``build`` — each step timed (``--only build`` just builds);
* ``verify`` — a sample of counters against a raw count over the fact tables;
* ``tiles`` — each registered tile at county, street and community scope (through
  ``command.tiles.selectors.tiles_for`` when the tiles engine is there, else each tile's
  ``compute``), p50/p95 over ``--repeat`` rounds, next to the same figures by raw SQL on the
  counters and by a GROUP BY over the fact tables;
* ``rankings`` — each registered rank measure the same way (``rankings_for``);
* ``map`` — the per-grid values of the county and of a street (every map measure);
* ``report`` — a month's report of the county (when the reports engine is there).

Goal: every tile and ranking p95 < 100 ms at 10 M cases and 100 000 grids.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database, setup_django, temporary_folder  # noqa: E402

GOAL_MS = 100.0
RESULTS: dict[str, Any] = {"rows": []}


def log(msg: str = "") -> None:
    print(msg, flush=True)


def pct(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()  # warm: statements prepared, pages cached
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def tune_sqlite(build: bool) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size = -1000000" if build else "PRAGMA cache_size = -200000")
        if build:
            cur.execute("PRAGMA synchronous = OFF")


# --- build ------------------------------------------------------------------------------------


def make_dispatcher(tree: Any) -> Any:
    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role

    user, created = User.objects.get_or_create(username="bench_command_dispatcher")
    if created:
        RoleGrant.objects.create(user=user, role=Role.DISPATCHER, area=tree.county)
    return user


def build(args: argparse.Namespace) -> dict[str, Any]:
    import command_data as cd
    from django.db import connection

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    tree = cd.build_tree(args.grids)
    steps["areas"] = time.perf_counter() - t0
    log(
        f"  areas: {len(tree.streets)} streets, {len(tree.communities):,} communities, "
        f"{len(tree.grids):,} grids in {steps['areas']:.0f} s"
    )
    clock = cd.Clock(args.days)
    t0 = time.perf_counter()
    info = cd.build_cases(tree, clock, args.cases)
    steps["cases"] = time.perf_counter() - t0
    log(
        f"  cases: {info['cases']:,} ({info['open']:,} open) and {info['casestat_rows']:,} "
        f"CaseStat rows in {steps['cases']:.0f} s"
    )
    disputes = args.disputes if args.disputes is not None else args.cases // 10
    if disputes:
        t0 = time.perf_counter()
        dinfo = cd.build_disputes(tree, clock, disputes)
        steps["disputes"] = time.perf_counter() - t0
        info.update(dinfo)
        log(f"  disputes: {disputes:,} in {steps['disputes']:.0f} s")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    steps["analyze"] = time.perf_counter() - t0
    log(f"  ANALYZE in {steps['analyze']:.0f} s")
    make_dispatcher(tree)
    info["steps"] = steps
    info["total_s"] = sum(steps.values())
    return info


# --- verify -----------------------------------------------------------------------------------


def verify(tree: Any) -> None:
    """The counters of a few areas against raw counts over the fact tables."""
    from django.db import connection

    from gridgov.cases.indicators import local_today
    from gridgov.kernel.counters.readers import flows_for, stock_for

    rnd = random.Random(4)
    today = local_today()
    first = today.replace(day=1) - timedelta(days=1)
    month = (first.replace(day=1), first)  # last month
    areas = [
        ("county", tree.county),
        ("street", rnd.choice(tree.streets)),
        ("community", rnd.choice(tree.communities)),
        ("grid", rnd.choice(tree.grids)),
    ]
    from gridgov.workcal.selectors import work_timezone

    tz = work_timezone()
    from datetime import datetime

    adapt = connection.ops.adapt_datetimefield_value
    lo = adapt(datetime.combine(month[0], datetime.min.time(), tzinfo=tz))
    hi = adapt(datetime.combine(month[1] + timedelta(days=1), datetime.min.time(), tzinfo=tz))
    bad = 0
    for label, area in areas:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT status, COUNT(*) FROM cases_case WHERE area_path >= %s AND area_path < %s "
                "GROUP BY status",
                [area.path, area.path[:-1] + "0"],
            )
            raw_status = dict(cur.fetchall())
            cur.execute(
                "SELECT COUNT(*) FROM cases_case WHERE area_path >= %s AND area_path < %s "
                "AND reported_at >= %s AND reported_at < %s",
                [area.path, area.path[:-1] + "0", lo, hi],
            )
            raw_reported = cur.fetchone()[0]
            cur.execute(
                "SELECT COUNT(*) FROM cases_case WHERE area_path >= %s AND area_path < %s "
                "AND closed_at >= %s AND closed_at < %s",
                [area.path, area.path[:-1] + "0", lo, hi],
            )
            raw_closed = cur.fetchone()[0]
        stock = stock_for("cases", area.pk)
        flows = flows_for("cases", area.pk, *month)
        ok_stock = all(stock.get(f"status:{s}", 0) == n for s, n in raw_status.items())
        ok = ok_stock and flows["reported"] == raw_reported and flows["closed"] == raw_closed
        bad += not ok
        log(
            f"  {label:9s} stock by status {'=' if ok_stock else '≠'} raw; last month reported "
            f"{flows['reported']:,} (raw {raw_reported:,}), closed {flows['closed']:,} "
            f"(raw {raw_closed:,}) {'ok' if ok else 'MISMATCH'}"
        )
    log(f"  verify: {'all counters equal the raw counts' if not bad else f'{bad} MISMATCHES'}")
    RESULTS["verify_ok"] = not bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--grids", type=int, default=10_000)
    parser.add_argument("--disputes", type=int, default=None, help="default: cases / 10")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--naive-rounds", type=int, default=3, help="rounds of each GROUP BY over the facts"
    )
    parser.add_argument("--data-dir", help="keep the database here and reuse it next time")
    parser.add_argument("--only", default="build,verify,tiles,rankings,map,report")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    stages = set(args.only.split(","))
    data_dir = args.data_dir or temporary_folder("gridgov-bench-command-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    marker = Path(data_dir) / "built"
    reuse = bool(args.data_dir) and marker.exists()
    drop = fresh_database(kept="gridgov_bench_command" if args.data_dir else "", reuse=reuse)
    setup_django(data_dir)
    try:
        import command_data as cd
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        log(
            f"database: {connection.vendor}{' (reused: ' + marker.read_text().strip() + ')' if reuse else ''}"
        )
        tune_sqlite(build=not reuse)
        if reuse:
            tree = cd.load_tree()
        else:
            log(f"\nbuilding {args.grids:,} grids, {args.cases:,} cases …")
            info = build(args)
            RESULTS["build"] = info
            log(f"  build total {info['total_s']:.0f} s")
            if args.data_dir:
                marker.write_text(
                    json.dumps({"cases": args.cases, "grids": args.grids, **info}) + "\n"
                )
            tree = cd.load_tree()
            tune_sqlite(build=False)
        shaped = cd.ensure_shapes(tree)
        if shaped:
            log(f"  {shaped:,} streets and communities given a polygon")
        if "verify" in stages:
            log("\nverify")
            verify(tree)
        import bench_command_reads as reads

        reads.run(tree, stages, args.repeat, RESULTS, args.naive_rounds)
        if args.json:
            Path(args.json).write_text(json.dumps(RESULTS, default=str, indent=1))
    finally:
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    main()
