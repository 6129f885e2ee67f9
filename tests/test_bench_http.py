"""bench/bench_http.py runs end to end in its smoke mode: a tiny demo build, ``gridgov serve``
and the bare Django floor started, real sign-ins, a few requests per row. Nothing is timed
here; the figures live in docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ROWS = [
    "POST /api/v1/cases/report",
    "POST /open311/v2/requests.json",
    "GET /api/v1/cases/{id}",
    "GET /cases/{id}/ page",
    "GET /open311/v2/requests/{id}.json",
    "GET /api/v1/cases/ (list)",
    "GET /cases/list/ page",
    "GET /api/v1/cases/queues",
    "GET /cases/ (queues page)",
    "GET /api/v1/stats/indicators",
    "GET /open311/v2/services.json",
    "GET /open311/v2/requests.json?page_size=100",
    "GET /open311/v2/requests.json (1 000)",
    "GET / home: dispatcher",
    "GET / home: resident",
    "GET /rosters/residents/ page",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.storm
def test_bench_http_smoke(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GRIDGOV_DATA_DIR")}
    env["PYTHONPATH"] = str(ROOT / "src")
    out_json = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_http.py"),
            "--smoke",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(_free_port()),
            "--floor-port",
            str(_free_port()),
            "--json",
            str(out_json),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = proc.stdout.split("| request |", 1)[1]
    for row in ROWS:
        assert f"| {row} |" in table, row
    result = json.loads(out_json.read_text())
    by_row = {r["row"]: r for r in result["rows"]}
    # Every row was answered as a signed-in user would be answered (no 401/403/5xx), and the
    # floor answered the same number of requests.
    for row in ROWS:
        statuses = by_row[row]["statuses"]
        assert statuses and all(s.split("×")[0] in ("200", "201") for s in statuses.split(",")), (
            row,
            statuses,
        )
        assert by_row[row]["floor"]["rps"] > 0
    # The malformed requests were refused with a 4xx.
    for bad in result["malformed"]:
        assert all(s.startswith("4") for s in bad["bad_statuses"].split(",")), bad
    assert result["rss"]["gridgov"] and result["rss"]["floor"]
    assert result["first"]["first POST /open311/v2/requests.json"] > 0
