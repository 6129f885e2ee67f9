"""The in-app inbox (one ``Notification`` row per recipient) and the record of its delivery
through the external channels (one ``Delivery`` row per notification and channel).

Rows are written only by :mod:`gridgov.notifications.services` and
:mod:`gridgov.notifications.delivery`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in one user's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # A short machine-readable kind such as "case.assigned" (not shown to users).
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    # A same-site relative link ("/cases/42/") opened from the inbox.
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.CharField(_("target type"), max_length=50, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    # While an unread notification with this key exists, the same key is not notified again.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    # Structured content of some kinds, e.g. the cases of an overdue digest
    # ({"cases": [[id, number, title], …], "total": n}); rendered by the inbox page.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread page, the unread count and "mark all read".
            models.Index(fields=["recipient", "read_at", "created_at"], name="notif_inbox"),
            # The inbox page (all messages, newest first) without sorting a long inbox.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recent"),
            # notify()'s deduplication look-up: only unread rows with a key.
            models.Index(
                fields=["recipient", "dedupe_key"],
                name="notif_dedupe",
                condition=Q(read_at__isnull=True) & ~Q(dedupe_key=""),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language when the sender stored its key and parameters
        (:mod:`gridgov.notifications.titles`), else the stored text."""
        from gridgov.notifications.titles import render

        return render(self.params) or self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Delivery(models.Model):
    """The outcome of sending one notification through one external channel."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The exception class and a short message; never the notification's text.
    error = models.CharField(_("error"), max_length=200, blank=True)
    at = models.DateTimeField(_("last attempt"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_unique_channel"
            )
        ]
        indexes = [
            # The retry job reads only failed rows; the prune reads old rows.
            models.Index(
                fields=["attempts", "at"],
                name="delivery_failed",
                condition=Q(status="failed"),
            ),
            models.Index(fields=["at"], name="delivery_at"),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationPreference(models.Model):
    """One user's choice for one topic (:mod:`gridgov.notifications.topics`). Without a row
    the defaults apply: in the inbox, by e-mail, and a daily digest for digest topics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    topic = models.CharField(_("topic"), max_length=50)
    inbox = models.BooleanField(_("in the inbox"), default=True)
    email = models.BooleanField(_("also by e-mail"), default=True)
    digest = models.BooleanField(_("daily digest"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="notif_pref_unique_topic")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic}"
