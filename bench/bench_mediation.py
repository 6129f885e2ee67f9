"""Mediation on the kernel: what a dispute transition costs next to a case transition (same
run), and the mediation figures from the maintained counters at city scale.

    .venv/bin/python bench/bench_mediation.py [--small] [--transitions 400] [--reads 2000]

1. **Transitions** (a small tree, one county … grid): ``--transitions`` cases reported through
   ``case_report`` and as many disputes registered through ``dispute_register`` (untimed), then
   timed in alternating rounds, one transaction and commit each: ``case_accept`` against
   ``dispute_accept`` (guard, version check, one ``UPDATE``, the timeline entry, the counters of
   the area and its five ancestors, notifications) — and, as the physical baseline, one
   single-row ``INSERT … ON CONFLICT DO UPDATE`` and commit.
2. **Counters at scale** (``--small``: a hundredth): bench_counters' city of 100 112 areas and
   1 000 000 cases (a bench fact table and their counters, inserted in bulk), and 200 000 real
   ``mediation_dispute`` rows inserted in bulk together with the counter rows the "disputes"
   kind (:mod:`gridgov.mediation.numbers.counting`) keeps for them (stock per area and ancestor,
   flows per area and day over the last 30 days). Timed: the current-stock tile
   (``readers.stock_for("disputes", …)``) and the full figures of a period
   (``selectors.indicators_for``: flows + stock + the rights check) for ``--reads`` random areas
   of every level — goal p95 < 20 ms; the children table of random streets and communities
   (``selectors.children_for``); and, as the contrast, the same stock as a ``GROUP BY status``
   over the dispute table for the city, a county, a street and a community.

The data lives in a temporary folder removed at the end (SQLite; with ``DATABASE_URL`` a fresh
PostgreSQL database, dropped at the end).
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from common import fresh_database, setup_django  # noqa: E402

DISPUTE_DAYS = 30
OPEN_SHARE, RED_SHARE, OVERDUE_SHARE = 0.3, 0.02, 0.1


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


# --- 1. Transitions ---------------------------------------------------------------------------


def small_tree() -> dict[str, Any]:
    from django.db import transaction

    from gridgov.areas.codes import Level
    from gridgov.areas.services import area_create

    with transaction.atomic():
        province = area_create(actor=None, parent=None, level=Level.PROVINCE, code="64", name="省")
        city = area_create(actor=None, parent=province, level=Level.CITY, code="6401", name="市")
        county = area_create(actor=None, parent=city, level=Level.COUNTY, code="640110", name="区")
        street = area_create(
            actor=None, parent=county, level=Level.TOWN, code="640110001", name="街道"
        )
        community = area_create(
            actor=None, parent=street, level=Level.COMMUNITY, code="640110001001", name="社区"
        )
        grid = area_create(
            actor=None, parent=community, level=Level.GRID, code="640110001001001", name="网格"
        )
    return {"county": county, "grid": grid}


def bench_transitions(n: int) -> None:
    from django.db import connection, transaction

    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role
    from gridgov.cases.models import Category
    from gridgov.cases.services.categories import validate_extra
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.services.lifecycle import case_accept
    from gridgov.core.errors import ValidationFailed
    from gridgov.mediation.disputes.services import PartyIn, dispute_accept, dispute_register
    from gridgov.mediation.models import DisputeType

    t = small_tree()
    dispatcher = User.objects.create(username="bench_dispatcher")
    RoleGrant.objects.create(user=dispatcher, role=Role.DISPATCHER, area=t["county"])

    def asks_nothing(category: Any) -> bool:
        try:
            validate_extra(category, {})
        except ValidationFailed:
            return False
        return True

    category = next(
        c for c in Category.objects.filter(is_active=True, children__isnull=True) if asks_nothing(c)
    )
    dtype, _new = DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里"})
    parties = [PartyIn(name="张三"), PartyIn(name="李四", role="respondent")]
    rounds = 4
    per = max(1, n // rounds)
    start = time.perf_counter()
    cases = [
        case_report(
            actor=None,
            source="resident",
            category=category,
            title=f"井盖缺失 {i}",
            description="小区门口井盖缺失。",
            area=t["grid"],
            anonymous=True,
        ).case
        for i in range(per * rounds)
    ]
    disputes = [
        dispute_register(
            actor=dispatcher,
            area=t["grid"],
            type=dtype,
            title=f"邻里漏水纠纷 {i}",
            source="walk_in",
            parties=parties,
        )
        for i in range(per * rounds)
    ]
    print(
        f"\ntransitions: {len(cases)} cases and {len(disputes)} disputes made in "
        f"{time.perf_counter() - start:.0f} s (untimed); {rounds} alternating rounds of {per}"
    )
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_upsert (k integer PRIMARY KEY, value integer NOT NULL)")
    samples: dict[str, list[float]] = defaultdict(list)
    for r in range(rounds):
        part = slice(r * per, (r + 1) * per)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(per):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO bench_upsert (k, value) VALUES (%s, 1) "
                    "ON CONFLICT (k) DO UPDATE SET value = bench_upsert.value + 1",
                    [i % 1000],
                )
        samples["raw"].append((time.perf_counter() - t0) / per)
        samples["raw cpu"].append((time.process_time() - c0) / per)
        t0, c0 = time.perf_counter(), time.process_time()
        for case in cases[part]:
            case_accept(actor=dispatcher, case=case, version=case.version)
        samples["case"].append((time.perf_counter() - t0) / per)
        samples["case cpu"].append((time.process_time() - c0) / per)
        t0, c0 = time.perf_counter(), time.process_time()
        for dispute in disputes[part]:
            dispute_accept(actor=dispatcher, dispute=dispute, version=dispute.version)
        samples["dispute"].append((time.perf_counter() - t0) / per)
        samples["dispute cpu"].append((time.process_time() - c0) / per)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print("  (wall-clock µs per transition; CPU µs of this process in brackets)")
    print(
        f"  raw single-row upsert + commit   {med['raw'] * 1e6:8.0f} µs "
        f"({med['raw cpu'] * 1e6:.0f})"
    )
    print(
        f"  case_accept (one transaction)    {med['case'] * 1e6:8.0f} µs "
        f"({med['case cpu'] * 1e6:.0f})  {med['case'] / med['raw']:.1f}× the raw upsert"
    )
    print(
        f"  dispute_accept (one transaction) {med['dispute'] * 1e6:8.0f} µs "
        f"({med['dispute cpu'] * 1e6:.0f})  {med['dispute'] / med['raw']:.1f}× the raw upsert; "
        f"{med['dispute'] / med['case']:.2f}× a case transition "
        f"(CPU {med['dispute cpu'] / med['case cpu']:.2f}×)"
    )


# --- 2. Counters at scale -----------------------------------------------------------------------


def _paths(path: str) -> list[int]:
    return [int(p) for p in path.split("/") if p]


def build_disputes(grids: list[Any], n: int) -> None:
    """``n`` real dispute rows in bulk (one executemany of the model's columns), and the
    counter rows the "disputes" kind keeps for them, inserted straight into the counter
    tables."""
    from bench_counters import bulk_insert
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.kernel.counters.models import CounterMember, FlowCount, StockCount
    from gridgov.mediation.choices import Status
    from gridgov.mediation.models import Dispute, DisputeType
    from gridgov.mediation.numbers.counting import stock_keys_of

    rnd = random.Random(11)
    now = timezone.now()
    today = timezone.localdate()
    dtype, _new = DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里"})
    template = Dispute(
        number="",
        type=dtype,
        title="邻里漏水纠纷",
        source="screening",
        area_id=grids[0].pk,
        area_path=grids[0].path,
        registered_at=now,
        created_at=now,
        updated_at=now,
    )
    fields = [f for f in Dispute._meta.concrete_fields]
    cols = [f.column for f in fields]
    base = {f.attname: getattr(template, f.attname) for f in fields}
    open_states = [Status.REGISTERED, Status.ACCEPTED, Status.ASSIGNED, Status.MEDIATING]
    done_states = [Status.CLOSED, Status.CLOSED, Status.FAILED, Status.WITHDRAWN, Status.REFERRED]
    first = (Dispute.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rows: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    stock: dict[tuple[int, str], int] = defaultdict(int)
    flows: dict[tuple[int, date, str], int] = defaultdict(int)
    start = time.perf_counter()
    for i in range(n):
        grid = grids[rnd.randrange(len(grids))]
        is_open = rnd.random() < OPEN_SHARE
        status = rnd.choice(open_states if is_open else done_states)
        risk = "red" if rnd.random() < RED_SHARE else rnd.choice(["yellow", "green", "green"])
        overdue = is_open and status != Status.REGISTERED and rnd.random() < OVERDUE_SHARE
        day = today - timedelta(days=rnd.randrange(DISPUTE_DAYS))
        at = datetime.combine(day, datetime.min.time()).astimezone()
        agreed = status == Status.CLOSED
        values = dict(
            base,
            id=first + i,
            number=f"B{first + i:09d}",
            status=status,
            risk=risk,
            overdue=overdue,
            area_id=grid.pk,
            area_path=grid.path,
            registered_at=at,
            outcome="agreement" if agreed else "",
            performance="full" if agreed else "",
        )
        rows.append(tuple(f.get_db_prep_save(values[f.attname], connection) for f in fields))
        keys = stock_keys_of(status=status, overdue=overdue, risk=risk)
        members.append(("disputes", first + i, grid.path, ",".join(sorted(keys))))
        names = ["registered"]
        if status != Status.REGISTERED and status != Status.REFERRED:
            names.append("accepted")
        if status == Status.REFERRED:
            names.append("referred")
        if agreed:
            names += ["resolved", "performed", "closed", "closed_on_time"]
        elif status in (Status.FAILED, Status.WITHDRAWN):
            names.append("failed" if status == Status.FAILED else "withdrawn")
        for area_id in _paths(grid.path):
            for key in keys:
                stock[(area_id, key)] += 1
            for name in names:
                flows[(area_id, day, name)] += 1
    with transaction.atomic():
        bulk_insert(Dispute._meta.db_table, cols, rows)
        bulk_insert(
            CounterMember._meta.db_table, ["kind", "object_id", "area_path", "keys"], members
        )
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
        f"  {n:,} disputes (mediation_dispute rows), {len(stock):,} stock rows and "
        f"{len(flows):,} flow rows inserted in {time.perf_counter() - start:.0f} s"
    )


def bench_tiles(levels: dict[int, list[Any]], reads: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.kernel.counters import readers
    from gridgov.mediation.numbers import selectors

    rnd = random.Random(3)
    today = timezone.localdate()
    start_day = today - timedelta(days=DISPUTE_DAYS - 1)
    admin = User.objects.create(username="bench_superuser", is_superuser=True, is_staff=True)
    by_level = [levels[2] + levels[3], levels[4], levels[5], levels[6]]
    sample = [rnd.choice(by_level[i % 4]) for i in range(reads)]
    print(f"\nmediation figures: {reads} random areas of every level (city … grid)")
    stock_t: list[float] = []
    full_t: list[float] = []
    cases_t: list[float] = []
    for area in sample:
        t0 = time.perf_counter()
        readers.stock_for("cases", area.pk)
        cases_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        readers.stock_for("disputes", area.pk)
        stock_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        selectors.indicators_for(actor=admin, area=area, date_from=start_day, date_to=today)
        full_t.append(time.perf_counter() - t0)
    city = selectors.indicators_for(
        actor=admin, area=levels[2][0], date_from=start_day, date_to=today
    )
    smed, sp95 = ms(stock_t)
    fmed, fp95 = ms(full_t)
    cmed, cp95 = ms(cases_t)
    print(f"  current-stock tile, cases median {cmed:6.2f} ms  p95 {cp95:6.2f} ms")
    print(f"  current-stock tile        median {smed:6.2f} ms  p95 {sp95:6.2f} ms")
    print(f"  figures of {DISPUTE_DAYS} days + stock median {fmed:6.2f} ms  p95 {fp95:6.2f} ms")
    s = city["stock"]
    print(
        f"  city now: open {s['open']:,}, overdue {s['overdue']:,}, high risk open "
        f"{s['high_risk_open']:,}; last {DISPUTE_DAYS} days: registered "
        f"{city['counts']['registered']:,}, 化解率 {city['rates']['resolution_rate'] or 0:.1%}"
    )
    worst = max(sp95, fp95, cp95)
    print(f"  worst p95 {worst:.2f} ms (goal < 20 ms): {'met' if worst < 20 else 'MISSED'}")
    for level, label in ((4, "street (its communities)"), (5, "community (its grids)")):
        times = []
        for _ in range(min(200, reads)):
            area = rnd.choice(levels[level])
            t0 = time.perf_counter()
            selectors.children_for(actor=admin, area=area, date_from=start_day, date_to=today)
            times.append(time.perf_counter() - t0)
        med, p95 = ms(times)
        print(f"  children table of a {label:26s} median {med:6.2f} ms  p95 {p95:6.2f} ms")
    print("\ncontrast: the same stock as a GROUP BY over mediation_dispute (the area_path index)")
    for label, area in (
        ("city", levels[2][0]),
        ("county", levels[3][0]),
        ("street", levels[4][0]),
        ("community", levels[5][0]),
    ):
        times = []
        rows: list[Any] = []
        for _ in range(3):
            t0 = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT status, COUNT(*) FROM mediation_dispute "
                    "WHERE area_path >= %s AND area_path < %s GROUP BY status",
                    [area.path, area.path[:-1] + "0"],
                )
                rows = cur.fetchall()
            times.append(time.perf_counter() - t0)
        print(
            f"  {label:9s} GROUP BY  best of 3 {min(times) * 1000:9.1f} ms "
            f"({sum(n for _s, n in rows):,} disputes counted)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="a hundredth of the size")
    parser.add_argument("--transitions", type=int, default=400)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument(
        "--only", choices=("transitions", "figures"), default=None, help="run one part only"
    )
    args = parser.parse_args()
    scale = 0.01 if args.small else 1.0
    data_dir = tempfile.mkdtemp(prefix="gridgov-bench-mediation-")
    drop = fresh_database()
    try:
        setup_django(data_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}, scale {scale}")
        if args.transitions and args.only != "figures":
            bench_transitions(args.transitions)
        if args.only == "transitions":
            return
        import bench_counters

        levels = bench_counters.build_areas(scale)
        grids = levels[6]
        bench_counters.build_cases(grids, int(1_000_000 * scale))
        build_disputes(grids, int(200_000 * scale))
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        bench_tiles(levels, args.reads if not args.small else min(args.reads, 400))
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n(temporary folder {data_dir} removed: {not Path(data_dir).exists()})")


if __name__ == "__main__":
    main()
