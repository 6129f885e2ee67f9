"""The inbox of a dispatcher with 10 000 overdue cases, and the daily overdue digest.

    .venv/bin/python bench/bench_inbox.py [--overdue 10000] [--repeat 60]

Builds a fresh database (a temporary SQLite file, or a fresh PostgreSQL database when
``DATABASE_URL`` is set) with the tree of ``bench_cases.py`` (one county, 1 000 grids, through
``areas.services.area_create``), its county dispatcher and community staff, and a second county
dispatcher who chose immediate overdue notices (``notifications.preferences``). Then
``--overdue`` cases dispatched by the county dispatcher (bulk rows with their DISPATCH entries)
whose sign-for deadline passed an hour ago, and in one run:

1. **Sweep**: ``cases.supervision.sweep`` marks them overdue (OVERDUE entries; no notice for the
   digest-minded dispatcher, one per case for the one who chose immediate notices).
2. **Digest**: ``cases.digest.send_overdue_digests`` for today (one message per person listing
   the cases), and a second run of it (sends nothing: idempotent). Goal < 5 s.
3. **Inbox**: the inbox page (``GET /inbox/`` through Django's test client, the signed-in
   dispatcher, the whole page with the header) of the dispatcher with the digest and of the
   dispatcher with 10 000 unread overdue notices, and their unread-only page, against a raw
   SQL read of the same rows (the page's 20 rows, the paginator's count and the unread count).
   Goal p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cases import build_tree, make_users, ms  # noqa: E402
from common import fresh_database, setup_django, temporary_folder  # noqa: E402


def overdue_cases(t: dict[str, Any], dispatcher: Any, n: int) -> None:
    """``n`` cases assigned to grids, dispatched by ``dispatcher``, sign-for due an hour ago."""
    from django.db import transaction
    from django.utils import timezone

    from gridgov.cases.models import Case, CaseEvent, Category
    from gridgov.cases.states import Action, Source, Status

    category = Category.objects.filter(children__isnull=True).order_by("pk").first()
    grids = t["grids"]
    now = timezone.now()
    due = now - timedelta(hours=1)
    start = time.perf_counter()
    with transaction.atomic():
        cases = Case.objects.bulk_create(
            [
                Case(
                    number=f"I{1_000_000 + i}",
                    token=f"i{i}",
                    status=Status.ASSIGNED,
                    source=Source.PATROL,
                    category=category,
                    title=f"井盖缺失 {i}",
                    area=grids[i % len(grids)],
                    area_path=grids[i % len(grids)].path,
                    assigned_area=grids[i % len(grids)],
                    reported_at=now - timedelta(days=1),
                    accepted_at=now - timedelta(days=1),
                    dispatched_at=now - timedelta(hours=8),
                    sign_due_at=due,
                    watch_at=due,
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=c,
                    at=c.dispatched_at,
                    action=str(Action.DISPATCH),
                    actor=dispatcher,
                    actor_name=dispatcher.username,
                    from_status=Status.ACCEPTED,
                    to_status=Status.ASSIGNED,
                    data={"area": c.assigned_area_id},
                )
                for c in cases
            ],
            batch_size=2000,
        )
    print(f"  {n:,} overdue-to-be cases inserted in {time.perf_counter() - start:.1f} s")


def inbox_vs_raw(label: str, user: Any, repeat: int, *, unread: bool = False) -> None:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    url = "/inbox/" + ("?unread=1" if unread else "")
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    unread_sql = " AND read_at IS NULL" if unread else ""

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM notifications_notification WHERE recipient_id = %s"
                + unread_sql,
                [user.pk],
            )
            cur.fetchone()
            cur.execute(
                "SELECT id, kind, title, body, url, params, created_at, read_at "
                "FROM notifications_notification WHERE recipient_id = %s" + unread_sql + " "
                "ORDER BY created_at DESC, id DESC LIMIT 20",
                [user.pk],
            )
            cur.fetchall()
            cur.execute(
                "SELECT COUNT(*) FROM notifications_notification "
                "WHERE recipient_id = %s AND read_at IS NULL",
                [user.pk],
            )
            cur.fetchone()

    samples: dict[str, list[float]] = {"page": [], "raw": [], "page cpu": [], "raw cpu": []}
    for _round in range(repeat // 10):
        for name, fn in (("page", page), ("raw", raw)):
            for _i in range(10):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                samples[f"{name} cpu"].append(time.process_time() - cpu)
                samples[name].append(time.perf_counter() - wall)
    page_med, page_p95 = ms(samples["page"])
    raw_med, raw_p95 = ms(samples["raw"])
    page_cpu, _p = ms(samples["page cpu"])
    raw_cpu, _p = ms(samples["raw cpu"])
    print(
        f"  {label}\n    page median {page_med:6.1f} ms  p95 {page_p95:6.1f} ms  "
        f"(CPU median {page_cpu:5.1f} ms)   raw SQL median {raw_med:5.2f} ms  p95 "
        f"{raw_p95:5.2f} ms (CPU median {raw_cpu:5.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--overdue", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()

    data_dir = temporary_folder("gridgov-bench-inbox-")
    drop = fresh_database()
    setup_django(data_dir)
    try:
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.urls import reverse
        from django.utils import timezone

        from gridgov.accounts.models import RoleGrant, User
        from gridgov.accounts.roles import Role
        from gridgov.cases.digest import send_overdue_digests
        from gridgov.cases.supervision import sweep
        from gridgov.notifications.models import Notification, NotificationPreference

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}")
        start = time.perf_counter()
        t = build_tree()
        users = make_users(t)
        print(f"  tree of {len(t['grids']):,} grids in {time.perf_counter() - start:.0f} s")
        dispatcher = users["dispatcher"]
        eager = User.objects.create(username="bench_dispatcher_immediate")
        RoleGrant.objects.create(user=eager, role=Role.DISPATCHER, area=t["county"])
        NotificationPreference.objects.create(user=eager, topic="case.overdue", digest=False)
        overdue_cases(t, dispatcher, args.overdue)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")

        reverse("notifications:inbox")  # load the URL configuration before the clocks run
        print(f"\nsweep and digest of {args.overdue:,} newly overdue cases")
        start, cpu = time.perf_counter(), time.process_time()
        result = sweep()
        print(
            f"  sweep: {result.sign_overdue:,} marked overdue in "
            f"{time.perf_counter() - start:.2f} s (CPU {time.process_time() - cpu:.2f} s); "
            "notices: digest-minded dispatcher "
            f"{Notification.objects.filter(recipient=dispatcher).count():,}, immediate one "
            f"{Notification.objects.filter(recipient=eager).count():,}"
        )
        now = timezone.now()
        for attempt in ("first run", "second run"):
            start, cpu = time.perf_counter(), time.process_time()
            digest = send_overdue_digests(since=now - timedelta(days=1), until=now)
            print(
                f"  digest, {attempt}: {digest.cases:,} cases, {digest.people} people, "
                f"{digest.sent} sent in {time.perf_counter() - start:.2f} s "
                f"(CPU {time.process_time() - cpu:.2f} s; goal < 5 s)"
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")

        n_eager = Notification.objects.filter(recipient=eager).count()
        print(f"\ninbox page (GET /inbox/, whole page), {args.repeat} rounds; goal p95 < 100 ms")
        inbox_vs_raw("dispatcher with the day's digest", dispatcher, args.repeat)
        inbox_vs_raw(f"dispatcher with {n_eager:,} overdue notices", eager, args.repeat)
        inbox_vs_raw(f"… the same, unread only ({n_eager:,})", eager, args.repeat, unread=True)
    finally:
        drop()


if __name__ == "__main__":
    main()
