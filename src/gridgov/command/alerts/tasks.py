"""Periodic jobs of command-centre alerts (picked up by :mod:`gridgov.core.scheduler`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django_tasks import task

from gridgov.core.scheduler import periodic


@periodic(every=timedelta(minutes=2), name="command.alerts")
@task()
def run_alert_rules() -> dict[str, Any]:
    """Evaluate every registered alert rule: raise, keep and clear alerts and send new ones to
    the inbox (:func:`gridgov.command.alerts.services.run_rules`)."""
    from gridgov.command.alerts.services import run_rules

    return run_rules().as_dict()


@periodic(every=timedelta(days=1), name="command.alerts_prune")
@task()
def prune_alerts() -> dict[str, int]:
    """Delete cleared alerts older than GRIDGOV_ALERT_RETENTION_DAYS
    (:func:`gridgov.command.alerts.services.alerts_prune`)."""
    from gridgov.command.alerts.services import alerts_prune

    return {"deleted": alerts_prune()}
