"""Writes of the inbox: :func:`notify` (called by other apps inside their action's
transaction), marking read, and the retention prune.

Delivery through the external channels (log, e-mail, SMS/WeChat adapters) is not done here:
:func:`notify` enqueues one background task on commit, see :mod:`gridgov.notifications.delivery`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.errors import NotFound
from gridgov.notifications import titles, topics
from gridgov.notifications.models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger("gridgov.notifications")

# Read notifications older than this are deleted by the weekly prune.
RETENTION_DAYS = 180
# Sent and skipped delivery records older than this are deleted by the weekly prune.
DELIVERY_RETENTION_DAYS = 30


def _clip(text: str, length: int) -> str:
    return (text or "")[:length]


@dataclass(frozen=True)
class Message:
    """One message to some recipients (by user id), for :func:`notify_many`."""

    recipient_ids: tuple[int, ...]
    kind: str
    title: str
    body: str = ""
    url: str = ""
    target_type: str = ""
    target_id: str = ""
    dedupe_key: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # True for the digest itself (its topic's "daily digest" choice does not hold it back).
    is_digest: bool = False


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    target: models.Model | None = None,
    dedupe_key: str = "",
    params: dict[str, Any] | None = None,
    is_digest: bool = False,
    title_key: str = "",
    title_args: dict[str, Any] | None = None,
) -> int:
    """Put one notification into the inbox of each active recipient; return how many.

    Call it inside the action's transaction: the inbox rows are written with it (one
    ``bulk_create``) and the external channels are delivered by a background task enqueued
    on commit. Recipients are deduplicated; inactive accounts are skipped, and so are those
    whose settings keep this kind's topic out of the inbox or in the daily digest
    (:mod:`gridgov.notifications.preferences`). With a non-empty ``dedupe_key``, a recipient
    who still has an unread notification with that key is skipped. ``url`` should be a
    same-site relative link (the inbox refuses to follow anything else). ``title_key`` (a
    key registered in :mod:`gridgov.notifications.titles`) and ``title_args`` let readers see
    the title in their own language; ``title`` is kept as the fallback.
    """
    if title_key:
        params = {**(params or {}), **titles.stored(title_key, title_args or {})}
    ids: list[int] = []
    for user in recipients:
        if user is None or user.pk is None or not getattr(user, "is_active", True):
            continue
        ids.append(user.pk)
    return notify_many(
        [
            Message(
                recipient_ids=tuple(ids),
                kind=kind,
                title=title,
                body=body,
                url=url,
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
                dedupe_key=dedupe_key,
                params=params or {},
                is_digest=is_digest,
            )
        ]
    )


def notify_many(messages: list[Message]) -> int:
    """:func:`notify` for many messages at once (the deadline sweep): the settings of all
    recipients in one query, the deduplication look-up in one query per 500 keys, the rows in
    one insert and one delivery task on commit. Recipient ids are trusted to be active users
    (the callers select them so). Returns how many rows were written."""
    from gridgov.notifications.preferences import choices_for

    if not messages:
        return 0
    kinds = {m.kind: topics.topic_of(m.kind) for m in messages}
    users = {pk for m in messages for pk in m.recipient_ids}
    if not users:
        return 0
    choices = choices_for(users, set(kinds.values()))
    planned: list[tuple[int, Message]] = []
    for m in messages:
        topic = kinds[m.kind]
        seen: set[int] = set()
        for pk in m.recipient_ids:
            if pk in seen:
                continue
            seen.add(pk)
            choice = choices[(pk, topic)]
            if not choice.inbox or (choice.digest and not m.is_digest):
                continue
            planned.append((pk, m))
    keys = sorted({_clip(m.dedupe_key, 200) for _pk, m in planned if m.dedupe_key})
    already: set[tuple[int, str]] = set()
    if keys:
        who = sorted({pk for pk, m in planned if m.dedupe_key})
        for i in range(0, len(keys), 500):
            already.update(
                Notification.objects.filter(
                    recipient_id__in=who, dedupe_key__in=keys[i : i + 500], read_at__isnull=True
                ).values_list("recipient_id", "dedupe_key")
            )
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=_clip(m.kind, 50),
                title=_clip(m.title, 200),
                body=m.body or "",
                url=_clip(m.url, 500),
                target_type=_clip(m.target_type, 50),
                target_id=_clip(m.target_id, 64),
                dedupe_key=_clip(m.dedupe_key, 200),
                params=m.params,
                created_at=now,
            )
            for pk, m in planned
            if not m.dedupe_key or (pk, _clip(m.dedupe_key, 200)) not in already
        ],
        batch_size=500,
    )
    ids = [n.pk for n in rows if n.pk is not None]
    if ids:
        transaction.on_commit(lambda: _enqueue_delivery(ids), robust=True)
    return len(rows)


def _enqueue_delivery(ids: list[int]) -> None:
    from gridgov.notifications.tasks import deliver_notifications

    deliver_notifications.enqueue(notification_ids=ids)


def notification_mark_read(*, actor: Any, pk: int) -> Notification:
    """Mark one of the actor's own notifications read (idempotent). Another user's is a 404."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(recipient=actor, pk=pk).first()
        )
        if notification is None:
            raise NotFound(_("Notification not found."))
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; return how many changed."""
    with transaction.atomic():
        return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notifications_prune(
    *,
    older_than_days: int = RETENTION_DAYS,
    deliveries_older_than_days: int = DELIVERY_RETENTION_DAYS,
) -> int:
    """Delete read notifications created more than ``older_than_days`` ago (with their
    delivery records), and sent/skipped delivery records older than
    ``deliveries_older_than_days``. Unread notifications are kept. Returns the number of
    notifications deleted."""
    now = timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    old = Notification.objects.filter(created_at__lt=cutoff, read_at__isnull=False)
    with transaction.atomic():
        Delivery.objects.filter(notification__in=old.values("pk")).delete()
        deleted = old._raw_delete(old.db)
        Delivery.objects.filter(
            at__lt=now - timedelta(days=deliveries_older_than_days),
            status__in=[DeliveryStatus.SENT, DeliveryStatus.SKIPPED],
        ).delete()
    logger.info("notifications pruned: %d", deleted)
    return int(deleted)
