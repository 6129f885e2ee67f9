"""Two workers run the alert rules at the same moment (PostgreSQL: two connections, both read
"no open alert" before either inserts): one alert is raised, the other run counts it as seen,
and the dispatchers get one notice. (On SQLite transactions start IMMEDIATE, so two runs take
turns; the lost insert itself is covered in test_alerts_engine.)"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from gridgov.accounts.roles import Perm, Role
from gridgov.command.alerts import services
from gridgov.command.models import Alert
from gridgov.command.registry import AlertHit, AlertRule
from gridgov.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two concurrent writers"),
]

NOW = datetime(2025, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_two_workers_at_once_raise_one_alert(
    tree: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = make_user("d_street", (Role.DISPATCHER, tree.street))
    rule = AlertRule(
        key="test.race",
        title="竞争",
        perm=Perm.CASE_VIEW,
        check=lambda now: [AlertHit(area_id=tree.grid1.pk, fingerprint="a", title="同一预警")],
    )
    both_read = threading.Barrier(2, timeout=20)
    real = services._raise

    def after_both_read(*args: Any) -> Any:
        both_read.wait()  # each run has read "no open alert" in its own transaction
        return real(*args)

    monkeypatch.setattr(services, "_raise", after_both_read)
    results: list[services.RunResult] = []
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connections

        try:
            results.append(services.run_rules(now=NOW, rules=[rule]))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted((r.raised, r.seen, tuple(r.failed)) for r in results) == [(0, 1, ()), (1, 0, ())]
    assert Alert.objects.filter(rule="test.race").count() == 1
    assert Notification.objects.filter(recipient=dispatcher, kind="command.alert").count() == 1
