"""Notification topics of the command centre (found by :mod:`gridgov.notifications.topics`):
each topic keeps its own in its sub-package."""

from gridgov.command.alerts import notify as alerts  # noqa: F401
from gridgov.command.reports import notify as reports  # noqa: F401
from gridgov.command.screen import notify as screen  # noqa: F401
