"""Reads and the one write of users' notification settings (per topic, see
:mod:`gridgov.notifications.topics`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from gridgov.notifications import topics
from gridgov.notifications.models import NotificationPreference


@dataclass(frozen=True)
class Choice:
    inbox: bool = True
    email: bool = True
    digest: bool = False


def default_choice(topic_key: str) -> Choice:
    topic = topics.get(topic_key)
    return Choice(digest=bool(topic and topic.digest))


def _from_row(row: NotificationPreference) -> Choice:
    topic = topics.get(row.topic)
    return Choice(
        inbox=row.inbox, email=row.email, digest=bool(topic and topic.digest and row.digest)
    )


def choices_for(
    user_ids: Iterable[int], topic_keys: Iterable[str]
) -> dict[tuple[int, str], Choice]:
    """Every (user, topic) pair's choice; one query (rows exist only for changed settings)."""
    users = sorted(set(user_ids))
    keys = sorted(set(topic_keys))
    found: dict[tuple[int, str], Choice] = {(u, k): default_choice(k) for u in users for k in keys}
    for i in range(0, len(users), 500):
        for row in NotificationPreference.objects.filter(
            user_id__in=users[i : i + 500], topic__in=keys
        ):
            found[(row.user_id, row.topic)] = _from_row(row)
    return found


def settings_for(*, actor: Any) -> list[tuple[topics.Topic, Choice]]:
    """The actor's choice for every topic, for the settings page and the API."""
    all_topics = topics.all_topics()
    mine = choices_for([actor.pk], [t.key for t in all_topics])
    return [(t, mine[(actor.pk, t.key)]) for t in all_topics]


def preferences_update(*, actor: Any, values: dict[str, Choice]) -> int:
    """Save the actor's choices (unknown topics are ignored); return how many topics changed.
    A choice equal to the default deletes the row (one's own inbox settings are not audited)."""
    changed = 0
    current = dict((t.key, c) for t, c in settings_for(actor=actor))
    with transaction.atomic():
        for key, choice in values.items():
            topic = topics.get(key)
            if topic is None:
                continue
            choice = Choice(choice.inbox, choice.email, bool(topic.digest and choice.digest))
            if current.get(key) == choice:
                continue
            changed += 1
            if choice == default_choice(key):
                NotificationPreference.objects.filter(user=actor, topic=key).delete()
            else:
                NotificationPreference.objects.update_or_create(
                    user=actor,
                    topic=key,
                    defaults={
                        "inbox": choice.inbox,
                        "email": choice.email,
                        "digest": choice.digest,
                    },
                )
    return changed
