"""Work-queue counts for every role at a million cases (the queues page and ``GET
/api/v1/cases/queues``), against a raw SQL count of the same jurisdiction in the same run.

    .venv/bin/python bench/bench_queues.py [--cases 1000000] [--open 150000]
        [--data-dir /dev/shm/gb-1m] [--repeat 50]

The cases are those of ``bench_cases.py`` (its builder; with ``--data-dir`` a database built by
either script is reused). On top of them, once per database: every tenth open case assigned or
in progress is moved to one of two departments (职能部门) and every tenth closed case is
recorded as held by one (``CaseDepartment``); a few cases of the first community are assigned
to the community itself; every seventh case waiting for acceptance is urgent, and each has an
acceptance deadline; every thirteenth case in progress is flagged overdue. The users: the
county dispatcher, a street dispatcher, the community staff of the first community, the grid
worker of its first grid, a department handler, the county leader and an administrator.

Timed per role: ``cases.selectors.queue_counts`` (every queue of the table, to-dos and
monitoring; for the leader and the administrator the overview the page shows instead), on a
fresh user object each round (its grants read again, as a request does), p50 / p95 ms; next to
it the raw baseline: ``SELECT status, COUNT(*) … GROUP BY status`` over the open cases of the
role's jurisdiction (the department's cases for the handler). Goal p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bench_cases import (  # noqa: E402
    build_tree,
    bulk_cases,
    load_tree,
    load_users,
    make_users,
    ms,
    timed,
)
from common import fresh_database, setup_django, temporary_folder  # noqa: E402

OPEN = ("reported", "accepted", "assigned", "in_progress", "suspended", "resolved")


def prepare(t: dict[str, Any]) -> dict[str, Any]:
    """The departments, held cases, deadlines and users of the queue benchmark (once)."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.accounts.models import Department, RoleGrant, User
    from gridgov.accounts.roles import Role

    county, community = t["county"], t["communities"][0]
    street = t["streets"][0]
    names = {
        "county dispatcher": "bench_dispatcher",
        "street dispatcher": "bq_street",
        "community staff": "bench_staff",
        "grid worker": "bq_worker",
        "department handler": "bq_dept",
        "leader": "bq_leader",
        "administrator": "bq_admin",
    }
    if User.objects.filter(username="bq_admin").exists():
        return {label: User.objects.get(username=n) for label, n in names.items()}
    print("preparing departments, held cases, deadlines and users …")
    with transaction.atomic():
        dept = Department.objects.create(name="城管执法局", kind="urban_management", area=county)
        other = Department.objects.create(name="市场监管局", kind="market_regulation", area=county)
        grants = [
            ("bq_street", Role.DISPATCHER, street, None),
            ("bq_worker", Role.GRID_WORKER, t["grids"][0], None),
            ("bq_dept", Role.DEPT_HANDLER, county, dept),
            ("bq_leader", Role.LEADER, county, None),
            ("bq_admin", Role.ADMIN, county, None),
        ]
        for username, role, area, department in grants:
            user = User.objects.create(username=username)
            RoleGrant.objects.create(user=user, role=role, area=area, department=department)
        with connection.cursor() as cur:
            working = "status IN ('assigned', 'in_progress')"
            for d, rest in ((dept, 0), (other, 1)):
                cur.execute(
                    "UPDATE cases_case SET assigned_area_id = NULL, assigned_department_id = %s, "
                    f"assigned_level = 3 WHERE {working} AND id %% 20 = %s",
                    [d.pk, rest * 10],
                )
                cur.execute(
                    "INSERT INTO cases_casedepartment (case_id, department_id, first_at) "
                    "SELECT id, %s, reported_at FROM cases_case "
                    "WHERE (assigned_department_id = %s) OR (status IN ('closed', 'rated') "
                    "AND id %% 20 = %s)",
                    [d.pk, d.pk, rest * 10],
                )
            cur.execute(
                "UPDATE cases_case SET assigned_area_id = %s, assigned_level = 5 "
                f"WHERE {working} AND assigned_department_id IS NULL AND id %% 17 = 0 "
                "AND area_path >= %s AND area_path < %s",
                [community.pk, community.path, community.path[:-1] + "0"],
            )
            # Past their deadline (the sweep's flag set too): 1 in 13 in progress, 1 in 29
            # waiting to be signed for.
            past = timezone.now() - timedelta(days=1)
            cur.execute(
                "UPDATE cases_case SET handle_overdue = %s, handle_due_at = %s "
                "WHERE status = 'in_progress' AND id %% 13 = 0",
                [True, past],
            )
            cur.execute(
                "UPDATE cases_case SET sign_overdue = %s, sign_due_at = %s "
                "WHERE status = 'assigned' AND id %% 29 = 0",
                [True, past],
            )
            cur.execute(
                "UPDATE cases_case SET priority = 1 WHERE status = 'reported' AND id % 7 = 0"
            )
            later = (
                "datetime(reported_at, '+4 hours')"
                if connection.vendor == "sqlite"
                else "reported_at + interval '4 hours'"
            )
            cur.execute(f"UPDATE cases_case SET accept_due_at = {later} WHERE status = 'reported'")
            cur.execute("ANALYZE")
    return {label: User.objects.get(username=n) for label, n in names.items()}


def raw_sql(label: str, user: Any, t: dict[str, Any]) -> tuple[str, list[Any]]:
    """The baseline: open cases of the role's jurisdiction counted by state."""
    from gridgov.cases.visibility import department_ids

    head = "SELECT status, COUNT(*) FROM cases_case WHERE status IN %s" % (
        "(" + ", ".join(f"'{s}'" for s in OPEN) + ")"
    )
    if label == "department handler":
        dept = department_ids(user)[0]
        return (
            f"{head} AND id IN (SELECT case_id FROM cases_casedepartment "
            "WHERE department_id = %s) GROUP BY status",
            [dept],
        )
    area = {
        "street dispatcher": t["streets"][0],
        "community staff": t["communities"][0],
        "grid worker": t["grids"][0],
    }.get(label, t["county"])
    return (
        f"{head} AND area_path >= %s AND area_path < %s GROUP BY status",
        [area.path, area.path[:-1] + "0"],
    )


def bench_counts(t: dict[str, Any], users: dict[str, Any], repeat: int) -> None:
    from django.db import connection

    from gridgov.accounts.models import User
    from gridgov.cases import queues, selectors

    print(f"\nqueue counts per role (p50 / p95 ms, {repeat} rounds; goal p95 < 50 ms)")
    for label, user in users.items():

        def ours(pk: int = user.pk) -> dict[str, int]:
            actor = User.objects.get(pk=pk)  # grants and units read again, as per request
            counts = selectors.queue_counts(actor=actor)
            if queues.wants_overview(actor):
                counts.update(selectors.overview_counts(actor=actor))
            return counts

        sql, params = raw_sql(label, user, t)

        def raw(sql: str = sql, params: list[Any] = params) -> None:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()

        shown = {k: v for k, v in ours().items() if v}
        raw()
        a = ms(timed(ours, repeat))
        b = ms(timed(raw, repeat))
        print(
            f"  {label:20s} gridgov {a[0]:6.1f} / {a[1]:6.1f}   raw SQL {b[0]:6.1f} / {b[1]:6.1f}"
            f"   {shown}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--data-dir", help="keep and reuse the database (see bench_cases.py)")
    args = parser.parse_args()

    data_dir = args.data_dir or temporary_folder("gridgov-bench-")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    reuse = bool(args.data_dir) and (Path(data_dir) / "built").exists()
    drop = fresh_database(kept="gridgov_bench_cases" if args.data_dir else "", reuse=reuse)
    setup_django(data_dir)
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}{' (reused)' if reuse else ''}")
        if reuse:
            t = load_tree()
            load_users()
        else:
            t = build_tree()
            make_users(t)
            print(f"\nbuilding {args.cases:,} cases ({args.open:,} open) …")
            bulk_cases(t, args.cases, args.open, stats=False)
            if args.data_dir:
                (Path(data_dir) / "built").write_text(f"{args.cases} {args.open}\n")
        users = prepare(t)
        bench_counts(t, users, args.repeat)
    finally:
        drop()


if __name__ == "__main__":
    main()
