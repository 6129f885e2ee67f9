"""/api/v1/notifications: the caller's own inbox. Another user's notification is a 404, as if
it did not exist. Every write goes through :mod:`gridgov.notifications.services`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.areas.api import ErrorOut
from gridgov.core.errors import ValidationFailed
from gridgov.core.pagination import paged
from gridgov.notifications import preferences, selectors, services
from gridgov.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description='Machine-readable kind, e.g. "case.assigned"')
    title: str
    body: str
    url: str = Field(description="Same-site relative link to the subject, or empty")
    target_type: str = Field(description='e.g. "cases.case", or empty')
    target_id: str
    params: dict[str, Any] = Field(
        description='Structured content of some kinds, e.g. an overdue digest\'s "cases"'
    )
    created_at: datetime
    read_at: datetime | None
    is_read: bool

    @staticmethod
    def resolve_title(obj: Any) -> str:
        # In the request's language when the sender stored the title's key and parameters.
        return str(obj.display_title)


class CountOut(Schema):
    count: int


class UpdatedOut(Schema):
    updated: int = Field(description="How many notifications were marked read")


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


@router.get("/", response={200: list[NotificationOut], codes_4xx: ErrorOut})
@paged
def notification_list(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    """Your notifications, newest first; `unread=true` for the unread ones only."""
    return selectors.inbox_for(actor=_actor(request), unread_only=unread)


@router.get("/unread-count", response={200: CountOut, codes_4xx: ErrorOut})
def notification_unread_count(request: HttpRequest) -> dict[str, int]:
    """How many unread notifications you have (for a badge)."""
    return {"count": selectors.unread_count(actor=_actor(request))}


@router.post("/read-all", response={200: UpdatedOut, codes_4xx: ErrorOut})
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    """Mark all your notifications read."""
    return {"updated": services.notification_mark_all_read(actor=_actor(request))}


class SettingOut(Schema):
    topic: str = Field(description='e.g. "case.overdue"')
    label: str
    inbox: bool = Field(description="Notifications of this topic reach the inbox")
    email: bool = Field(description="… and are also sent by e-mail (external channels)")
    digest: bool = Field(description="Once a day as a digest (only where digest_available)")
    digest_available: bool


class SettingIn(Schema):
    topic: str
    inbox: bool = True
    email: bool = True
    digest: bool = True


class SettingsIn(Schema):
    settings: list[SettingIn] = Field(description="The topics to change; others stay as they are")


def _settings(actor: Any) -> list[dict[str, Any]]:
    return [
        {
            "topic": topic.key,
            "label": str(topic.label),
            "inbox": choice.inbox,
            "email": choice.email,
            "digest": choice.digest,
            "digest_available": topic.digest,
        }
        for topic, choice in preferences.settings_for(actor=actor)
    ]


@router.get("/settings", response={200: list[SettingOut], codes_4xx: ErrorOut})
def notification_settings(request: HttpRequest) -> list[dict[str, Any]]:
    """Your notification settings, one entry per topic."""
    return _settings(_actor(request))


@router.put("/settings", response={200: list[SettingOut], codes_4xx: ErrorOut})
def notification_settings_update(request: HttpRequest, payload: SettingsIn) -> list[dict[str, Any]]:
    """Change your settings for the topics given (others stay); unknown topics are a 400."""
    actor = _actor(request)
    known = {t.key for t, _c in preferences.settings_for(actor=actor)}
    unknown = sorted({p.topic for p in payload.settings} - known)
    if unknown:
        raise ValidationFailed(
            _("Unknown notification topic: %(topics)s") % {"topics": ", ".join(unknown)},
            fields={"topic": _("Not a notification topic.")},
        )
    preferences.preferences_update(
        actor=actor,
        values={p.topic: preferences.Choice(p.inbox, p.email, p.digest) for p in payload.settings},
    )
    return _settings(actor)


@router.post("/{notification_id}/read", response={200: NotificationOut, codes_4xx: ErrorOut})
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    """Mark one of your notifications read (repeating it changes nothing)."""
    return services.notification_mark_read(actor=_actor(request), pk=notification_id)
