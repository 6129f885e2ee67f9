"""The SQLite write gate (gridgov.core.sqlite): write transactions queue on it, across threads
and processes, and one that cannot take it within the busy timeout meets "database is locked"
(the 503 path), as with SQLite's own lock."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from gridgov.core.busy import is_database_locked
from gridgov.core.sqlite.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker: Any) -> Any:
    """These tests open their own connections to their own files (not the test database)."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path, timeout: float = 5) -> Any:
    settings = {
        "ENGINE": "gridgov.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    return DatabaseWrapper(settings, alias="gate-test")


def _begin(conn: Any) -> None:
    conn.ensure_connection()
    conn.set_autocommit(True)
    conn._start_transaction_under_autocommit()


def test_writers_of_two_connections_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first, second = _wrapper(path), _wrapper(path)
    _begin(first)
    first.cursor().execute("CREATE TABLE t (x INTEGER)")
    order: list[str] = []

    def other() -> None:
        second.inc_thread_sharing()
        _begin(second)  # waits for the gate, not in SQLite's sleeping busy handler
        order.append("second began")
        second.cursor().execute("INSERT INTO t VALUES (2)")
        second._commit()
        second.close()

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.2)
    order.append("first commits")
    first.cursor().execute("INSERT INTO t VALUES (1)")
    first._commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second began"]
    assert first.cursor().execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,)]
    first.close()


def test_a_gate_held_elsewhere_past_the_timeout_is_database_locked(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    # Another process holds the gate (a flock on the gate file of its own descriptor).
    fd = os.open(f"{path}.write-gate", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    conn = _wrapper(path, timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as exc:
            _begin(conn)
        assert time.monotonic() - started >= 0.3
        assert is_database_locked(exc.value)  # answered 503 with Retry-After
        fcntl.flock(fd, fcntl.LOCK_UN)
        _begin(conn)  # free again: taken at once
        conn._rollback()
    finally:
        os.close(fd)
        conn.close()


def test_the_gate_is_let_go_on_rollback_and_close(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    conn, other = _wrapper(path, timeout=0.5), _wrapper(path, timeout=0.5)
    _begin(conn)
    conn._rollback()
    _begin(other)
    other.close()  # closed inside its transaction: the gate goes with it
    _begin(conn)
    conn._commit()
    conn.close()
