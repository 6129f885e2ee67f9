"""``gridgov worker``: the background worker (django-tasks-db's ``db_worker``) plus the
periodic-job scheduler (a thread, see :mod:`gridgov.core.scheduler`).

Run one or more of these next to the web server; ``gridgov serve`` starts one by itself.
SIGTERM or Ctrl-C stops it after the task in hand.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, close_old_connections
from django.utils.crypto import get_random_string

from gridgov.core import keys, scheduler
from gridgov.core.busy import is_database_locked

logger = logging.getLogger("gridgov.worker")

# Set by ``gridgov serve`` for its child worker: the worker exits when that process goes away.
PARENT_PID_ENV = "GRIDGOV_PARENT_PID"


def die_with_parent() -> None:
    """Exit (SIGTERM) when the ``gridgov serve`` that started this process goes away, even by
    ``kill -9`` — for every child it starts (the worker, the live stream's process)."""
    parent = os.environ.get(PARENT_PID_ENV)
    if not parent:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the parent stops us explicitly
        return
    if os.getppid() != int(parent):  # the parent died before prctl took effect
        raise SystemExit(0)


# How long the worker waits after finding the database locked before it polls again.
LOCKED_PAUSE_SECONDS = 2.0


def run_surviving_locks(
    loop: Callable[[], Any], *, pause: Callable[[float], Any] = time.sleep
) -> None:
    """Run the worker ``loop`` (django-tasks-db's ``db_worker``) until it returns; a locked
    database (a long write elsewhere on SQLite) is logged, waited out and the loop started
    again, instead of ending the worker. Other errors end it as before (``gridgov serve``
    restarts its worker). A task that was running when its own writes found the database
    locked has been marked failed by ``db_worker`` where it could be."""
    while True:
        try:
            loop()
            return
        except OperationalError as exc:
            if not is_database_locked(exc):
                raise
            logger.warning(
                "worker: the database is locked; trying again in %.0f s", LOCKED_PAUSE_SECONDS
            )
            close_old_connections()
            pause(LOCKED_PAUSE_SECONDS)


def _exit_cleanly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Run the background worker and the periodic-job scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between polls of an empty queue (default: 1).",
        )
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Queues to process, comma-separated; '*' for all (default).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Do not run the periodic-job scheduler in this worker.",
        )

    def handle(
        self, *args: Any, interval: float, queue_name: str, no_scheduler: bool, **options: Any
    ) -> None:
        from django_tasks import task_backends
        from django_tasks_db.backend import DatabaseBackend

        die_with_parent()
        try:  # never encrypt with a key that is not the database's
            keys.check_at_start()
        except keys.FieldKeyError as exc:
            raise CommandError(exc.message) from exc
        worker_id = f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(6)}"
        stop: threading.Event | None = None
        thread: threading.Thread | None = None
        if not no_scheduler:
            thread, stop = scheduler.start_thread()
        try:
            if isinstance(task_backends["default"], DatabaseBackend):
                # A stop (systemd, Ctrl-C) that comes before db_worker installs its own
                # handlers ends the worker cleanly rather than killing it mid-start.
                signal.signal(signal.SIGTERM, _exit_cleanly)
                signal.signal(signal.SIGINT, _exit_cleanly)
                self.stdout.write(f"gridgov worker {worker_id} started (queues: {queue_name})")
                run_surviving_locks(
                    lambda: call_command(
                        "db_worker",
                        queue_name=queue_name,
                        interval=interval,
                        reload=False,
                        startup_delay=False,
                        worker_id=worker_id,
                        verbosity=options.get("verbosity", 1),
                    )
                )
            else:
                # Another backend runs its tasks elsewhere (or at once); keep the scheduler going.
                self.stdout.write(
                    "gridgov worker: tasks backend is not the database; scheduler only"
                )
                self._wait_for_signal()
        finally:
            if stop is not None and thread is not None:
                stop.set()
                thread.join(timeout=10)

    @staticmethod
    def _wait_for_signal() -> None:
        done = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            done.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not done.wait(3600):
            pass
