"""The upload guard of the Excel imports: a zip bomb refused, and a legitimate 10 000-row 12345
import next to the same rows through the roster importer's safe path.

    .venv/bin/python bench/bench_import_guard.py [--rows 10000] [--repeat 5] [--old]

Every measurement runs in a fresh child process (this script with ``--child``); the extra peak
memory is the child's peak resident size during the first call over its resident size just
before (the peak is reset with Linux ``/proc/self/clear_refs``; ``ru_maxrss`` elsewhere), i.e.
beyond what Django and the file already took; read-only variants also give their ``tracemalloc`` peak (Python allocations) in a second
pass. Times are the first call and the median of ``--repeat`` further calls (first call: cold
imports and catalogues).

1. **Zip bomb**: a 70 KB .xlsx whose sheet unpacks to 23.5 MB, 500 000 rows (the file of issue
   14), given to ``cases.importers.hotline.import_hotline`` — refused. Physical baseline:
   ``zipfile`` merely listing the archive. Also a 500 000-row sheet that compresses like a
   real one (5.6 MB, ratio 5), refused by the streaming row count. Goal: < 100 ms and < 20 MB
   extra. ``--old`` adds the reading the 12345 import used before (openpyxl ``load_workbook``,
   not read-only) on the bomb — slow, about 20 s.
2. **10 000 legitimate rows**: the same workbook read by the raw openpyxl read-only parse
   (``iter_rows(values_only=True)``, the physical baseline), by ``core.excel.Sheet`` with the
   roster limits (the roster importer's safe path), by the 12345 import's opening
   (``hotline.open_sheet``: the same path with its own limits), checked row by row
   (``hotline.check_file``) and imported whole (``import_hotline``: check + 10 000 cases through
   ``case_report_many``) by a county dispatcher.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from common import fresh_database, setup_django, temporary_folder  # noqa: E402

GRIDS = 20


# --- data ---------------------------------------------------------------------------------------


def build_tree() -> list[str]:
    """Province → city → county → street → community → ``GRIDS`` grids; a dispatcher at the
    county. Returns the grid codes."""
    from django.db import transaction

    from gridgov.accounts.models import RoleGrant, User
    from gridgov.accounts.roles import Role
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
        grids = [
            area_create(
                actor=None,
                parent=community,
                level=Level.GRID,
                code=f"640110001001{g + 1:03d}",
                name=f"网格{g + 1}",
            )
            for g in range(GRIDS)
        ]
        user = User.objects.create(username="bench_dispatcher")
        RoleGrant.objects.create(user=user, role=Role.DISPATCHER, area=county)
    return [g.code for g in grids]


def categories() -> list[str]:
    from gridgov.cases.models import Category
    from gridgov.cases.services.categories import validate_extra
    from gridgov.core.errors import ValidationFailed

    found = []
    for c in Category.objects.filter(is_active=True, children__isnull=True).order_by("code"):
        try:
            validate_extra(c, {})
        except ValidationFailed:
            continue
        found.append(c.code)
    return found


def hotline_workbook(n: int, grids: list[str], cats: list[str]) -> bytes:
    """``n`` work orders in the 12345 template's columns, as a call centre exports them
    (openpyxl, not write-only: with its dimension; times as datetime cells)."""
    from datetime import datetime, timedelta

    from openpyxl import Workbook

    from gridgov.cases.importers.hotline import HEADERS

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    start = datetime(2025, 1, 1, 8, 0)
    streets = ("凤鸣路", "正源街", "北京中路", "文萃南街", "解放西街", "民族北街")
    issues = ("垃圾未清运", "路灯不亮", "井盖缺失", "噪音扰民", "占道经营", "下水道堵塞")
    for i in range(n):
        issue = issues[i % len(issues)]
        ws.append(
            [
                f"12345-{20250101 + i // 1000}-{i:05d}",
                start + timedelta(minutes=7 * i),
                f"{'王李张刘陈杨'[i % 6]}先生",
                f"139{i:08d}",
                cats[i % len(cats)],
                f"{issue}（{i}）",
                f"{streets[i % len(streets)]}{i % 300 + 1}号附近{issue}，已持续多日，请尽快处理。",
                f"{streets[i % len(streets)]}{i % 300 + 1}号",
                None,
                None,
                grids[i % len(grids)],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the variants (run in a child process) ------------------------------------------------------


def _refused(fn: Callable[[], Any]) -> Callable[[], Any]:
    from gridgov.core.errors import ValidationFailed

    def run() -> str:
        try:
            fn()
        except ValidationFailed as exc:
            return exc.code
        raise SystemExit("the file was not refused")

    return run


def variant(name: str, data: bytes) -> tuple[Callable[[], Any], bool]:
    """The callable to measure and whether it may be repeated (no database writes)."""
    from openpyxl import load_workbook

    from gridgov.cases.importers import hotline
    from gridgov.core import excel

    def zip_list() -> int:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return sum(m.file_size for m in z.infolist())

    def raw_openpyxl() -> int:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        n = sum(1 for _ in wb.worksheets[0].iter_rows(min_row=2, values_only=True))
        wb.close()
        return n

    def openpyxl_full() -> int:
        wb = load_workbook(io.BytesIO(data))
        return wb.worksheets[0].max_row

    def sheet(limits: excel.Limits) -> Callable[[], int]:
        def run() -> int:
            s = excel.Sheet(data, hotline.HEADERS, limits=limits)
            try:
                return sum(1 for _ in s.rows())
            finally:
                s.close()

        return run

    def dispatcher() -> Any:
        from gridgov.accounts.models import User

        return User.objects.get(username="bench_dispatcher")

    def api() -> Callable[[], str]:
        """The whole request: ``POST /api/v1/cases/import/hotline`` through the test client."""
        from django.conf import settings
        from django.test import Client

        from gridgov.accounts.services import token_issue

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        _token, raw = token_issue(user=dispatcher())
        client = Client()

        def run() -> str:
            upload = io.BytesIO(data)
            upload.name = "工单.xlsx"
            r = client.post(
                "/api/v1/cases/import/hotline",
                {"file": upload, "mode": "valid"},
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            return f"{r.status_code} {r.json().get('code', '')}"

        # Warm up (URLs, the API schema, the apps' first imports): a tiny file that is no zip.
        warm = io.BytesIO(b"not a workbook")
        warm.name = "x.xlsx"
        client.post(
            "/api/v1/cases/import/hotline", {"file": warm}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
        return run

    def check() -> int:
        return len(hotline.check_file(actor=dispatcher(), data=data))

    def import_all() -> str:
        result = hotline.import_hotline(actor=dispatcher(), data=data, mode="valid")
        return f"created {len(result.created)}, row errors {len(result.errors)}"

    table: dict[str, tuple[Callable[[], Any], bool]] = {
        "zip_list": (zip_list, True),
        "hotline_refuses": (_refused(lambda: hotline.import_hotline(actor=None, data=data)), True),
        "api_refuses": (api() if name == "api_refuses" else zip_list, True),
        "openpyxl_full": (openpyxl_full, True),
        "raw_openpyxl": (raw_openpyxl, True),
        "roster_sheet": (sheet(excel.Limits.rosters()), True),
        "hotline_sheet": (sheet(hotline.limits()), True),
        "hotline_check": (check, True),
        "hotline_import": (import_all, False),
    }
    return table[name]


def _status_kb(key: str) -> int:
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith(key + ":"):
            return int(text.split()[1])
    return 0


def _reset_peak() -> int:
    """The resident size now (KB), after resetting the peak to it (Linux ``clear_refs`` 5),
    so the peak read afterwards is the peak of what runs next."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except OSError:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _peak() -> int:
    return _status_kb("VmHWM") or int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child(name: str, path: str, repeat: int) -> None:
    data = Path(path).read_bytes()
    fn, repeatable = variant(name, data)
    gc.collect()
    rss0 = _reset_peak()
    t0 = time.perf_counter()
    answer = fn()
    first = time.perf_counter() - t0
    rss = max(0, _peak() - rss0)
    times, peak = [], 0
    if repeatable:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(
        json.dumps(
            {
                "answer": str(answer),
                "first": first,
                "median": statistics.median(times) if times else first,
                "rss_kb": rss,
                "peak": peak,
            }
        )
    )


def measure(name: str, path: Path, data_dir: str, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            name,
            "--file",
            str(path),
            "--data-dir",
            data_dir,
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def line(label: str, m: dict[str, Any], base: dict[str, Any] | None = None) -> None:
    ratio = f"  {m['median'] / base['median']:6.1f}× baseline" if base else ""
    peak = f"{m['peak'] / 1e6:7.1f} MB" if m["peak"] else "      —   "
    print(
        f"  {label:44s} {m['first'] * 1000:9.1f} {m['median'] * 1000:9.1f} "
        f"{m['rss_kb'] / 1024:8.1f} MB {peak}  {m['answer'][:40]}{ratio}"
    )


def header(title: str) -> None:
    print(f"\n{title}")
    print(
        f"  {'':44s} {'first ms':>9s} {'median ms':>9s} {'+maxrss':>11s} "
        f"{'tracemalloc':>10s}  answer"
    )


def load() -> str:
    """Load of the machine while the bench runs (other helpers' processes)."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--old", action="store_true", help="also the old openpyxl full load")
    parser.add_argument("--child", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    if args.child:
        setup_django(args.data_dir)
        child(args.child, args.file, args.repeat)
        return

    data_dir = temporary_folder("gridgov-bench-")
    setup_django(data_dir)
    drop = fresh_database()
    try:
        from django.core.management import call_command
        from django.db import connection

        from gridgov.cases.importers.hotline import HEADERS
        from gridgov.core.tests import hostile_xlsx

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor}; {load()}")
        grids = build_tree()
        cats = categories()
        files = Path(data_dir)
        bomb = files / "bomb.xlsx"
        bomb.write_bytes(hostile_xlsx.zip_bomb(HEADERS))
        many = files / "many.xlsx"
        many.write_bytes(hostile_xlsx.many_rows(HEADERS, 500_000))
        header("1. hostile uploads refused (goal < 100 ms, < 20 MB)")
        for path, what in (
            (bomb, "zip bomb, 500 000 identical rows"),
            (many, "500 000 numbered rows"),
        ):
            with zipfile.ZipFile(path) as z:
                unpacked = sum(m.file_size for m in z.infolist())
            size = path.stat().st_size
            print(
                f"  {what}: {size / 1024:,.0f} KB → {unpacked / 1e6:.1f} MB unpacked "
                f"(ratio {unpacked / size:.0f})"
            )
            base = measure("zip_list", path, data_dir, args.repeat)
            line("zipfile lists the archive (baseline)", base)
            line(
                "12345 import refuses it",
                measure("hotline_refuses", path, data_dir, args.repeat),
                base,
            )
            line(
                "… the whole API request, warm",
                measure("api_refuses", path, data_dir, args.repeat),
                base,
            )
            if args.old and path == bomb:
                # (its tracemalloc pass runs it a second time)
                old = measure("openpyxl_full", path, data_dir, 0)
                line("old 12345 reading: openpyxl load_workbook", old, base)

        legit = files / "legit.xlsx"
        t0 = time.perf_counter()
        legit.write_bytes(hotline_workbook(args.rows, grids, cats))
        with zipfile.ZipFile(legit) as z:
            unpacked = sum(m.file_size for m in z.infolist())
        header(
            f"2. {args.rows:,} legitimate 12345 rows: {legit.stat().st_size / 1e6:.2f} MB → "
            f"{unpacked / 1e6:.1f} MB unpacked (made in {time.perf_counter() - t0:.1f} s)"
        )
        base = measure("raw_openpyxl", legit, data_dir, args.repeat)
        line("openpyxl read-only parse (baseline)", base)
        line(
            "roster safe path: excel.Sheet, roster limits",
            measure("roster_sheet", legit, data_dir, args.repeat),
            base,
        )
        line(
            "12345 opening: hotline.open_sheet rows",
            measure("hotline_sheet", legit, data_dir, args.repeat),
            base,
        )
        if args.old:
            line(
                "old 12345 reading: openpyxl load_workbook",
                measure("openpyxl_full", legit, data_dir, 1),
                base,
            )
        line(
            "12345 check_file (read + row checks)",
            measure("hotline_check", legit, data_dir, 1),
            base,
        )
        line(
            "12345 import_hotline (check + write cases)",
            measure("hotline_import", legit, data_dir, 0),
            base,
        )
        print(f"\n{load()}")
    finally:
        drop()


if __name__ == "__main__":
    main()
