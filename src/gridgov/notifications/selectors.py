"""Reads of the inbox. A user only ever reads their own notifications, so scoping here is
"recipient = the actor" (no jurisdiction involved)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridgov.core.errors import NotFound
from gridgov.notifications.models import Notification


def inbox_for(*, actor: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's notifications, newest first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=actor)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(*, actor: Any) -> int:
    """How many unread notifications the actor has (one COUNT on the inbox index)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def notification_get_for(*, actor: Any, pk: int) -> Notification:
    """One of the actor's notifications; anybody else's is :class:`NotFound`."""
    notification = inbox_for(actor=actor).filter(pk=pk).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    return notification
