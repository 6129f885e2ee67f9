"""A real gridgov server in a child process, for the storm and race tests (``-m storm``).

``gridgov serve`` (waitress, no background worker) on 127.0.0.1 and a free port, with a data
folder of its own and its own database: a SQLite file in that folder, or — when the test run
has ``DATABASE_URL`` (the PostgreSQL pass) — a fresh database on that PostgreSQL server, dropped
at the end. The data is the demo district with two grids (``gridgov demo-build --grids 2 --areas-only``): its
accounts (password :data:`DEMO_PASSWORD`) sign in through ``POST /api/v1/auth/token``.

The tests talk to it over plain HTTP (one connection per request, so every request has a server
thread and a database connection of its own), kill it with SIGKILL and start it again, and
read its database directly (:meth:`LiveGridgov.query`) to count what was stored.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gridgov

DEMO_PASSWORD = "Demo@2026"
GRID1 = "640110001001001"  # 凤鸣社区第一网格: the demo grid worker's grid
COMMUNITY = "640110001001"  # 凤鸣社区, the grid's community
SQLITE_NAME = "gridgov.sqlite3"
# How long a child may take to start or finish a setup command before the test gives up (a
# safety net for a hung child, not a measurement: nothing is asserted about time).
START_LIMIT = 120.0


class NoAnswer(Exception):
    """The request got no HTTP answer (the server is down, or died while answering)."""


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str:
        return self.body.get("code", "") if isinstance(self.body, dict) else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveGridgov:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = root / "serve.log"
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.pg_admin_url = os.environ.get("DATABASE_URL", "").strip()
        self.database_url = ""
        self.pg_name = ""
        if self.pg_admin_url:
            self.pg_name = f"gridgov_live_{uuid.uuid4().hex[:10]}"
            parts = urlsplit(self.pg_admin_url)
            self.database_url = urlunsplit(parts._replace(path=f"/{self.pg_name}"))
        self._tokens: dict[str, str] = {}
        self._areas: dict[str, int] = {}

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    # --- the child processes ----------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        src = str(Path(gridgov.__file__).resolve().parent.parent)
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            GRIDGOV_DATA_DIR=str(self.data_dir),
            DJANGO_SETTINGS_MODULE="gridgov.settings",
            PYTHONPATH=os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p),
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def _gridgov(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "gridgov.cli", *args],
            env=self._env(),
            capture_output=True,
            timeout=START_LIMIT,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"gridgov {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
            )

    def build(self) -> None:
        """Create the database, migrate it, build the demo district, start the server."""
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        self._gridgov("migrate", "--verbosity", "0")
        self._gridgov("demo-build", "--grids", "2", "--areas-only")
        self.start()

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
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--threads",
                    "8",
                ],
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        limit = time.monotonic() + START_LIMIT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gridgov serve exited ({self.proc.returncode}):\n{self.log()}")
            try:
                self.request("GET", "/api/v1/auth/tokens", timeout=5)
                return
            except NoAnswer:
                if time.monotonic() > limit:
                    raise RuntimeError(f"gridgov serve did not answer:\n{self.log()}") from None
                time.sleep(0.1)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no clean-up of any kind in the server."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def close(self) -> None:
        self.stop()
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    # --- HTTP -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str = "",
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Answer:
        """One request on a fresh connection; :class:`NoAnswer` when no HTTP answer came."""
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            raw = response.read()
            status, got = response.status, {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            raise NoAnswer(f"{method} {path}: {exc!r}") from exc
        finally:
            conn.close()
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(status, parsed, got)

    def token(self, username: str) -> str:
        """An API token of a demo account (signed in once, then remembered)."""
        if username not in self._tokens:
            answer = self.request(
                "POST",
                "/api/v1/auth/token",
                {"username": username, "password": DEMO_PASSWORD, "name": "storm test"},
            )
            assert answer.status == 201, answer
            self._tokens[username] = answer.body["token"]
        return self._tokens[username]

    def area_id(self, code: str) -> int:
        if code not in self._areas:
            rows = self.query(f"SELECT id FROM areas_area WHERE code = '{code}'")
            assert len(rows) == 1, (code, rows)
            self._areas[code] = int(rows[0][0])
        return self._areas[code]

    # --- the database, read directly ---------------------------------------------------------

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one read-only statement, on a connection of its own (no parameters: the
        tests build their statements from their own constants)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
        conn = sqlite3.connect(self.data_dir / SQLITE_NAME, timeout=30)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()
