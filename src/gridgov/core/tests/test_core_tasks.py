"""The periodic housekeeping tasks."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gridgov.audit.models import AuditEntry, Event
from gridgov.audit.services import audit_record
from gridgov.core.tasks import prune_audit_log, prune_task_results


def _backdate_audit(entry: AuditEntry, days: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=days), entry.pk],
        )


def test_prune_audit_log_keeps_the_retention_period(db, settings):
    settings.GRIDGOV_AUDIT_RETENTION_DAYS = 180
    old = audit_record(event=Event.LOGIN_OK, actor_name="old")
    young = audit_record(event=Event.LOGIN_OK, actor_name="young")
    _backdate_audit(old, 181)
    _backdate_audit(young, 179)
    assert prune_audit_log.call() == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_prune_task_results_deletes_only_old_finished_results(db):
    old = prune_audit_log.enqueue().db_result
    recent = prune_audit_log.enqueue().db_result
    waiting = prune_audit_log.enqueue().db_result
    long_ago = timezone.now() - timedelta(days=30)
    DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL", finished_at=long_ago)
    DBTaskResult.objects.filter(pk=recent.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now()
    )
    assert prune_task_results.call(older_than_days=14) == 1
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
