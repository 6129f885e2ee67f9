"""Periodic jobs of mediation (found by :func:`gridgov.core.scheduler.discover`, which imports
each app's ``tasks`` module): each topic's jobs live in its own ``tasks.py``."""

from gridgov.mediation.disputes import tasks as disputes  # noqa: F401  (mediation.sweep)
from gridgov.mediation.screening.tasks import open_screening_rounds

__all__ = ["open_screening_rounds"]
