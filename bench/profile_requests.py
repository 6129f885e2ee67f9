"""CPU and queries per request on the HTTP path, in process (Django's test client), for the
requests issue 17 names; ``--profile NAME`` prints the cProfile of one of them.

    GRIDGOV_DATA_DIR=<a built demo> .venv/bin/python bench/profile_requests.py [-n 200]
        [--profile open311_detail] [--only NAME,...]

The data folder must hold a demo (``gridgov demo-build --cases 2000``); POSTs add cases to it.
CPU is ``time.process_time`` over ``n`` requests after 5 warm-up requests (not wall-clock, so
other processes on the machine do not change it much).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ.setdefault("GRIDGOV_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gridgov.accounts.models import User
    from gridgov.cases.models import Case, Category
    from gridgov.open311.services import client_create

    _client, key = client_create(actor=None, name=f"profile-{os.getpid()}")
    case = Case.objects.filter(pk__lte=1500).order_by("-pk").first()
    assert case is not None, "build a demo first"
    category = Category.objects.filter(is_active=True, children__isnull=True).first()
    assert category is not None

    anon = Client(HTTP_HOST="127.0.0.1")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(User.objects.get(username="dispatcher"))
    worker = Client(HTTP_HOST="127.0.0.1")
    worker.force_login(User.objects.get(username="gridworker"))
    counter = iter(range(10**9))

    def post_open311() -> Any:
        return anon.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": category.code,
                "lat": "38.5",
                "long": "106.2",
                "description": f"路灯不亮 {next(counter)}",
            },
        )

    def post_api() -> Any:
        body = {
            "category": category.pk,
            "title": "井盖缺失",
            "description": f"井盖缺失 {next(counter)}",
            "lon": 106.2,
            "lat": 38.5,
        }
        return staff.post("/api/v1/cases/report", json.dumps(body), content_type="application/json")

    requests: dict[str, Callable[[], Any]] = {
        "api_detail": lambda: staff.get(f"/api/v1/cases/{case.pk}"),
        "case_page": lambda: staff.get(f"/cases/{case.pk}/"),
        "services": lambda: anon.get("/open311/v2/services.json"),
        "open311_detail": lambda: anon.get(f"/open311/v2/requests/{case.pk}.json"),
        "open311_list100": lambda: anon.get("/open311/v2/requests.json?page_size=100"),
        "open311_list": lambda: anon.get("/open311/v2/requests.json"),
        "open311_post": post_open311,
        "api_post": post_api,
        "home_dispatcher": lambda: staff.get("/"),
        "home_gridworker": lambda: worker.get("/"),
        "queues": lambda: staff.get("/api/v1/cases/queues"),
    }
    only = [s for s in args.only.split(",") if s]
    for name, fn in requests.items():
        if only and name not in only:
            continue
        n = args.n if "list" not in name or "100" in name else max(5, args.n // 10)
        if "post" in name:
            n = max(5, args.n // 4)
        for _ in range(5):
            response = fn()
            assert response.status_code < 300, (name, response.status_code, response.content[:300])
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries = len(ctx.captured_queries)
        start = time.process_time()
        for _ in range(n):
            fn()
        cpu = (time.process_time() - start) / n * 1000
        last = fn()
        size = len(b"".join(last) if last.streaming else last.content)
        print(f"{name:18} {cpu:8.2f} ms CPU  {queries:3d} queries  {size:8d} bytes", flush=True)
        if name == args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(n):
                fn()
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
