"""Notification topics of mediation (found by :mod:`gridgov.notifications.topics`, which
imports every app's ``notify`` module): each topic keeps its own in its sub-package."""

from gridgov.mediation.disputes import notify as disputes  # noqa: F401  (mediation.* topics)
