"""Delivery through the channels: log (no text in the log), e-mail (test outbox and a real SMTP
server on loopback), failures recorded and retried, the background task end to end."""

from __future__ import annotations

import email
import logging
from email.policy import default as default_policy
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from gridgov.notifications.delivery import MAX_ATTEMPTS, deliver
from gridgov.notifications.models import Delivery, DeliveryStatus, Notification
from gridgov.notifications.services import notify
from gridgov.notifications.tasks import deliver_notifications, retry_failed_deliveries
from gridgov.notifications.tests.smtp_sink import SmtpSink

LOG = "gridgov.notifications.channels.LogChannel"
EMAIL = "gridgov.notifications.channels.EmailChannel"
FLAKY = "gridgov.notifications.tests.test_notifications_delivery.FlakyChannel"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class FlakyChannel:
    """A test channel that fails while ``failing`` is true."""

    name = "flaky"
    failing = True
    sent: list[int] = []

    def applies_to(self, user: Any) -> bool:
        return True

    def send(self, notification: Notification) -> None:
        if FlakyChannel.failing:
            raise ConnectionError("gateway down for 13800001234 <alice@example.org>")
        FlakyChannel.sent.append(notification.pk)


@pytest.fixture(autouse=True)
def _flaky_reset() -> Any:
    FlakyChannel.failing = True
    FlakyChannel.sent = []
    yield


@pytest.fixture
def alice(make_user):
    return make_user("alice", email="alice@example.org")


def one(recipient: Any, **kw: Any) -> Notification:
    defaults = {"kind": "case.assigned", "title": "案件 42 已派单", "body": "请及时签收"}
    defaults.update(kw)
    notify(recipients=[recipient], **defaults)
    return Notification.objects.filter(recipient=recipient).latest("id")


# --- Log channel ------------------------------------------------------------------------------


def test_log_channel_logs_ids_and_kind_but_no_text(settings, alice, caplog):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG]
    n = one(alice, body="居民张三 13800001234")
    with caplog.at_level(logging.INFO, logger="gridgov.notifications"):
        assert deliver([n.pk])["sent"] == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "gridgov.notifications"]
    assert any(
        str(n.pk) in m and "case.assigned" in m and f"recipient={alice.pk}" in m for m in messages
    )
    text = caplog.text
    assert "案件" not in text and "张三" not in text and "13800001234" not in text
    assert Delivery.objects.get().status == DeliveryStatus.SENT


# --- E-mail channel ---------------------------------------------------------------------------


def test_email_channel_sends_title_body_and_absolute_link(settings, alice, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    settings.GRIDGOV_BASE_URL = "https://gov.example.cn/"
    n = one(alice, url="/cases/42/")
    deliver([n.pk])
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "案件 42 已派单"
    assert "请及时签收" in mail.body and "https://gov.example.cn/cases/42/" in mail.body
    d = Delivery.objects.get()
    assert (d.channel, d.status, d.attempts) == ("email", DeliveryStatus.SENT, 1)


def test_email_channel_skips_users_without_address(settings, make_user, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG, EMAIL]
    bob = make_user("bob")
    n = one(bob)
    deliver([n.pk])
    assert mailoutbox == []
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"log": DeliveryStatus.SENT, "email": DeliveryStatus.SKIPPED}


def test_email_subject_is_one_line(settings, alice, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    n = one(alice, title="第一行\n第二行")
    deliver([n.pk])
    assert mailoutbox[0].subject == "第一行 第二行"


def test_email_through_a_real_smtp_server(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "gridgov@example.cn"
    settings.GRIDGOV_BASE_URL = "http://127.0.0.1:8000"
    n = one(alice, url="/inbox/")
    with SmtpSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        deliver([n.pk])
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(sink.messages) == 1
    msg = email.message_from_bytes(sink.messages[0], policy=default_policy)
    assert msg["To"] == "alice@example.org"
    assert msg["Subject"] == "案件 42 已派单"
    content = msg.get_content()
    assert "请及时签收" in content and "http://127.0.0.1:8000/inbox/" in content


def test_email_to_an_unreachable_server_is_recorded_failed(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as sink:
        port = sink.port  # a loopback port nobody listens on once the sink has closed
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    n = one(alice)
    assert deliver([n.pk])["failed"] == 1
    d = Delivery.objects.get()
    assert d.status == DeliveryStatus.FAILED and d.attempts == 1
    assert d.error.startswith("ConnectionRefusedError")


# --- Failures and retries ---------------------------------------------------------------------


def test_failing_channel_is_recorded_without_personal_data(settings, alice, caplog):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG, FLAKY]
    n = one(alice)
    with caplog.at_level(logging.INFO, logger="gridgov.notifications"):
        counts = deliver([n.pk])
    assert counts == {"sent": 1, "failed": 1, "skipped": 0}
    d = Delivery.objects.get(channel="flaky")
    assert d.status == DeliveryStatus.FAILED and d.attempts == 1
    assert d.error.startswith("ConnectionError: gateway down")
    assert "13800001234" not in d.error and "alice@example.org" not in d.error
    assert "13800001234" not in caplog.text and "alice@example.org" not in caplog.text


def test_retry_sends_a_failed_delivery_once_the_channel_recovers(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [FLAKY]
    n = one(alice)
    deliver([n.pk])
    FlakyChannel.failing = False
    assert retry_failed_deliveries.call() == {"sent": 1, "failed": 0, "skipped": 0}
    d = Delivery.objects.get()
    assert (d.status, d.attempts, d.error) == (DeliveryStatus.SENT, 2, "")
    assert FlakyChannel.sent == [n.pk]


def test_retry_stops_after_max_attempts(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [FLAKY]
    n = one(alice)
    deliver([n.pk])
    for _ in range(MAX_ATTEMPTS + 2):
        retry_failed_deliveries.call()
    d = Delivery.objects.get()
    assert (d.status, d.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    FlakyChannel.failing = False
    assert retry_failed_deliveries.call()["sent"] == 0
    assert FlakyChannel.sent == []


def test_retry_leaves_sent_deliveries_alone(settings, alice, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    n = one(alice)
    deliver([n.pk])
    retry_failed_deliveries.call()
    assert len(mailoutbox) == 1


def test_retry_skips_a_channel_no_longer_configured(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [FLAKY]
    n = one(alice)
    deliver([n.pk])
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG]
    retry_failed_deliveries.call()
    d = Delivery.objects.get(notification=n)
    assert (d.status, d.attempts) == (DeliveryStatus.SKIPPED, 1)


def test_delivering_twice_sends_once(settings, alice, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG, EMAIL]
    n = one(alice)
    deliver([n.pk])
    assert deliver([n.pk]) == {"sent": 0, "failed": 0, "skipped": 0}
    assert len(mailoutbox) == 1
    assert Delivery.objects.count() == 2


def test_account_deactivated_before_delivery_is_skipped(settings, alice, mailoutbox):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    n = one(alice)
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    deliver([n.pk])
    assert mailoutbox == []
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED


# --- The background task ----------------------------------------------------------------------


def test_notify_delivers_on_commit_through_the_task_backend(
    settings, alice, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG, EMAIL]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(recipients=[alice], kind="case.assigned", title="派单", url="/cases/1/")
        assert not Delivery.objects.exists()
    assert len(mailoutbox) == 1
    assert set(Delivery.objects.values_list("channel", "status")) == {
        ("log", DeliveryStatus.SENT),
        ("email", DeliveryStatus.SENT),
    }


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_delivery_task(settings, alice, mailoutbox):
    # Real commits (the worker closes its database connection when it is done).
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [EMAIL]
    with transaction.atomic():
        notify(recipients=[alice], kind="case.assigned", title="派单")
    assert mailoutbox == []  # queued, not yet run
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert len(mailoutbox) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_delivery_task_ignores_missing_notifications(settings, alice):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [LOG]
    assert deliver_notifications.call(notification_ids=[987654]) == {
        "sent": 0,
        "failed": 0,
        "skipped": 0,
    }


def test_failed_deliveries_are_listed_in_the_back_office(settings, make_user, alice, client):
    settings.GRIDGOV_NOTIFICATION_CHANNELS = [FLAKY]
    deliver([one(alice).pk])
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    r = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert r.status_code == 200
    assert "ConnectionError" in r.content.decode()
