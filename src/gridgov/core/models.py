"""Bookkeeping of the core plumbing: the schedule of periodic jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


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


class FieldKeyState(models.Model):
    """Which field key the database's personal data is encrypted with (one row, pk 1), and the
    progress of an unfinished rotation (see :mod:`gridgov.core.keys`).

    Only fingerprints are stored (a truncated HMAC of a fixed label under the key), never a key.
    """

    fingerprint = models.CharField(_("key fingerprint"), max_length=32)
    # Fingerprints of the keys an unfinished rotation is moving away from ([] when none).
    retiring = models.JSONField(_("keys being retired"), default=list, blank=True)
    # {"app_label.Model": last primary key done} during a rotation.
    progress = models.JSONField(_("rotation progress"), default=dict, blank=True)
    rotation_started_at = models.DateTimeField(_("rotation started"), null=True, blank=True)
    rotation_finished_at = models.DateTimeField(_("rotation finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("field key state")
        verbose_name_plural = _("field key state")

    def __str__(self) -> str:
        return self.fingerprint


class TaskResult(DBTaskResult):
    """django-tasks-db's task results under a Chinese name on the admin pages (its own model
    has a fixed English one); :mod:`gridgov.core.admin` shows this proxy instead."""

    class Meta:
        proxy = True
        verbose_name = _("background task result")
        verbose_name_plural = _("background task results")


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
