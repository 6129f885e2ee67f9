"""Periodic job of the working-time calendar: report years needed soon with no schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic

logger = logging.getLogger("gridgov.workcal")

# How far ahead the daily check looks (the State Council usually publishes in Nov/Dec).
CHECK_AHEAD_DAYS = 60
# The administrators' inbox hears about next year from 1 December on (31 days ahead).
NOTIFY_AHEAD_DAYS = 31


@periodic(every=timedelta(days=1), name="workcal.check_missing_years")
@task()
def check_missing_years(
    ahead_days: int = CHECK_AHEAD_DAYS,
    notify_ahead_days: int = NOTIFY_AHEAD_DAYS,
    today: str = "",
) -> list[int]:
    """Log a warning for every year within ``ahead_days`` that has no official schedule, and
    put those within ``notify_ahead_days`` into the administrators' inbox (once per year).
    ``today``: an ISO date to check from instead of today (tests)."""
    from datetime import date

    from gridgov.workcal.notices import notify_missing_years
    from gridgov.workcal.selectors import missing_years

    day = date.fromisoformat(today) if today else None
    years = missing_years(ahead_days=ahead_days, today=day)
    for year in years:
        logger.warning(
            "working-time calendar: no official schedule for %d; deadlines in that year assume "
            "the statutory holidays and are provisional until an administrator enters it "
            "(/calendar/%d/edit)",
            year,
            year,
        )
    notify_missing_years(missing_years(ahead_days=notify_ahead_days, today=day))
    return years
