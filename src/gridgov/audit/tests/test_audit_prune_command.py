"""``gridgov prune-audit``: a thin command over audit_prune that refuses a short retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from gridgov.audit.models import AuditEntry, Event
from gridgov.audit.services import audit_record


def _aged(days: int) -> AuditEntry:
    entry = audit_record(event=Event.LOGIN_OK, actor_name="x")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=days), entry.pk],
        )
    return entry


def test_prune_audit_deletes_entries_older_than_days(db, capsys):
    old, young = _aged(400), _aged(200)
    call_command("prune_audit", "--days", "365")
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    assert "1" in capsys.readouterr().out


def test_prune_audit_refuses_less_than_retention_and_deletes_nothing(db):
    old = _aged(400)
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="180"):
        call_command("prune_audit", "--days", "30")
    assert AuditEntry.objects.count() == before
    assert AuditEntry.objects.filter(pk=old.pk).exists()
