"""bench/bench_command.py runs end to end at a tiny size: the county of grids, cases and
disputes built with their counters (checked against raw counts), every tile, ranking, map
measure and a month's report read. Nothing is timed here; the figures live in
docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.storm
def test_bench_command_smoke(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GRIDGOV_DATA_DIR")}
    env["PYTHONPATH"] = str(ROOT / "src")
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    out_json = tmp_path / "out.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_command.py"),
            "--cases",
            "3000",
            "--grids",
            "300",
            "--days",
            "90",
            "--repeat",
            "2",
            "--json",
            str(out_json),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out_json.read_text())
    # The counters built beside the facts equal raw counts over them.
    assert result["verify_ok"] is True, proc.stdout[-3000:]
    assert result["build"]["cases"] == 3000
    assert result["build"]["disputes"] == 300
    assert result["build"]["casestat_rows"] > 0
    labels = {r["label"] for r in result["rows"]}
    # Every registered tile and rank measure was read at the three scopes, beside its raw SQL.
    from gridgov.command.registry import rank_measures, tiles

    for level in ("county", "street", "community"):
        for tile in tiles.all():
            assert f"{level}: {tile.key}" in labels
        for measure in rank_measures.all():
            assert f"{level}: {measure.key}" in labels
    with_raw = [r for r in result["rows"] if ": cases." in r["label"] and "raw_p50_ms" in r]
    assert with_raw
    assert any("naive_p50_ms" in r for r in result["rows"])
    assert "map county first call" in labels
    assert "report county month" in labels
