"""For the live-stream tests: ``gridgov serve`` with its live process in a child process (the
storm tests' harness, tests/live.py, with ``--live-port``) and a small SSE client."""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HARNESS = Path(__file__).resolve().parents[4] / "tests" / "live.py"
_spec = importlib.util.spec_from_file_location("gridgov_tests_live", _HARNESS)
assert _spec is not None and _spec.loader is not None
_live = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _live
_spec.loader.exec_module(_live)

# A loaded machine may take longer than the storm tests allow to migrate and build.
_live.START_LIMIT = 600.0
LiveGridgov = _live.LiveGridgov
NoAnswer = _live.NoAnswer
free_port = _live._free_port
START_LIMIT = _live.START_LIMIT  # the copy above: 600 s

# Small limits, so the tests see them act (see gridgov.command.live.conf).
LIVE_ENV = {
    "GRIDGOV_LIVE_HEARTBEAT": "1",
    "GRIDGOV_LIVE_BUFFER": "300",
    "GRIDGOV_LIVE_SEND_TIMEOUT": "3",
    "GRIDGOV_LIVE_MAX_STREAMS": "6",
}


class LiveServer(LiveGridgov):  # type: ignore[misc,valid-type]
    """``gridgov serve --workers 1 --live-port P``: waitress for the pages, the live process
    (gunicorn) for the stream."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.live_port = free_port()

    def _env(self) -> dict[str, str]:
        env: dict[str, str] = super()._env()
        env.update(LIVE_ENV)
        return env

    def start(self) -> None:
        if self.running():
            return
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gridgov.cli",
                    "serve",
                    "--no-migrate",
                    "--no-worker",
                    "--workers",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--live-port",
                    str(self.live_port),
                ],
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        limit = time.monotonic() + START_LIMIT
        for port in (self.port, self.live_port):
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"gridgov serve exited:\n{self.log()}")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/command/live/status")
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    if time.monotonic() > limit:
                        raise RuntimeError(f"no answer on {port}:\n{self.log()}") from None
                    time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.kill()

    def live_status(self, token: str) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.live_port, timeout=30)
        try:
            conn.request(
                "GET", "/command/live/status", headers={"Authorization": f"Bearer {token}"}
            )
            return dict(json.loads(conn.getresponse().read()))
        finally:
            conn.close()


@dataclass
class Message:
    event: str
    id: str | None
    data: Any


@dataclass
class SSE:
    """One stream, read by a thread of its own into :attr:`messages`."""

    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    messages: list[Message] = field(default_factory=list)
    last_id: str | None = None
    ended: threading.Event = field(default_factory=threading.Event)

    def open(self) -> SSE:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("GET", self.path, headers=self.headers)
        response = self.conn.getresponse()
        self.status = response.status
        self.response_headers = {k.lower(): v for k, v in response.getheaders()}
        if self.status != 200:
            self.body = response.read()
            self.ended.set()
            return self
        self.response = response
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        event, data, mid = "message", [], None
        try:
            while True:
                raw = self.response.readline()
                if not raw:
                    return
                line = raw.decode().rstrip("\n")
                if line == "":
                    if mid is not None:
                        self.last_id = mid
                    if data:
                        self.messages.append(Message(event, mid, json.loads("\n".join(data))))
                    event, data, mid = "message", [], None
                elif line.startswith(":"):
                    continue
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("id: "):
                    mid = line[4:]
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            return
        finally:
            self.ended.set()

    def events(self) -> list[dict[str, Any]]:
        return [e for m in list(self.messages) if m.event == "live" for e in m.data["events"]]

    def wait_for(self, check: Any, limit: float = 30.0) -> bool:
        """Wait (generously) until ``check(self)`` holds; False if it never did."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if check(self):
                return True
            time.sleep(0.1)
        return bool(check(self))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.conn.sock is not None:
                self.conn.sock.close()
        self.conn.close()
