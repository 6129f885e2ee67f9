"""services.notify(): inbox rows, deduplication, inactive accounts, the delivery task on commit."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gridgov.notifications.models import Notification
from gridgov.notifications.services import notify


def test_notify_writes_one_row_per_recipient(make_user):
    a, b = make_user("a"), make_user("b")
    n = notify(
        recipients=[a, b], kind="case.assigned", title="Case 42", body="Go", url="/cases/42/"
    )
    assert n == 2
    rows = Notification.objects.order_by("recipient_id")
    assert [r.recipient_id for r in rows] == [a.pk, b.pk]
    assert {(r.kind, r.title, r.body, r.url, r.read_at) for r in rows} == {
        ("case.assigned", "Case 42", "Go", "/cases/42/", None)
    }


def test_notify_records_the_target(make_user):
    a, b = make_user("a"), make_user("b")
    notify(recipients=[a], kind="x", title="t", target=b)
    row = Notification.objects.get()
    assert (row.target_type, row.target_id) == ("accounts.user", str(b.pk))


def test_notify_counts_a_repeated_recipient_once(make_user):
    a = make_user("a")
    assert notify(recipients=[a, a], kind="x", title="t") == 1
    assert Notification.objects.count() == 1


def test_notify_skips_inactive_users(make_user):
    a, gone = make_user("a"), make_user("gone", is_active=False)
    assert notify(recipients=[a, gone], kind="x", title="t") == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [a.pk]


def test_notify_with_no_recipients_writes_nothing(make_user):
    assert notify(recipients=[], kind="x", title="t") == 0
    assert not Notification.objects.exists()


def test_notify_dedupes_against_unread_notifications(make_user):
    a, b = make_user("a"), make_user("b")
    notify(recipients=[a], kind="case.overdue", title="t", dedupe_key="case:1:overdue")
    assert (
        notify(recipients=[a, b], kind="case.overdue", title="t", dedupe_key="case:1:overdue") == 1
    )
    assert Notification.objects.filter(recipient=a).count() == 1
    assert Notification.objects.filter(recipient=b).count() == 1


def test_notify_dedupe_ignores_read_notifications(make_user):
    a = make_user("a")
    notify(recipients=[a], kind="case.overdue", title="t", dedupe_key="k")
    Notification.objects.update(read_at=timezone.now())
    assert notify(recipients=[a], kind="case.overdue", title="t", dedupe_key="k") == 1
    assert Notification.objects.count() == 2


def test_notify_without_dedupe_key_always_writes(make_user):
    a = make_user("a")
    notify(recipients=[a], kind="x", title="t")
    assert notify(recipients=[a], kind="x", title="t") == 1
    assert Notification.objects.count() == 2


def test_notify_accepts_a_queryset_and_uses_few_queries(make_user):
    from gridgov.accounts.models import User

    for i in range(5):
        make_user(f"u{i}")
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        assert notify(recipients=User.objects.all(), kind="x", title="t", dedupe_key="k") == 5
    # the users, the settings, the dedupe look-up, one insert; the task is enqueued on commit
    # (+ its insert)
    inside = [q for q in ctx.captured_queries if "dbtaskresult" not in q["sql"].lower()]
    assert len(inside) <= 6


def test_notify_enqueues_one_delivery_task_on_commit(make_user, django_capture_on_commit_callbacks):
    a, b = make_user("a"), make_user("b")
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        notify(recipients=[a, b], kind="x", title="t")
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()
    task = DBTaskResult.objects.get()
    assert task.task_path == "gridgov.notifications.tasks.deliver_notifications"
    ids = sorted(Notification.objects.values_list("pk", flat=True))
    assert sorted(task.args_kwargs["kwargs"]["notification_ids"]) == ids


def test_notify_rolled_back_with_the_callers_transaction(make_user):
    a = make_user("a")
    try:
        with transaction.atomic():
            notify(recipients=[a], kind="x", title="t")
            raise RuntimeError
    except RuntimeError:
        pass
    assert not Notification.objects.exists()
    assert not DBTaskResult.objects.exists()
