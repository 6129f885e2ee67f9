"""Periodic job of the working-time calendar: report years needed soon with no schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic

logger = logging.getLogger("gridgov.workcal")

# How far ahead the daily check looks (the State Council usually publishes in Nov/Dec).
CHECK_AHEAD_DAYS = 60


@periodic(every=timedelta(days=1), name="workcal.check_missing_years")
@task()
def check_missing_years(ahead_days: int = CHECK_AHEAD_DAYS) -> list[int]:
    """Log a warning for every year within ``ahead_days`` that has no official schedule."""
    from gridgov.workcal.selectors import missing_years

    years = missing_years(ahead_days=ahead_days)
    for year in years:
        logger.warning(
            "working-time calendar: no official schedule for %d; deadlines in that year use "
            "the Monday-Friday rule until an administrator enters it (/calendar/%d/edit)",
            year,
            year,
        )
    return years
