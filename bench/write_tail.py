"""The tail of concurrent reports on SQLite: P processes × T threads each POST Open311 reports
in process (Django's test client) against one data folder; prints p50/p95/max latency.

    GRIDGOV_DATA_DIR=<a built demo> .venv/bin/python bench/write_tail.py [-p 4] [-t 2] [-n 40]

``GRIDGOV_SQLITE_ENGINE=django.db.backends.sqlite3`` measures Django's own backend (SQLite's
sleeping busy handler) instead of the write gate of :mod:`gridgov.core.sqlite`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def child(threads: int, n: int, key: str, code: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ["GRIDGOV_LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.test import Client

    times: list[float] = []
    lock = threading.Lock()

    def run(t: int) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        data = {"api_key": key, "service_code": code, "lat": "38.5", "long": "106.2"}
        for i in range(3):  # warm-up, not counted
            client.post("/open311/v2/requests.json", {**data, "description": f"预热 {i}"})
        barrier.wait()
        for i in range(n):
            started = time.perf_counter()
            response = client.post(
                "/open311/v2/requests.json",
                {**data, "description": f"路灯不亮 {os.getpid()} {t} {i}"},
            )
            took = time.perf_counter() - started
            assert response.status_code in (201, 503), response.content
            with lock:
                times.append(took)

    barrier = threading.Barrier(threads)
    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-p", type=int, default=4)
    parser.add_argument("-t", type=int, default=2)
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(args.t, args.n, *args.child)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    os.environ["GRIDGOV_LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from gridgov.cases.models import Category
    from gridgov.open311.services import client_create

    _client, key = client_create(actor=None, name=f"tail-{os.getpid()}")
    category = Category.objects.filter(is_active=True, children__isnull=True).first()
    assert category is not None
    command = [sys.executable, __file__, "-t", str(args.t), "-n", str(args.n), "--child"]
    procs = [
        subprocess.Popen([*command, key, category.code], stdout=subprocess.PIPE, text=True)
        for _ in range(args.p)
    ]
    times: list[float] = []
    for proc in procs:
        out, _err = proc.communicate()
        times += json.loads(out.strip().splitlines()[-1])
    times.sort()
    ms = [t * 1000 for t in times]
    p95 = ms[int(len(ms) * 0.95) - 1]
    engine = os.environ.get("GRIDGOV_SQLITE_ENGINE", "gridgov.core.sqlite")
    print(
        f"{engine}: {len(ms)} reports, p50 {statistics.median(ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
