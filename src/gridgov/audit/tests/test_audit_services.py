"""The audit log is append-only and keeps at least 180 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.audit.models import AuditEntry, Event
from gridgov.audit.services import audit_prune, audit_record
from gridgov.core.context import client_ip
from gridgov.core.errors import ValidationFailed


def _aged(days: int) -> AuditEntry:
    entry = audit_record(event=Event.LOGIN_OK, actor_name="old")
    # Back-date through SQL: the model itself refuses updates.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=days), entry.pk],
        )
    return entry


def test_entries_cannot_be_changed_or_deleted(db):
    entry = audit_record(event=Event.LOGIN_OK, actor_name="a")
    entry.actor_name = "b"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(actor_name="c")
    assert AuditEntry.objects.get(pk=entry.pk).actor_name == "a"


def test_prune_never_deletes_younger_than_retention(db):
    young = _aged(179)
    old = _aged(400)
    with pytest.raises(ValidationFailed):
        audit_prune(older_than_days=30)
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    deleted = audit_prune(older_than_days=180)
    assert deleted == 1
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    assert AuditEntry.objects.filter(event=Event.AUDIT_PRUNED).count() == 1


def test_client_ip_is_recorded_from_request_context(db):
    token = client_ip.set("10.1.2.3")
    try:
        entry = audit_record(event=Event.LOGOUT, actor_name="x")
    finally:
        client_ip.reset(token)
    assert entry.ip == "10.1.2.3"
