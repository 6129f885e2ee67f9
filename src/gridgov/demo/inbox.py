"""The demo's inboxes as people would have left them: the demo's weeks of history are read,
except what still waits for the reader (a case still to sign for, a case still to verify),
and the overdue cases of the history arrive as today's digest — so nobody starts with 99+
unread notices (issue 13)."""

from __future__ import annotations

from django.utils import timezone


def settle_demo_inboxes(*, days: int) -> dict[str, int]:
    """Run the deadline sweep now, send today's overdue digest covering the last ``days``
    days, and mark every other notice read unless its case still waits for the reader.
    Returns counts for the build's progress output."""
    from datetime import timedelta

    from gridgov.cases.digest import send_overdue_digests
    from gridgov.cases.models import Case
    from gridgov.cases.notify import DIGEST_KIND
    from gridgov.cases.states import Status
    from gridgov.cases.supervision import sweep
    from gridgov.notifications.models import Notification

    now = timezone.now()
    sweep(now=now)
    digest = send_overdue_digests(since=now - timedelta(days=days), until=now)
    # What still waits for its reader: a case to sign for (the unit's notice) and a case to
    # verify (the dispatchers' notice).
    waiting = {
        "case.assigned": Status.ASSIGNED,
        "case.escalated": Status.ASSIGNED,
        "case.resolved": Status.RESOLVED,
    }
    open_cases = {
        (kind, str(pk))
        for kind, status in waiting.items()
        for pk in Case.objects.filter(status=status).values_list("pk", flat=True)
    }
    history = [
        pk
        for pk, kind, target in Notification.objects.filter(read_at__isnull=True)
        .exclude(kind=DIGEST_KIND)
        .values_list("pk", "kind", "target_id")
        if (kind, target) not in open_cases
    ]
    for i in range(0, len(history), 500):
        Notification.objects.filter(pk__in=history[i : i + 500]).update(read_at=now)
    return {"digests": digest.sent, "read": len(history)}
