"""Delivery of inbox notifications through the configured external channels, run by the
background tasks in :mod:`gridgov.notifications.tasks`.

Each (notification, channel) pair gets one :class:`~gridgov.notifications.models.Delivery`
row: ``sent``, ``skipped`` (the channel cannot reach the user, or the account was deactivated)
or ``failed`` (the channel raised). Failed rows are retried by :func:`retry_failed` until
:data:`MAX_ATTEMPTS` attempts were made; each retry is claimed by a conditional UPDATE, so two
workers never send the same retry twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from gridgov.notifications.channels import Channel, configured_channels
from gridgov.notifications.models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger("gridgov.notifications")

MAX_ATTEMPTS = 3
RETRY_BATCH = 500

_EMAIL = re.compile(r"[^\s<>'\"@]+@[^\s<>'\"@]+")
_DIGITS = re.compile(r"\d{7,}")


def _error_text(exc: BaseException) -> str:
    """A short description of a failure for operators, with e-mail addresses and long
    digit runs (phone numbers) removed."""
    message = _DIGITS.sub("***", _EMAIL.sub("***", str(exc)))
    text = type(exc).__name__ + (f": {message}" if message else "")
    return " ".join(text.split())[:200]


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str = ""


def attempt(channel: Channel, notification: Notification, *, wanted: bool = True) -> Outcome:
    """Try one channel for one notification; never raises. ``wanted`` False: the recipient's
    settings turn external channels off for this kind (recorded as skipped)."""
    user = notification.recipient
    if not getattr(user, "is_active", True):
        return Outcome(DeliveryStatus.SKIPPED, "inactive account")
    if getattr(channel, "external", True) and not wanted:
        return Outcome(DeliveryStatus.SKIPPED, "turned off in the user's settings")
    try:
        if not channel.applies_to(user):
            return Outcome(DeliveryStatus.SKIPPED)
        channel.send(notification)
    except Exception as exc:
        logger.warning(
            "notification %s channel %s failed: %s",
            notification.pk,
            channel.name,
            type(exc).__name__,
        )
        return Outcome(DeliveryStatus.FAILED, _error_text(exc))
    return Outcome(DeliveryStatus.SENT)


def deliver(notification_ids: Iterable[int]) -> dict[str, int]:
    """Send the given notifications through every configured channel that has not handled
    them yet; return the number of outcomes per status."""
    ids = list(notification_ids)
    counts = {s.value: 0 for s in DeliveryStatus}
    channels = configured_channels()
    if not ids or not channels:
        return counts
    done = set(
        Delivery.objects.filter(notification_id__in=ids).values_list("notification_id", "channel")
    )
    notifications = list(Notification.objects.filter(pk__in=ids).select_related("recipient"))
    wanted = _email_wanted(notifications)
    for notification in notifications:
        rows = []
        for channel in channels:
            if (notification.pk, channel.name) in done:
                continue
            outcome = attempt(channel, notification, wanted=wanted[notification.pk])
            counts[outcome.status] += 1
            rows.append(
                Delivery(
                    notification=notification,
                    channel=channel.name,
                    status=outcome.status,
                    attempts=0 if outcome.status == DeliveryStatus.SKIPPED else 1,
                    error=outcome.error,
                    at=timezone.now(),
                )
            )
        if rows:
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return counts


def _email_wanted(notifications: list[Notification]) -> dict[int, bool]:
    """Per notification: does its recipient want its topic by e-mail (external channels)?"""
    from gridgov.notifications.preferences import choices_for
    from gridgov.notifications.topics import topic_of

    choices = choices_for(
        {n.recipient_id for n in notifications}, {topic_of(n.kind) for n in notifications}
    )
    return {n.pk: choices[(n.recipient_id, topic_of(n.kind))].email for n in notifications}


def retry_failed(*, max_attempts: int = MAX_ATTEMPTS, batch: int = RETRY_BATCH) -> dict[str, int]:
    """Retry failed deliveries that have had fewer than ``max_attempts`` attempts, oldest
    first, at most ``batch`` of them; return the number of outcomes per status."""
    counts = {s.value: 0 for s in DeliveryStatus}
    by_name = {c.name: c for c in configured_channels()}
    due = (
        Delivery.objects.filter(status=DeliveryStatus.FAILED, attempts__lt=max_attempts)
        .select_related("notification__recipient")
        .order_by("at", "id")[:batch]
    )
    for delivery in list(due):
        now = timezone.now()
        channel = by_name.get(delivery.channel)
        if channel is None:
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
                status=DeliveryStatus.SKIPPED, error="channel not configured", at=now
            )
            counts[DeliveryStatus.SKIPPED] += 1
            continue
        claimed = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.FAILED, attempts=delivery.attempts
        ).update(attempts=F("attempts") + 1, at=now)
        if not claimed:
            continue  # another worker took it
        notification = delivery.notification
        outcome = attempt(
            channel, notification, wanted=_email_wanted([notification])[notification.pk]
        )
        counts[outcome.status] += 1
        Delivery.objects.filter(pk=delivery.pk).update(
            status=outcome.status, error=outcome.error, at=timezone.now()
        )
    return counts
