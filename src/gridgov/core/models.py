"""Bookkeeping of the core plumbing: the schedule of periodic jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJobState(models.Model):
    """When a periodic job (see :mod:`gridgov.core.scheduler`) is next due.

    One row per registered job. A scheduler claims a due run with a conditional UPDATE on
    ``next_run_at`` (it must still hold the value the scheduler read), so however many workers
    run, each run is enqueued exactly once.
    """

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"))
    next_run_at = models.DateTimeField(_("next run"))
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    last_task_id = models.CharField(_("last task result"), max_length=64, blank=True)
    runs = models.PositiveIntegerField(_("runs enqueued"), default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Revision(models.Model):
    """The current token of a kind of reference data that processes keep in memory (see
    :mod:`gridgov.core.revisions`). A writer gives it a new random token in its transaction."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    token = models.BigIntegerField(_("token"), default=0)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.name} r{self.token}"


class Heartbeat(models.Model):
    """When a background process last proved itself alive: the row ``worker`` is written by
    the periodic job ``core.heartbeat``, so its age shows that the scheduler enqueues and a
    worker runs tasks (see :mod:`gridgov.core.health`)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    at = models.DateTimeField(_("last seen"))
    worker_id = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S%z}"
