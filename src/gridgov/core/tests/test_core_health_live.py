"""``/health`` and the log of a real ``gridgov serve`` on a fresh data folder: the worker's
heartbeat turns the answer to 200 by itself, a request by IP address is a 400 and one WARNING
line, and every log line starts with a timestamp that carries its offset."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the server uses its own SQLite data folder"
)
def test_a_real_server_turns_healthy_and_logs_a_bad_host_quietly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        GRIDGOV_DATA_DIR=str(tmp_path),
        GRIDGOV_HEALTH_MIN_FREE_MB="1",
        GRIDGOV_TIME_ZONE="Asia/Shanghai",
        PYTHONPATH=str(SOURCE),
    )
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "serve", "--port", str(port), "--threads", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        status, body = 0, b""
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/health")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, (body, log_path.read_text())
        assert json.loads(body)["checks"]["worker"] == {"status": "ok"}
        # A balancer asks by address: /health answers, the rest of the site refuses.
        assert _get(f"{base}/health", host=f"192.0.2.10:{port}")[0] == 200
        assert _get(f"{base}/accounts/login/", host=f"192.0.2.10:{port}")[0] == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    text = log_path.read_text()
    assert "Traceback" not in text, text
    bad_host = [line for line in text.splitlines() if "DisallowedHost" in line]
    assert len(bad_host) == 1 and " WARNING django.security.DisallowedHost " in bad_host[0]
    stamped = [line for line in text.splitlines() if re.match(r"\d{4}-\d\d-\d\dT", line)]
    assert stamped and all(
        re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 [A-Z]+ ", line) for line in stamped
    )
