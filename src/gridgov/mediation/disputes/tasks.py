"""Periodic jobs of the disputes (picked up by :mod:`gridgov.core.scheduler`)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic


@periodic(every=timedelta(minutes=5), name="mediation.sweep")
@task()
def sweep_disputes() -> dict[str, int]:
    """The deadline sweep (:func:`gridgov.mediation.disputes.sweep.sweep`): overdue marks,
    OVERDUE timeline entries and notifications."""
    from gridgov.mediation.disputes.sweep import sweep

    return sweep().as_dict()
