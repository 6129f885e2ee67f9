"""Periodic jobs of the command centre (found by :mod:`gridgov.core.scheduler`): each topic keeps
its own in its sub-package."""

from gridgov.command.alerts import tasks as alerts  # noqa: F401
from gridgov.command.live import tasks as live  # noqa: F401
from gridgov.command.reports import tasks as reports  # noqa: F401
