"""Background tasks of the notifications app: delivery through the external channels, the
retry of failed deliveries and the weekly retention prune (periodic jobs, see
:mod:`gridgov.core.scheduler`)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from gridgov.core.scheduler import periodic


@task()
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send freshly created notifications through every configured channel (enqueued on
    commit by :func:`gridgov.notifications.services.notify`, one task per call)."""
    from gridgov.notifications.delivery import deliver

    return deliver(notification_ids)


@periodic(every=timedelta(minutes=10), name="notifications.retry")
@task()
def retry_failed_deliveries() -> dict[str, int]:
    """Retry failed deliveries (at most three attempts in all)."""
    from gridgov.notifications.delivery import retry_failed

    return retry_failed()


@periodic(every=timedelta(days=7), name="notifications.prune")
@task()
def prune_notifications() -> int:
    """Delete read notifications older than 180 days and old delivery records."""
    from gridgov.notifications.services import notifications_prune

    return notifications_prune()
