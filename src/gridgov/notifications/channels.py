"""Pluggable external delivery channels for inbox notifications.

Every notification lands in the in-app inbox first (:func:`gridgov.notifications.services.notify`).
A background task then hands it to every configured *channel*; each attempt is recorded as a
:class:`~gridgov.notifications.models.Delivery` row (sent / failed / skipped), and failed ones
are retried by a periodic job (at most :data:`gridgov.notifications.delivery.MAX_ATTEMPTS`
attempts).

Channels are listed by dotted path in the setting ``GRIDGOV_NOTIFICATION_CHANNELS`` (default:
the log and e-mail channels below).

Adding an adapter (SMS, WeChat, DingTalk …)
--------------------------------------------

Write a subclass of :class:`Channel` in any module, e.g. ``mysite/sms.py``::

    from gridgov.notifications.channels import Channel

    class SmsChannel(Channel):
        name = "sms"                       # stable, short: stored in Delivery.channel

        def applies_to(self, user) -> bool:
            return bool(user.mobile)       # skipped (and recorded so) when False

        def send(self, notification) -> None:
            # Raise on failure: the delivery is recorded as failed and retried later.
            my_sms_gateway.send(to=notification.recipient.mobile, text=notification.title)

and add it to the settings::

    GRIDGOV_NOTIFICATION_CHANNELS = [
        "gridgov.notifications.channels.LogChannel",
        "gridgov.notifications.channels.EmailChannel",
        "mysite.sms.SmsChannel",
    ]

Rules for a channel: ``send`` runs in the background worker, outside any transaction; it must
raise on failure (any exception) and return normally on success; it may be called again for
the same notification after a failure, so it should be safe to retry; it must not log personal
data (titles, bodies, phone numbers, addresses). Keep the ``name`` stable: renaming it orphans
the delivery records of the old name.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from gridgov.notifications.models import Notification

logger = logging.getLogger("gridgov.notifications")

DEFAULT_CHANNELS = [
    "gridgov.notifications.channels.LogChannel",
    "gridgov.notifications.channels.EmailChannel",
]


class Channel:
    """Base class of a delivery channel. Subclasses set ``name`` and implement ``send``."""

    name: str = ""
    # An external channel (e-mail, SMS …) is used only for topics the user gets "also by
    # e-mail" (their notification settings); the log channel is not external.
    external: bool = True

    def applies_to(self, user: Any) -> bool:
        """Whether this channel can reach ``user`` at all (e.g. has an e-mail address)."""
        return True

    def send(self, notification: Notification) -> None:
        """Deliver one notification; raise on failure."""
        raise NotImplementedError


class LogChannel(Channel):
    """Writes one line per notification to the ``gridgov.notifications`` logger: the
    notification id, its kind and the recipient id — never its text."""

    name = "log"
    external = False

    def send(self, notification: Notification) -> None:
        logger.info(
            "notification %s kind=%s recipient=%s",
            notification.pk,
            notification.kind,
            notification.recipient_id,
        )


def absolute_url(url: str) -> str:
    """``url`` made absolute with ``GRIDGOV_BASE_URL`` (if it is a site-relative path)."""
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//"):
        base = str(getattr(settings, "GRIDGOV_BASE_URL", "") or "").rstrip("/")
        return base + url
    return url


class EmailChannel(Channel):
    """Sends the notification by e-mail (Django's ``send_mail``, so ``EMAIL_*`` settings apply)
    to users who have an e-mail address."""

    name = "email"

    def applies_to(self, user: Any) -> bool:
        return bool(getattr(user, "email", ""))

    def send(self, notification: Notification) -> None:
        # A header must be one line.
        subject = " ".join(notification.display_title.split())
        parts = [notification.body.strip()] if notification.body.strip() else []
        link = absolute_url(notification.url)
        if link:
            parts.append(link)
        send_mail(
            subject=subject,
            message="\n\n".join(parts) + "\n",
            from_email=None,
            recipient_list=[notification.recipient.email],
            fail_silently=False,
        )


@cache
def _load(paths: tuple[str, ...]) -> tuple[Channel, ...]:
    channels: list[Channel] = []
    for path in paths:
        cls = import_string(path)
        channel = cls()
        if not getattr(channel, "name", ""):
            raise ValueError(f"Notification channel {path} has no name.")
        channels.append(channel)
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise ValueError("Notification channel names must be unique.")
    return tuple(channels)


def configured_channels() -> tuple[Channel, ...]:
    """The channels of ``GRIDGOV_NOTIFICATION_CHANNELS``, instantiated once per setting value."""
    paths = getattr(settings, "GRIDGOV_NOTIFICATION_CHANNELS", DEFAULT_CHANNELS)
    return _load(tuple(paths))
