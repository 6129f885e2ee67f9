"""Background tasks of the core plumbing, and the periodic jobs that run them.

Periodic jobs of other apps register in their own ``tasks.py`` (see :mod:`gridgov.core.scheduler`).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from gridgov.core.scheduler import periodic

# Finished task results older than this are deleted by the weekly prune.
TASK_RESULT_RETENTION_DAYS = 14


@periodic(every=timedelta(days=1), name="audit.prune")
@task()
def prune_audit_log() -> int:
    """Delete audit entries older than ``GRIDGOV_AUDIT_RETENTION_DAYS`` (never under 180)."""
    from gridgov.audit.services import audit_prune

    return audit_prune(older_than_days=settings.GRIDGOV_AUDIT_RETENTION_DAYS)


@periodic(every=timedelta(days=7), name="tasks.prune_results")
@task()
def prune_task_results(older_than_days: int = TASK_RESULT_RETENTION_DAYS) -> int:
    """Delete finished background-task results older than ``older_than_days`` (database
    backend only; other backends keep their own results)."""
    if "django_tasks_db" not in settings.INSTALLED_APPS:
        return 0
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return int(deleted)


@periodic(every=timedelta(minutes=1), name="core.heartbeat")
@task()
def heartbeat() -> str:
    """Record that a worker ran a task just now (``/health`` checks its age)."""
    from gridgov.core.health import record_heartbeat

    return record_heartbeat().isoformat()
