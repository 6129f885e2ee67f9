"""Periodic job of screening: open the rounds of the current period (registered with
:mod:`gridgov.core.scheduler` when :mod:`gridgov.mediation.tasks` is imported)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic


@periodic(every=timedelta(hours=1), name="mediation.screening_rounds")
@task()
def open_screening_rounds() -> dict[str, int]:
    """Open the round of the current week or month for every active screening plan, with a
    pending return per grid (:func:`gridgov.mediation.screening.services.screening_rounds_open_due`);
    idempotent, so hourly runs only add what a new period or a new grid needs."""
    from gridgov.mediation.screening.services import screening_rounds_open_due

    return screening_rounds_open_due().as_dict()
