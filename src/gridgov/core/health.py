"""``/health``: is this server fit to take traffic? For a load balancer and for monitoring.

Each check is a function that returns ``None`` when all is well or a short problem text that
names no person, path, address, version or exception (it is shown to anyone who asks).
:data:`CHECKS` lists them; one more is one more ``(name, function)`` pair. A check that raises
counts as failed ("check failed"); the exception goes to the log, never into the answer.

The answer is JSON, 200 when every check passes and 503 otherwise::

    {"status": "ok", "checks": {"database": {"status": "ok"}, "worker": {"status": "ok"},
                                "disk": {"status": "ok"}, "field_key": {"status": "ok"}}}
    {"status": "fail", "checks": {..., "worker": {"status": "fail",
                                  "problem": "no worker heartbeat for more than 10 minutes"}}}

:class:`HealthMiddleware` answers it first in the middleware chain: no session, no sign-in,
no CSRF, no https redirect and no ``ALLOWED_HOSTS`` check (a balancer often probes by
address), and nothing else of the site is reachable that way.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger("gridgov.health")

HEALTH_PATH = "/health"
WORKER_HEARTBEAT = "worker"

Check = Callable[[], str | None]


def check_database() -> str | None:
    """A trivial query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return None if row and row[0] == 1 else "the database answered wrongly"


def record_heartbeat(*, now: datetime | None = None) -> datetime:
    """Note that a worker ran a task now (the periodic job ``core.heartbeat``)."""
    from gridgov.core.models import Heartbeat

    now = now or timezone.now()
    worker = f"{socket.gethostname()[:60]}-{os.getpid()}"
    Heartbeat.objects.update_or_create(
        name=WORKER_HEARTBEAT, defaults={"at": now, "worker_id": worker}
    )
    return now


def check_worker() -> str | None:
    """The worker's heartbeat is younger than ``GRIDGOV_HEALTH_WORKER_MINUTES``: the
    scheduler enqueues ``core.heartbeat`` every minute and a worker runs it."""
    from gridgov.core.models import Heartbeat

    minutes = settings.GRIDGOV_HEALTH_WORKER_MINUTES
    seen = Heartbeat.objects.filter(name=WORKER_HEARTBEAT).values_list("at", flat=True).first()
    if seen is None:
        return "no worker heartbeat yet"
    if timezone.now() - seen > timedelta(minutes=minutes):
        return f"no worker heartbeat for more than {minutes} minutes"
    return None


def check_disk() -> str | None:
    """At least ``GRIDGOV_HEALTH_MIN_FREE_MB`` free in the data folder's file system."""
    free_mb = shutil.disk_usage(settings.DATA_DIR).free // (1024 * 1024)
    if free_mb < settings.GRIDGOV_HEALTH_MIN_FREE_MB:
        return f"less than {settings.GRIDGOV_HEALTH_MIN_FREE_MB} MB free in the data folder"
    return None


def check_field_key() -> str | None:
    """The configured field key opens the database's personal data (its fingerprint matches the
    one stored, see :mod:`gridgov.core.keys`). The detail (fingerprints, where the key comes
    from) stays in ``gridgov check --deploy``; here only that it fails."""
    from gridgov.core.keys import field_key_problem

    if field_key_problem():
        return "the field key does not open the stored personal data"
    return None


# The checks in the order they run. Add one as ("name", function).
CHECKS: list[tuple[str, Check]] = [
    ("database", check_database),
    ("worker", check_worker),
    ("disk", check_disk),
    ("field_key", check_field_key),
]


def run_checks(checks: list[tuple[str, Check]] | None = None) -> dict[str, Any]:
    """Run every check; the overall status is "ok" only when each one passes."""
    results: dict[str, dict[str, str]] = {}
    for name, check in CHECKS if checks is None else checks:
        try:
            problem = check()
        except Exception:
            logger.warning("health check %s raised", name, exc_info=True)
            problem = "check failed"
        results[name] = (
            {"status": "ok"} if problem is None else {"status": "fail", "problem": problem}
        )
    ok = all(r["status"] == "ok" for r in results.values())
    return {"status": "ok" if ok else "fail", "checks": results}


def health_response(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response
    report = run_checks()
    body = b"" if request.method == "HEAD" else json.dumps(report).encode()
    response = HttpResponse(
        body,
        status=200 if report["status"] == "ok" else 503,
        content_type="application/json; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class HealthMiddleware:
    """Answers ``/health`` before any other middleware (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            return health_response(request)
        return self.get_response(request)
