"""Periodic jobs of mediation (found by :mod:`gridgov.core.scheduler`, which imports every
app's ``tasks`` module): each topic keeps its own in its sub-package."""

from gridgov.mediation.disputes import tasks as disputes  # noqa: F401  (mediation.sweep)
from gridgov.mediation.screening import tasks as screening  # noqa: F401  (mediation.screening_rounds)
