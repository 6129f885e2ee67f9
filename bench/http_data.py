"""The data folder of ``bench_http.py``: the full demo district (``gridgov demo-build``: areas,
the demo accounts of every role, rosters, cases walked through the services, inboxes), topped
up with cases inserted in bulk (as ``bench_cases.py`` does) to the asked total, a year of
maintained daily indicators, and an Open311 client key. What the load client needs later
(the key, case ids) is written to ``bench_http.json`` in the folder, so a kept folder
(``--data-dir``) is reused as it is.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
META = "bench_http.json"


def server_env(data_dir: str) -> dict[str, str]:
    """The environment of every gridgov process of the run (this checkout's code)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env["GRIDGOV_DATA_DIR"] = data_dir
    env["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    env.setdefault("GRIDGOV_LOG_LEVEL", "WARNING")
    return env


def load_meta(data_dir: str) -> dict[str, Any] | None:
    path = Path(data_dir) / META
    return json.loads(path.read_text()) if path.exists() else None


def build(data_dir: str, *, cases: int, grids: int, say: Any = print) -> dict[str, Any]:
    """Build (or reuse) the data folder; returns its meta."""
    meta = load_meta(data_dir)
    if meta is not None and meta.get("cases_target") == cases:
        say(f"reusing the data in {data_dir} ({meta['cases']:,} cases)")
        if "worker_point" not in meta:  # kept by an older version of this script
            os.environ.update(server_env(data_dir))
            import django

            django.setup()
            meta.update(sample_ids())
            (Path(data_dir) / META).write_text(json.dumps(meta, indent=1))
        return meta
    started = time.perf_counter()
    demo_cases = min(240, max(20, cases // 20)) if cases < 4800 else 240
    say(f"building the demo district ({grids} grids, {demo_cases} service-made cases) …")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gridgov.cli",
            "demo-build",
            "--grids",
            str(grids),
            "--cases",
            str(demo_cases),
            "--verbosity",
            "0",
        ],
        env=server_env(data_dir),
        check=True,
        cwd=ROOT,
    )
    os.environ.update(server_env(data_dir))
    import django

    django.setup()
    from gridgov.cases.models import Case

    have = Case.objects.count()
    if cases > have:
        say(f"inserting {cases - have:,} cases in bulk …")
        bulk_cases(cases - have)
        bulk_stats()
    meta = {
        "cases_target": cases,
        "cases": Case.objects.count(),
        "grids": grids,
        "open311_key": open311_key(),
        **sample_ids(),
        "build_seconds": round(time.perf_counter() - started),
    }
    (Path(data_dir) / META).write_text(json.dumps(meta, indent=1))
    from django.db import connections

    connections.close_all()
    say(f"data ready in {meta['build_seconds']} s: {meta['cases']:,} cases")
    return meta


def grid_points() -> list[tuple[Any, float, float]]:
    """Every active grid with a point inside its boundary."""
    from shapely.geometry import shape

    from gridgov.areas.codes import Level
    from gridgov.areas.models import Area

    out = []
    for grid in Area.objects.filter(level=Level.GRID, is_active=True).exclude(geometry=None):
        p = shape(grid.geometry).representative_point()
        out.append((grid, p.x, p.y))
    return out


def bulk_cases(total: int, *, seed: int = 7) -> None:
    """``total`` cases over the last year in the demo grids, 15 % open (future deadlines),
    inserted in batches of 5 000 (not through the services: the timeline, indicators and the
    keyword index do not see them; the lists, details and queue counts read them)."""
    from django.db import transaction
    from django.utils import timezone

    from gridgov.cases.models import Case, Category
    from gridgov.cases.states import Source, Status

    rnd = random.Random(seed)
    categories = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True))
    grids = grid_points()
    now = timezone.now()
    closed_states = [Status.CLOSED, Status.RATED, Status.CLOSED, Status.REJECTED]
    open_states = [Status.REPORTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
    words = ["井盖缺失", "占道经营", "垃圾堆放", "路灯不亮", "噪音扰民", "邻里纠纷", "违章停车"]
    open_n = total * 15 // 100
    batch: list[Any] = []
    base = 10_000_000
    for i in range(total):
        grid, x, y = grids[rnd.randrange(len(grids))]
        is_open = i >= total - open_n
        reported = now - timedelta(seconds=rnd.randrange((20 if is_open else 365) * 86400))
        status = rnd.choice(open_states) if is_open else rnd.choice(closed_states)
        watch = now + timedelta(hours=rnd.randrange(2, 400)) if is_open else None
        batch.append(
            Case(
                number=f"B{base + i}",
                token=f"bh{i}",
                status=status,
                source=Source.PATROL if i % 3 else Source.RESIDENT,
                category_id=categories[i % len(categories)],
                title=f"{words[i % len(words)]} {i}",
                description="小区门口井盖缺失，存在安全隐患，请尽快处理。",
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


def bulk_stats(*, seed: int = 8) -> None:
    """A year of daily indicator rows for every area below the city (kept where the demo's
    services already wrote one)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.areas.models import Area
    from gridgov.cases.models import CaseStat

    rnd = random.Random(seed)
    today = timezone.localdate()
    rows = []
    for pk, level in Area.objects.filter(level__gte=3).values_list("pk", "level"):
        scale = {3: 100, 4: 20, 5: 5, 6: 1}.get(level, 1)
        for d in range(365):
            accepted = rnd.randrange(0, 4) * scale + 1
            closed = max(0, accepted - rnd.randrange(0, 2))
            rows.append(
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
    with transaction.atomic():
        CaseStat.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def open311_key() -> str:
    from gridgov.open311.services import client_create

    _client, raw = client_create(actor=None, name="bench_http")
    return raw


def sample_ids(k: int = 400, *, seed: int = 9) -> dict[str, Any]:
    """Case ids for the detail rows (the county dispatcher sees them all), grid points for
    the reports, and a service code that asks for no extra fields."""
    from gridgov.cases.models import Case, Category
    from gridgov.cases.services.categories import validate_extra
    from gridgov.core.errors import ValidationFailed

    rnd = random.Random(seed)
    ids = list(Case.objects.values_list("pk", flat=True))
    case_ids = rnd.sample(ids, min(k, len(ids)))
    service = ""
    for category in Category.objects.filter(is_active=True, children__isnull=True).order_by("code"):
        try:
            validate_extra(category, {})
        except ValidationFailed:
            continue
        service = category.code
        break
    grids = grid_points()
    points = [(round(x, 6), round(y, 6)) for _g, x, y in grids]
    # the demo grid worker's own grid (gridgov.demo.generator.FIRST_GRID): they report there
    worker = [(round(x, 6), round(y, 6)) for g, x, y in grids if g.code == "640110001001001"]
    return {
        "case_ids": case_ids,
        "points": points,
        "worker_point": worker[0] if worker else points[0],
        "service_code": service,
    }
