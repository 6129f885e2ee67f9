"""The import job: one uploaded workbook of one sheet kind and what became of it.

The model was ``rosters.ImportJob`` until the kernel took it over; its table was renamed, so
jobs (and the ``job`` ids in roster events and audit entries) survived the upgrade.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportJob(models.Model):
    """One uploaded workbook: progress while the worker runs it, counts and the error sheet
    when done. ``dedup_key`` identifies a submission (actor, kind, area, mode, parameters and
    the file's SHA-256), so sending the same file again returns this job instead of a second
    import; "import again" clears it on the old job first."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import job", "Waiting")
        RUNNING = "running", pgettext_lazy("import job", "Importing")
        DONE = "done", pgettext_lazy("import job", "Finished")
        FAILED = "failed", pgettext_lazy("import job", "Failed")

    kind = models.CharField(_("kind"), max_length=30)  # a key of gridgov.kernel.imports.registry
    mode = models.CharField(_("mode"), max_length=10)  # "valid" or "all"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True)
    # What the kind needs besides the file (e.g. the party organisation imported into).
    params = models.JSONField(default=dict, blank=True)
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(editable=False)  # the upload; cleared when finished
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    dedup_key = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)  # a per-file error, translated when written
    error_sheet = models.BinaryField(null=True, editable=False)
    # What the kind reports besides the counts (e.g. the case numbers of a 12345 import).
    result = models.JSONField(default=dict, blank=True)
    # The client's token for this upload: a retried submission finds the first job.
    client_token = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "client_token"],
                condition=~Q(client_token=""),
                name="importjob_unique_client_token",
            ),
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=~Q(dedup_key=""),
                name="importjob_unique_dedup_key",
            ),
        ]
        indexes = [models.Index(fields=["actor", "created_at"], name="importjob_actor_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        total = self.total_rows or 0
        return min(100, round(self.processed_rows * 100 / total)) if total else 0

    @property
    def not_imported(self) -> int:
        """Valid rows left out (all or nothing with problems)."""
        existing = int((self.result or {}).get("existing") or 0)
        written = self.created_count + self.updated_count + self.error_count + existing
        return max(0, (self.total_rows or 0) - written)
