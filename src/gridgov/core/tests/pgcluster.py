"""A throwaway PostgreSQL cluster for tests that need a server of their own (the backup round
trip, point-in-time recovery): like scripts/pg-test.sh, in Python. As root the server runs as
the ``postgres`` user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def pg_bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """``Cluster(root)``: ``initdb`` into ``root/<name>``; ``start()``, ``sql()``, ``stop()``."""

    def __init__(self, root: Path, name: str = "data") -> None:
        self.root = root
        self.data = root / name
        self.bin = pg_bin()
        assert self.bin is not None, "PostgreSQL is not installed"
        self.port = 0

    @staticmethod
    def make_root() -> Path:
        root = Path(tempfile.mkdtemp(prefix="gridgov-pgtest-"))
        root.chmod(0o700)
        Cluster.give(root)
        return root

    @staticmethod
    def give(path: Path) -> None:
        """As root: hand ``path`` to the postgres user."""
        if os.getuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def run(self, *argv: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in argv]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)}:\n{result.stdout}\n{result.stderr}")
        return result

    def tool(self, name: str) -> str:
        assert self.bin is not None
        return str(self.bin / name)

    def initdb(self) -> None:
        self.run(
            self.tool("initdb"),
            "-D",
            self.data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def configure(self, **settings: str) -> None:
        lines = "".join(f"{k} = '{v}'\n" for k, v in settings.items())
        with (self.data / "postgresql.auto.conf").open("a") as fh:
            fh.write(lines)

    def start(self) -> None:
        self.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
            " -c fsync=off -c max_connections=30"
        )
        self.run(
            self.tool("pg_ctl"),
            "-D",
            self.data,
            "-l",
            self.root / f"{self.data.name}.log",
            "-w",
            "-t",
            "120",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(self.tool("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def sql(self, query: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with (
            psycopg.connect(
                host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
            ) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(query)  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []

    def wait_for(self, query: str, expected: Any, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = self.sql(query)[0][0]
            except Exception as exc:  # starting up, in recovery …
                last = exc
            if last == expected:
                return
            time.sleep(0.2)
        raise AssertionError(f"{query!r} gave {last!r}, expected {expected!r}")


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
