"""Periodic jobs: a registry of (name, interval, task) and the loop that enqueues them.

Registering a job is one line, in the ``tasks.py`` of any gridgov app (those modules are
imported when the scheduler starts)::

    from datetime import timedelta
    from django_tasks import task
    from gridgov.core.scheduler import periodic

    @periodic(every=timedelta(minutes=10))
    @task()
    def sweep_deadlines() -> int: ...

or ``register("cases.sweep", every=timedelta(minutes=10), task=sweep_deadlines)``.

The scheduler runs as a thread inside ``gridgov worker``. It enqueues a due job through the
tasks API (the worker then runs it like any other task). Each job has a
:class:`~gridgov.core.models.PeriodicJobState` row; a run is claimed by a conditional UPDATE
that moves ``next_run_at`` on only if it still holds the value that was read, in the same
transaction as the enqueue. So with several workers (several schedulers) each run is enqueued
exactly once, and a failed enqueue leaves the job due.

A job seen for the first time is due at once. After a run the next one is due one interval
after the previous due time, or one interval from now if the worker was down for longer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.db.utils import DatabaseError
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from gridgov.core.models import PeriodicJobState

logger = logging.getLogger("gridgov.scheduler")

# How long the loop sleeps at most between two looks at the schedule.
MAX_SLEEP_SECONDS = 30.0


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Any  # a django_tasks Task
    kwargs: Callable[[], dict[str, Any]] | None = None

    @property
    def interval_seconds(self) -> int:
        return max(1, int(self.every.total_seconds()))

    def enqueue(self) -> Any:
        return self.task.enqueue(**(self.kwargs() if self.kwargs else {}))


@dataclass
class Registry:
    jobs: dict[str, PeriodicJob] = field(default_factory=dict)

    def register(
        self,
        name: str,
        *,
        every: timedelta,
        task: Any,
        kwargs: Callable[[], dict[str, Any]] | None = None,
    ) -> PeriodicJob:
        if every.total_seconds() < 1:
            raise ValueError("A periodic job's interval must be at least one second.")
        if name in self.jobs and self.jobs[name].task is not task:
            raise ValueError(f"A different periodic job named {name!r} is already registered.")
        job = PeriodicJob(name=name, every=every, task=task, kwargs=kwargs)
        self.jobs[name] = job
        return job

    def __iter__(self) -> Any:
        return iter(sorted(self.jobs.values(), key=lambda j: j.name))

    def __len__(self) -> int:
        return len(self.jobs)


registry = Registry()


def register(
    name: str,
    *,
    every: timedelta,
    task: Any,
    kwargs: Callable[[], dict[str, Any]] | None = None,
) -> PeriodicJob:
    """Run ``task`` every ``every``. ``kwargs`` (a callable, evaluated at each enqueue) gives
    its keyword arguments."""
    return registry.register(name, every=every, task=task, kwargs=kwargs)


def periodic(
    *, every: timedelta, name: str | None = None, kwargs: Callable[[], dict[str, Any]] | None = None
) -> Callable[[Any], Any]:
    """Decorator form of :func:`register`, placed above ``@task()``; the name defaults to the
    task's module path."""

    def wrap(task_obj: Any) -> Any:
        register(name or task_obj.module_path, every=every, task=task_obj, kwargs=kwargs)
        return task_obj

    return wrap


def discover() -> Registry:
    """Import every installed app's ``tasks`` module, where periodic jobs register."""
    autodiscover_modules("tasks")
    return registry


def sync_states(jobs: Iterable[PeriodicJob], *, now: datetime | None = None) -> None:
    """Create the bookkeeping rows of new jobs (due at once) and follow interval changes."""
    now = now or timezone.now()
    for job in jobs:
        state, created = PeriodicJobState.objects.get_or_create(
            name=job.name,
            defaults={"interval_seconds": job.interval_seconds, "next_run_at": now},
        )
        if not created and state.interval_seconds != job.interval_seconds:
            # The interval changed in code: never wait longer than one new interval.
            latest = now + job.every
            PeriodicJobState.objects.filter(name=job.name).update(
                interval_seconds=job.interval_seconds,
                next_run_at=min(state.next_run_at, latest),
            )


def _next_due(previous_due: datetime, every: timedelta, now: datetime) -> datetime:
    due = previous_due + every
    return due if due > now else now + every


def run_due(jobs: Iterable[PeriodicJob] | None = None, *, now: datetime | None = None) -> list[str]:
    """Enqueue every due job once; return the names of the jobs this call enqueued."""
    jobs = list(registry if jobs is None else jobs)
    now = now or timezone.now()
    by_name = {j.name: j for j in jobs}
    due = PeriodicJobState.objects.filter(name__in=by_name, next_run_at__lte=now).values_list(
        "name", "next_run_at"
    )
    enqueued = []
    for name, seen_due in list(due):
        if claim_and_enqueue(by_name[name], seen_due=seen_due, now=now):
            enqueued.append(name)
    return enqueued


def claim_and_enqueue(job: PeriodicJob, *, seen_due: datetime, now: datetime) -> bool:
    """Claim the run that was due at ``seen_due`` and enqueue it, in one transaction.

    Returns False when another scheduler claimed it first (``next_run_at`` moved on).
    """
    with transaction.atomic():
        claimed = PeriodicJobState.objects.filter(name=job.name, next_run_at=seen_due).update(
            next_run_at=_next_due(seen_due, job.every, now), last_enqueued_at=now
        )
        if not claimed:
            return False
        result = job.enqueue()
        PeriodicJobState.objects.filter(name=job.name).update(
            last_task_id=str(getattr(result, "id", ""))[:64], runs=F("runs") + 1
        )
    logger.info("periodic job %s enqueued", job.name)
    return True


def seconds_until_next(jobs: Iterable[PeriodicJob], *, now: datetime | None = None) -> float:
    now = now or timezone.now()
    names = [j.name for j in jobs]
    nxt = (
        PeriodicJobState.objects.filter(name__in=names)
        .order_by("next_run_at")
        .values_list("next_run_at", flat=True)
        .first()
    )
    if nxt is None:
        return MAX_SLEEP_SECONDS
    return max(0.0, min(MAX_SLEEP_SECONDS, (nxt - now).total_seconds()))


def run_forever(stop: threading.Event, jobs: Registry | None = None) -> None:
    """The scheduler loop: sleep until a job is due (at most 30 s), enqueue, repeat, until
    ``stop`` is set. Database errors (a locked SQLite file, a restarted PostgreSQL) are logged
    and retried."""
    reg = jobs if jobs is not None else registry
    logger.info("scheduler started with %d periodic job(s): %s", len(reg), ", ".join(reg.jobs))
    synced = False
    try:
        while not stop.is_set():
            close_old_connections()
            wait = MAX_SLEEP_SECONDS
            try:
                if not synced:
                    sync_states(reg)
                    synced = True
                run_due(reg)
                wait = seconds_until_next(reg)
            except DatabaseError:
                logger.warning("scheduler: database error; retrying", exc_info=True)
                wait = 5.0
            except Exception:
                logger.exception("scheduler: unexpected error; retrying")
                wait = MAX_SLEEP_SECONDS
            stop.wait(max(wait, 0.5))
    finally:
        connection.close()
        logger.info("scheduler stopped")


def start_thread(jobs: Registry | None = None) -> tuple[threading.Thread, threading.Event]:
    """Discover the jobs, then run :func:`run_forever` in a daemon thread; set the returned
    event to stop it."""
    if jobs is None:
        jobs = discover()
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(stop, jobs), name="gridgov-scheduler", daemon=True
    )
    thread.start()
    return thread, stop
