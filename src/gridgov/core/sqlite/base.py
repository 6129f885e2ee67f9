"""SQLite with a fair, prompt queue for its one writer (``ENGINE: gridgov.core.sqlite``).

SQLite lets one connection write at a time; a connection that finds the file locked waits in
SQLite's busy handler, which *sleeps* between tries (1, 2, 5, 10 … up to 100 ms a time). Under
several concurrent reports a waiter then sleeps on long after the lock came free: the 460 ms
p95 of Open311 POSTs against a p50 of 45 ms (issue 17). Here each write transaction first
takes a gate — a lock shared by this process's threads, then an exclusive ``flock`` on
``<database>.write-gate`` shared by every process on the data folder (the web processes and the
background worker) — and only then ``BEGIN IMMEDIATE``; the gate is let go after ``COMMIT`` or
``ROLLBACK``. Waiters are woken the moment the lock is free, in the order the system gives, and
SQLite's own lock is then (almost) always free at once.

The gate honours the busy timeout (``OPTIONS["timeout"]``): a writer that cannot take it in time
gets ``OperationalError("database is locked")`` — the 503 with ``Retry-After`` of
:mod:`gridgov.core.busy`, as before. Writes outside a transaction (autocommit statements) and
other programs on the file do not take the gate; SQLite's own locking still keeps them correct.
An in-memory database (tests) has no gate.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # Windows: one process; the threads' lock is the gate
    fcntl = None  # type: ignore[assignment]

# Seconds between tries for the file lock (non-blocking tries: flock itself has no timeout).
POLL_SECONDS = 0.0005
_process_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def _process_gate(path: str) -> threading.Lock:
    with _gates_lock:
        gate = _process_gates.get(path)
        if gate is None:
            gate = _process_gates[path] = threading.Lock()
        return gate


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate_fd: int | None = None
        self._gate_pid = 0
        self._gate_held = False

    def _gate_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.write-gate"

    def _gate_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def _file_gate(self, path: str) -> int | None:
        if fcntl is None:
            return None
        if self._gate_fd is None or self._gate_pid != os.getpid():
            # One descriptor per connection (flock is per open file, so two threads must not
            # share one); a forked process opens its own.
            self._gate_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            self._gate_pid = os.getpid()
        return self._gate_fd

    def _take_gate(self) -> None:
        path = self._gate_path()
        if path is None or self._gate_held:
            return
        deadline = time.monotonic() + self._gate_timeout()
        gate = _process_gate(path)
        if not gate.acquire(timeout=self._gate_timeout()):
            raise OperationalError("database is locked (write gate)")
        try:
            fd = self._file_gate(path)
            if fd is not None:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            raise OperationalError("database is locked (write gate)") from None
                        time.sleep(POLL_SECONDS)
        except BaseException:
            gate.release()
            raise
        self._gate_held = True

    def _let_go(self) -> None:
        if not self._gate_held:
            return
        self._gate_held = False
        path = self._gate_path()
        if path is None:
            return
        try:
            if self._gate_fd is not None and fcntl is not None:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            _process_gate(path).release()

    def _start_transaction_under_autocommit(self) -> None:
        self._take_gate()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._let_go()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._let_go()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._let_go()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._let_go()
            if self._gate_fd is not None:
                if self._gate_pid == os.getpid():
                    os.close(self._gate_fd)
                self._gate_fd = None
