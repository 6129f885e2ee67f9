"""Periodic jobs of the cases app (picked up by :mod:`gridgov.core.scheduler`)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic


@periodic(every=timedelta(minutes=5), name="cases.sweep")
@task()
def sweep_cases() -> dict[str, int]:
    """The deadline sweep (:func:`gridgov.cases.supervision.sweep`): due-soon and overdue
    marks, OVERDUE timeline entries and notifications."""
    from gridgov.cases.supervision import sweep

    return sweep().as_dict()


@periodic(every=timedelta(minutes=1), name="cases.search_index")
@task()
def index_cases() -> dict[str, int]:
    """Add new cases to the keyword index (:func:`gridgov.cases.search.index_pending`)."""
    from gridgov.cases.search import index_pending

    return {"indexed": index_pending()}


@task()
def recompute_deadlines(years: list[int]) -> dict[str, object]:
    """Recompute the provisional deadlines of open cases once ``years`` have an official
    schedule (:func:`gridgov.cases.services.deadlines.deadlines_recompute`); enqueued on the
    working-time calendar's ``schedule_entered`` signal (:mod:`gridgov.cases.apps`)."""
    from gridgov.cases.services.deadlines import deadlines_recompute

    return deadlines_recompute(years=years).as_dict()


@periodic(every=timedelta(hours=1), name="cases.overdue_digest")
@task()
def send_overdue_digest() -> dict[str, int]:
    """The daily digest of overdue cases (:func:`gridgov.cases.digest.send_overdue_digests`),
    sent on the first hourly run at or after ``GRIDGOV_DIGEST_HOUR`` local time; later runs of
    the day send nothing more."""
    from django.utils import timezone

    from gridgov.cases.digest import digest_hour, send_overdue_digests

    if timezone.localtime().hour < digest_hour():
        return {"cases": 0, "people": 0, "sent": 0}
    return send_overdue_digests().as_dict()
