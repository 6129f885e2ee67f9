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
        [
            sys.executable,
            "-m",
            "gridgov.cli",
            "serve",
            "--port",
            str(port),
            "--threads",
            "2",
            "--workers",
            "1",
        ],
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
        # The background worker and the live stream's process (docs/operations.md).
        children = _wait_for(
            lambda: (c := _children(proc.pid)) and len(c) == 2 and c, "the worker and live"
        )
        lines = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") for pid in children}
        workers = [pid for pid, line in lines.items() if b"worker" in line]
        assert len(workers) == 1
        assert [b"live-serve" in line for line in lines.values()].count(True) == 1

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
    for pid in children:
        assert not Path(f"/proc/{pid}").exists()


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


def test_default_workers_one_per_core_at_most_four_and_one_without_fork(monkeypatch):
    from gridgov import cli

    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert cli.default_workers() == cli.MAX_DEFAULT_WORKERS == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert cli.default_workers() == 2
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert cli.default_workers() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    monkeypatch.delattr(os, "fork", raising=False)
    assert cli.default_workers() == 1


def test_serve_and_demo_take_workers_and_threads(capsys):
    from gridgov import cli

    for parser in (cli._serve_parser(), cli._demo_parser()):
        args = parser.parse_args(["--workers", "3", "--threads", "5"])
        assert (args.workers, args.threads) == (3, 5)
        assert parser.parse_args([]).workers == cli.default_workers()
        with pytest.raises(SystemExit):
            parser.parse_args(["--workers", "0"])
    assert "must be at least 1" in capsys.readouterr().err


def test_several_workers_share_the_sign_in_throttle_through_the_database(monkeypatch):
    from gridgov import cli

    monkeypatch.delenv("GRIDGOV_LOGIN_THROTTLE_CACHE", raising=False)
    cli._prepare_workers(1)
    assert "GRIDGOV_LOGIN_THROTTLE_CACHE" not in os.environ
    cli._prepare_workers(2)
    assert os.environ["GRIDGOV_LOGIN_THROTTLE_CACHE"] == "database"
    monkeypatch.setenv("GRIDGOV_LOGIN_THROTTLE_CACHE", "memory")  # the operator's choice stays
    cli._prepare_workers(4)
    assert os.environ["GRIDGOV_LOGIN_THROTTLE_CACHE"] == "memory"


def test_trusted_proxy_gives_the_client_address_and_scheme_only_from_the_proxy():
    from gridgov.cli import TrustedProxy

    seen = []
    app = TrustedProxy(lambda environ, start: seen.append(dict(environ)) or [], "10.0.0.1")
    headers = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8", "HTTP_X_FORWARDED_PROTO": "https"}
    app({"REMOTE_ADDR": "10.0.0.1", "wsgi.url_scheme": "http", **headers}, None)
    app({"REMOTE_ADDR": "9.9.9.9", "wsgi.url_scheme": "http", **headers}, None)
    assert (seen[0]["REMOTE_ADDR"], seen[0]["wsgi.url_scheme"]) == ("5.6.7.8", "https")
    assert (seen[1]["REMOTE_ADDR"], seen[1]["wsgi.url_scheme"]) == ("9.9.9.9", "http")
    assert "HTTP_X_FORWARDED_FOR" not in seen[1] and "HTTP_X_FORWARDED_PROTO" not in seen[1]


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")) or not Path("/proc").is_dir(),
    reason="runs on the SQLite pass (the server uses its own SQLite file), on Linux",
)
def test_serve_with_several_workers_forks_warm_web_processes_and_stops_them_all(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GRIDGOV_DATA_DIR"] = str(tmp_path)
    log = (tmp_path / "serve.log").open("wb")
    command = [sys.executable, "-m", "gridgov.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", "2", "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(f"{base}/accounts/login/")[0] == 200, "the login page")
        status, body = _get(f"{base}/open311/v2/services.json")
        assert status == 200 and body.startswith(b"[")
        children = _wait_for(
            lambda: (c := _children(proc.pid)) and len(c) == 4 and c, "two web processes"
        )

        def kind(pid: int) -> str:
            line = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[3:]
            return "worker" if b"worker" in line else "live" if b"live-serve" in line else "web"

        # Two web processes, the background worker and the live stream's process.
        assert sorted(kind(pid) for pid in children) == ["live", "web", "web", "worker"]
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    assert code == 0, text
    assert "Warmed up" in text and "with 2 processes of 2 threads" in text
    assert text.count("Stopped.") == 1, text  # printed by the parent only
    assert "Traceback" not in text, text
    for pid in children:
        assert not Path(f"/proc/{pid}").exists()
