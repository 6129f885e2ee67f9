"""Rosters at a million residents: the Excel import against a raw bulk insert of the same rows,
and resident search and lists against the same SQL through a bare cursor.

    TMPDIR=/dev/shm .venv/bin/python bench/bench_rosters.py [--residents 1000000]
        [--import-rows 50000] [--repeat 50] [--pg]

Builds a fresh database (a temporary SQLite file; with ``--pg`` a throwaway PostgreSQL server
from ``scripts/pg-test.sh``, or the one in ``DATABASE_URL``): one county of 8 streets and
2 towns × 10 communities × 10 grids (1 000 grids; the towns' communities are villages), the
seeded special groups, a grid worker at one grid, community staff at one community and a
leader at the county. Then, in one run:

1. **Import**: ``--import-rows`` residents (whole households, realistic names, valid ID numbers,
   Chinese code names) over the staff's community, written to one .xlsx and imported through
   ``rosters.services.imports.import_start`` + ``import_run`` as the community staff. Then the
   rows the import wrote (residents, households, memberships, events) are read back, deleted and
   inserted again with ``executemany`` in one transaction: the same rows into the same tables,
   no Python validation or crypto. Goal: import < 60 s.
2. **Bulk data**: ``--residents`` residents with households, buildings, tags and events through
   ``gridgov.demo.rosters.build_residents`` (rows exactly as the services write them).
3. **Search and lists** through ``rosters.selectors.resident_search_for`` for the three actors
   (name prefix, exact ID, phone, address, tag filter, list page 1 and a deep page of each
   level), first page of 30 rows evaluated, grants looked up afresh every time, against the SQL
   that queryset compiles to run through a bare cursor. Goal p95 < 100 ms. The plans of the
   slow ones are printed.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from common import fresh_database, setup_django, temporary_folder  # noqa: E402

STREETS, TOWNS, COMMUNITIES, GRIDS = 8, 2, 10, 10
PAGE = 30
DEEP = 100  # the deep page: rows 3 000–3 029
SLOW_MS = 100.0


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def build_tree() -> dict[str, Any]:
    from django.db import transaction

    from gridgov.areas.codes import Level
    from gridgov.areas.services import area_create

    grids: list[Any] = []
    towns: list[Any] = []
    communities: list[Any] = []
    with transaction.atomic():
        province = area_create(actor=None, parent=None, level=Level.PROVINCE, code="64", name="省")
        city = area_create(actor=None, parent=province, level=Level.CITY, code="6401", name="市")
        county = area_create(actor=None, parent=city, level=Level.COUNTY, code="640110", name="区")
        for s in range(STREETS + TOWNS):
            village = s >= STREETS
            seg = 100 + s - STREETS if village else s + 1
            town = area_create(
                actor=None,
                parent=county,
                level=Level.TOWN,
                code=f"640110{seg:03d}",
                name=f"{'镇' if village else '街道'}{s + 1}",
            )
            towns.append(town)
            for c in range(COMMUNITIES):
                community = area_create(
                    actor=None,
                    parent=town,
                    level=Level.COMMUNITY,
                    code=f"{town.code}{(201 if village else 1) + c:03d}",
                    name=f"{'村' if village else '社区'}{s + 1}-{c + 1}",
                )
                communities.append(community)
                for g in range(GRIDS):
                    grids.append(
                        area_create(
                            actor=None,
                            parent=community,
                            level=Level.GRID,
                            code=f"{community.code}{g + 1:03d}",
                            name=f"网格{s + 1}-{c + 1}-{g + 1}",
                        )
                    )
    return {"county": county, "towns": towns, "communities": communities, "grids": grids}


def make_users(t: dict[str, Any]) -> dict[str, Any]:
    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role

    out = {}
    for key, role, area in (
        ("grid worker", Role.GRID_WORKER, t["grids"][0]),
        ("community staff", Role.COMMUNITY_STAFF, t["communities"][0]),
        ("county leader", Role.LEADER, t["county"]),
    ):
        user = User.objects.create(username=f"bench_{role}")
        RoleGrant.objects.create(user=user, role=role, area=area)
        out[key] = user
    return out


# --- 1. import ----------------------------------------------------------------------------------


def workbook(rows: list[tuple[str, ...]]) -> bytes:
    from openpyxl import Workbook

    from gridgov.rosters.excel.residents import HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人口信息")
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROSTER_TABLES = ("Resident", "Household", "Membership", "RosterEvent", "ResidentTag")


def _max_ids() -> dict[str, int]:
    from django.db.models import Max

    from gridgov.rosters import models as m

    return {
        name: getattr(m, name).objects.aggregate(x=Max("pk"))["x"] or 0 for name in ROSTER_TABLES
    }


def bench_import(t: dict[str, Any], users: dict[str, Any], n: int) -> None:
    from django.db import connection, transaction

    from gridgov.demo.rosters import sheet_rows
    from gridgov.rosters import models as m
    from gridgov.rosters.services.imports import import_run, import_start

    staff = users["community staff"]
    grids = [g for g in t["grids"] if g.parent_id == t["communities"][0].pk]
    s0 = time.perf_counter()
    rows = sheet_rows(n, grids=grids, seed=11)
    data = workbook(rows)
    print(
        f"\nimport: {len(rows):,} rows over {len(grids)} grids, workbook {len(data) / 1e6:.1f} MB "
        f"(made in {time.perf_counter() - s0:.1f} s)"
    )
    before = _max_ids()
    s0 = time.perf_counter()
    with transaction.atomic():
        job = import_start(
            actor=staff, kind="residents", filename="bench.xlsx", data=data, mode="valid"
        )
    started = time.perf_counter() - s0
    import_run(job.pk)
    total = time.perf_counter() - s0
    job.refresh_from_db()
    print(
        f"  gridgov import_start + import_run: {total:.1f} s ({started:.1f} s start) — "
        f"{job.status}, created {job.created_count:,}, updated {job.updated_count:,}, "
        f"errors {job.error_count:,} {job.message[:120]}"
    )

    # The same rows again, raw: read back what the import wrote, delete, executemany.
    qn = connection.ops.quote_name
    saved: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with connection.cursor() as cur:
        for name in ROSTER_TABLES:
            table = getattr(m, name)._meta.db_table
            cur.execute(f"SELECT * FROM {qn(table)} WHERE id > %s ORDER BY id", [before[name]])
            cols = [c[0] for c in cur.description]
            saved[name] = (cols, [_adapt(r) for r in cur.fetchall()])
    counts = {k: len(v[1]) for k, v in saved.items()}

    def delete() -> None:
        with transaction.atomic(), connection.cursor() as cur:
            for name in ROSTER_TABLES:
                table = getattr(m, name)._meta.db_table
                cur.execute(f"DELETE FROM {qn(table)} WHERE id > %s", [before[name]])

    delete()
    s0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for name in ("Household", "Resident", "Membership", "ResidentTag", "RosterEvent"):
            cols, data_rows = saved[name]
            if not data_rows:
                continue
            table = getattr(m, name)._meta.db_table
            sql = (
                f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in cols)}) "
                f"VALUES ({', '.join(['%s'] * len(cols))})"
            )
            cur.executemany(sql, data_rows)
    raw = time.perf_counter() - s0
    print(
        f"  raw executemany of the same rows ({', '.join(f'{k} {v:,}' for k, v in counts.items())}): "
        f"{raw:.1f} s\n  → gridgov import takes {total / raw:.1f}× the raw insert; "
        f"{len(rows) / total:,.0f} rows/s (goal: {n:,} rows < 60 s)"
    )
    delete()


def _adapt(row: tuple[Any, ...]) -> tuple[Any, ...]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return row
    return tuple(
        connection.ops.adapt_json_value(v, None) if isinstance(v, dict | list) else v for v in row
    )


# --- 2. bulk data ---------------------------------------------------------------------------------


def bulk_residents(t: dict[str, Any], n: int) -> None:
    from django.db import connection

    from gridgov.demo.rosters import build_residents

    s0 = time.perf_counter()
    result = build_residents(n, grids=t["grids"], seed=2026, progress=_progress(s0))
    secs = time.perf_counter() - s0
    print(
        f"  {result.residents:,} residents, {result.households:,} households, "
        f"{result.buildings:,} buildings, {result.rooms:,} rooms, {result.tags:,} tags, "
        f"{result.events:,} events in {secs:.0f} s ({result.residents / secs:,.0f} residents/s)"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def _progress(s0: float) -> Callable[[str], None]:
    def say(msg: str) -> None:
        print(f"    {msg} ({time.perf_counter() - s0:.0f} s)", flush=True)

    return say


# --- 3. search and lists -----------------------------------------------------------------------


def timed_pair(
    ours: Callable[[], Any], raw: Callable[[], Any], repeat: int
) -> tuple[list[float], list[float]]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        s = time.perf_counter()
        ours()
        a.append(time.perf_counter() - s)
        s = time.perf_counter()
        raw()
        b.append(time.perf_counter() - s)
    return a, b


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(f"      {r[-1]}" for r in cur.fetchall())
        cur.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join(f"      {r[0]}" for r in cur.fetchall())


def samples_for(actor: Any) -> dict[str, str]:
    """An ID number, a phone, a name prefix and an address of a resident the actor can see."""
    from gridgov.accounts import scoping
    from gridgov.accounts.roles import Perm
    from gridgov.core import crypto
    from gridgov.rosters.models import Resident

    qs = scoping.scope(Resident.objects.all(), actor, Perm.ROSTER_VIEW, path_field="area_path")
    r = (
        qs.filter(status="living")
        .exclude(phone_enc="")
        .select_related("household")
        .order_by("-id")
        .first()
    )
    assert r is not None
    return {
        "id": crypto.decrypt(r.id_number_enc),
        "phone": crypto.decrypt(r.phone_enc),
        "name2": r.name[:2],
        "name1": r.name[:1],
        "address": r.household.address if r.household else "",
        "address_part": "2单元",
    }


def bench_search(t: dict[str, Any], users: dict[str, Any], repeat: int) -> list[str]:
    from django.db import connection

    from gridgov.accounts import scoping
    from gridgov.core.pagination import capped_count
    from gridgov.rosters.models import TagType
    from gridgov.rosters.selectors import resident_search_for

    elderly = TagType.objects.get(code="elderly")
    dibao = TagType.objects.get(code="dibao")
    town = t["towns"][0]
    community, grid = t["communities"][0], t["grids"][0]
    slow: list[str] = []
    print(f"\nresident search and lists, {PAGE} rows (p50 / p95 ms, {repeat} rounds)")
    print(f"  {'actor':16s} {'variant':34s} {'gridgov':>17s} {'same SQL, cursor':>19s}  ratio p95")
    for who, actor in users.items():
        s = samples_for(actor)
        variants: list[tuple[str, dict[str, Any], int]] = [
            ("list, own jurisdiction p1", {}, 0),
            (f"list, own jurisdiction p{DEEP + 1}", {}, DEEP),
            ("count (capped 10 000)", {}, -1),
            ("name prefix (2 chars)", {"q": s["name2"]}, 0),
            ("name prefix (1 char)", {"q": s["name1"]}, 0),
            ("exact ID number", {"q": s["id"]}, 0),
            ("phone", {"q": s["phone"]}, 0),
            ("address (a whole one)", {"q": s["address"]}, 0),
            ("address part '2单元'", {"q": s["address_part"]}, 0),
            ("tag 高龄 (not sensitive)", {"tag": elderly}, 0),
            ("tag 低保 (sensitive)", {"tag": dibao}, 0),
        ]
        if who == "county leader":
            for label, area in (("street", town), ("community", community), ("grid", grid)):
                variants.append((f"list, a {label} p1", {"area": area}, 0))
                variants.append((f"list, a {label} p{DEEP + 1}", {"area": area}, DEEP))
        elif who == "community staff":
            variants.append(("list, a grid p1", {"area": grid}, 0))
        for label, filters, page in variants:

            def query(actor: Any = actor, filters: dict[str, Any] = filters) -> Any:
                scoping.forget(actor)
                return resident_search_for(actor=actor, **filters)

            qs = query()
            if page < 0:
                sql, params = qs.order_by()[:10_001].query.sql_with_params()
                sql = f"SELECT COUNT(*) FROM ({sql}) sub"

                def ours(query: Callable[[], Any] = query) -> None:
                    capped_count(query())

            else:
                lo = page * PAGE
                sql, params = qs[lo : lo + PAGE].query.sql_with_params()

                def ours(query: Callable[[], Any] = query, lo: int = lo) -> None:
                    list(query()[lo : lo + PAGE])

            def raw(sql: str = sql, params: Any = params) -> None:
                with connection.cursor() as cur:
                    cur.execute(sql, params)
                    cur.fetchall()

            ours()
            raw()
            a, b = timed_pair(ours, raw, repeat)
            pa, pb = ms(a), ms(b)
            print(
                f"  {who:16s} {label:34s} {pa[0]:7.1f} / {pa[1]:7.1f}   {pb[0]:7.1f} / {pb[1]:7.1f}"
                f"   {pa[1] / max(pb[1], 1e-3):5.1f}×{'   SLOW' if pa[1] > SLOW_MS else ''}",
                flush=True,
            )
            if pa[1] > SLOW_MS:
                slow.append(
                    f"{who} — {label}: p95 {pa[1]:.0f} ms\n    SQL: {sql[:600]}\n{explain(sql, params)}"
                )
    return slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--pg", action="store_true", help="run on a throwaway PostgreSQL")
    args = parser.parse_args()

    pg_dir = ""
    if args.pg and not os.environ.get("DATABASE_URL"):
        out = subprocess.run(
            [str(ROOT / "scripts/pg-test.sh"), "start"], check=True, capture_output=True, text=True
        ).stdout
        for part in out.replace("export ", "").split():
            if "=" in part:
                key, value = part.split("=", 1)
                os.environ[key] = value.strip("'\"")
        pg_dir = os.environ.get("PG_TEST_DIR", "")
    setup_django(temporary_folder("gridgov-bench-"))
    drop = fresh_database()
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        random.seed(1)
        t = build_tree()
        users = make_users(t)
        if args.import_rows:
            bench_import(t, users, args.import_rows)
        print(f"\nbuilding {args.residents:,} residents …", flush=True)
        bulk_residents(t, args.residents)
        slow = bench_search(t, users, args.repeat)
        if slow:
            print("\nslow variants (p95 > 100 ms) and their plans:")
            for text in slow:
                print("  " + text)
    finally:
        drop()
        if pg_dir:
            subprocess.run([str(ROOT / "scripts/pg-test.sh"), "stop", pg_dir], check=False)


if __name__ == "__main__":
    main()
