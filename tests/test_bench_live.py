"""bench/bench_live.py runs end to end in its smoke mode: a tiny demo build, ``gridgov serve``
with its live process, a few SSE clients, a few cases reported through the API. Nothing is
timed here; the figures live in docs/benchmarks.md ("Live stream")."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.storm
def test_bench_live_smoke(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GRIDGOV_DATA_DIR")}
    env["PYTHONPATH"] = str(ROOT / "src")
    out_json = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_live.py"),
            "--smoke",
            "--data-dir",
            str(tmp_path / "data"),
            "--port",
            str(_free_port()),
            "--live-port",
            str(_free_port()),
            "--json",
            str(out_json),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| delivery delay p50 / p95 / max |" in proc.stdout
    result = json.loads(out_json.read_text())
    # Every client connected and stayed; every reported case reached every client.
    assert result["opened"] == result["context"]["clients"]
    assert result["dropped"] == 0 and result["refused"] == 0
    assert result["injected"]["reported"] > 0 and result["injected"]["failed"] == 0
    assert result["received"] == result["expected"]
    assert result["delay_s"]["max"] >= 0
