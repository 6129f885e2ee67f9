"""What the broadcaster reads: every registered feed, and the alerts (rows of
:class:`~gridgov.command.models.Alert`, written by the alerts job in whichever process runs it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gridgov.accounts.roles import Perm
from gridgov.command import registry
from gridgov.command.live.broadcaster import Item, Source
from gridgov.command.registry import Feed, LiveEvent

ALERTS = "alerts"


def event_json(event: LiveEvent) -> dict[str, Any]:
    """A live event as the stream and the API send it (``perm`` stays on the server)."""
    return {
        "feed": event.feed,
        "cursor": event.cursor,
        "at": event.at.isoformat(),
        "area_path": event.area_path,
        "action": event.action,
        "label": event.label,
        "item_kind": event.item_kind,
        "item_id": event.item_id,
        "lat": event.lat,
        "lng": event.lng,
    }


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def feed_source(feed: Feed) -> Source:
    def after(cursor: int, limit: int) -> list[Item]:
        return [
            Item(
                feed=feed.key,
                cursor=e.cursor,
                area_path=e.area_path,
                perms=(feed.perm, e.perm) if e.perm else (feed.perm,),
                event="live",
                json=_dumps(event_json(e)),
            )
            for e in feed.after(cursor, limit)
        ]

    return Source(key=feed.key, after=after, head=feed.head)


def alert_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """An alert as the alerts API lists it."""
    return {
        "id": row["id"],
        "rule": row["rule"],
        "level": row["level"],
        "title": row["title"],
        "area": {"id": row["area_id"], "name": row["area__name"]},
        "raised_at": row["raised_at"].isoformat(),
        "item_kind": row["item_kind"],
        "item_id": row["item_id"],
        "acknowledged": row["acknowledged_at"] is not None,
    }


def _alerts_after(cursor: int, limit: int) -> list[Item]:
    from gridgov.command.models import Alert

    rows = (
        Alert.objects.filter(id__gt=cursor)
        .order_by("id")
        .values(
            "id",
            "rule",
            "level",
            "title",
            "area_id",
            "area__name",
            "area_path",
            "raised_at",
            "item_kind",
            "item_id",
            "acknowledged_at",
        )[: max(0, limit)]
    )
    out = []
    for row in rows:
        try:
            perm = registry.alert_rules.get(row["rule"]).perm
        except KeyError:
            perm = Perm.COMMAND_VIEW
        out.append(
            Item(
                feed=ALERTS,
                cursor=row["id"],
                area_path=row["area_path"],
                perms=(Perm.COMMAND_VIEW, perm),
                event="alert",
                json=_dumps(alert_json(row)),
            )
        )
    return out


def _alerts_head() -> int:
    from gridgov.command.models import Alert

    return Alert.objects.order_by("-id").values_list("id", flat=True).first() or 0


def all_sources() -> list[Source]:
    """The registered feeds and the alerts."""
    sources = [feed_source(f) for f in registry.feeds.all()]
    sources.append(Source(key=ALERTS, after=_alerts_after, head=_alerts_head))
    return sources
