"""The weekly prune: read notifications older than 180 days go, unread ones stay."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gridgov.core.scheduler import registry
from gridgov.notifications.models import Delivery, DeliveryStatus, Notification
from gridgov.notifications.tasks import prune_notifications


def _row(user, *, age_days: int, read: bool) -> Notification:
    at = timezone.now() - timedelta(days=age_days)
    return Notification.objects.create(
        recipient=user, kind="x", title="t", created_at=at, read_at=at if read else None
    )


def test_prune_deletes_old_read_notifications_only(make_user):
    a = make_user("a")
    old_read = _row(a, age_days=181, read=True)
    old_unread = _row(a, age_days=181, read=False)
    young_read = _row(a, age_days=179, read=True)
    Delivery.objects.create(notification=old_read, channel="log", status=DeliveryStatus.SENT)
    assert prune_notifications.call() == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        old_unread.pk,
        young_read.pk,
    }
    assert not Delivery.objects.exists()


def test_prune_deletes_old_sent_deliveries_but_keeps_failed(make_user):
    a = make_user("a")
    n = _row(a, age_days=1, read=False)
    long_ago = timezone.now() - timedelta(days=31)
    Delivery.objects.create(notification=n, channel="log", status="sent", at=long_ago)
    Delivery.objects.create(notification=n, channel="email", status="failed", at=long_ago)
    prune_notifications.call()
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["email"]


def test_periodic_jobs_are_registered():
    jobs = registry.jobs  # registered when gridgov.notifications.tasks was imported
    assert jobs["notifications.prune"].every == timedelta(days=7)
    assert jobs["notifications.retry"].every == timedelta(minutes=10)
