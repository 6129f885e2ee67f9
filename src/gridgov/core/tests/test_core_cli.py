"""The ``gridgov`` command: pass-through to management commands, and ``serve`` running the web
server with a background worker that runs the periodic jobs and stops with it."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gridgov.cli import django_argv, main

SOURCE = Path(__file__).resolve().parents[2]


def test_subcommands_map_to_management_commands():
    assert django_argv(["import-divisions", "--dry-run", "x-y"]) == [
        "gridgov",
        "import_divisions",
        "--dry-run",
        "x-y",
    ]
    assert django_argv(["migrate"]) == ["gridgov", "migrate"]
    assert django_argv([]) == ["gridgov", "help"]


def test_failing_command_exits_non_zero_with_message_on_stderr(db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exc:
        main(["prune-audit", "--days", "30"])
    assert exc.value.code == 1
    assert "180" in capsys.readouterr().err


def test_no_arguments_prints_usage(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "demo" in out and "serve" in out and "worker" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _wait_for(check, what: str, seconds: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
        except (OSError, sqlite3.Error):
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")) or not Path("/proc").is_dir(),
    reason="runs on the SQLite pass (the server uses its own SQLite file), on Linux",
)
def test_serve_runs_web_and_worker_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GRIDGOV_DATA_DIR"] = str(tmp_path)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "serve", "--port", str(port), "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(f"{base}/accounts/login/")[0] == 200, "the login page")
        assert _get(f"{base}/static/admin/css/base.css")[0] == 200
        if (SOURCE / "core/static/vendor/htmx/htmx.min.js").exists():
            assert _get(f"{base}/static/vendor/htmx/htmx.min.js")[0] == 200
        workers = _wait_for(lambda: _children(proc.pid), "the worker process")
        assert len(workers) == 1
        assert b"worker" in Path(f"/proc/{workers[0]}/cmdline").read_bytes()

        def periodic_jobs_ran() -> bool:
            with sqlite3.connect(tmp_path / "gridgov.sqlite3") as con:
                (n,) = con.execute(
                    "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE status = 'SUCCESSFUL' AND task_path LIKE 'gridgov.core.tasks.%'"
                ).fetchone()
            return n >= 2

        _wait_for(periodic_jobs_ran, "the periodic jobs to run")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert not Path(f"/proc/{workers[0]}").exists()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="on Linux")
def test_the_demo_worker_writes_to_a_log_file_not_the_console(tmp_path, capfd, monkeypatch):
    """``gridgov demo`` starts its worker with a log file in the data folder, so the worker's
    INFO lines do not push the account table off the screen."""
    from gridgov.cli import WorkerProcess

    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    log = tmp_path / "logs" / "worker.log"
    child = WorkerProcess(log)
    child.start()
    try:
        _wait_for(lambda: log.exists() and log.stat().st_size > 0, "the worker's log")
    finally:
        child.stop()
    out, err = capfd.readouterr()
    assert f"its log: {log}" in out
    assert "gridgov.worker" not in out + err and "scheduler" not in out + err
