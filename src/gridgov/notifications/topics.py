"""Topics: what a user can switch on and off in their notification settings.

A notification has a machine-readable ``kind`` ("case.assigned"); kinds are grouped into a
few *topics* that people understand ("new cases to sign for", "overdue cases" …). A user's
:class:`~gridgov.notifications.models.NotificationPreference` is per topic: in the inbox or
not, also by e-mail or not, and for a *digest* topic (overdue cases) a daily digest instead of
one message per case. A kind that no topic names belongs to the topic ``other``.

Apps add their kinds to a topic with :func:`register` in their ``notify`` module (imported
when the topics are first needed; see :mod:`gridgov.cases.notify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass
class Topic:
    key: str
    label: Any
    help: Any = ""
    kinds: set[str] = field(default_factory=set)
    # True: the topic can come as one daily digest per person instead of one message per case
    # (and does so by default).
    digest: bool = False


OTHER = "other"

_TOPICS: dict[str, Topic] = {}
_BY_KIND: dict[str, str] = {}


def register(
    key: str, label: Any, kinds: list[str], *, help: Any = "", digest: bool = False
) -> Topic:
    """Add a topic (or more kinds to one already registered)."""
    topic = _TOPICS.get(key)
    if topic is None:
        topic = _TOPICS[key] = Topic(key=key, label=label, help=help, digest=digest)
    topic.kinds.update(kinds)
    for kind in kinds:
        _BY_KIND[kind] = key
    return topic


def topic_of(kind: str) -> str:
    """The topic key of a notification kind (``other`` when none names it)."""
    _load()
    return _BY_KIND.get(kind, OTHER)


def all_topics() -> list[Topic]:
    """Every topic, in registration order, with ``other`` last."""
    _load()
    topics = [t for k, t in _TOPICS.items() if k != OTHER]
    return [*topics, _TOPICS[OTHER]]


def get(key: str) -> Topic | None:
    _load()
    return _TOPICS.get(key)


_loaded: list[bool] = []


def _load() -> None:
    """Import every installed app's ``notify`` module, where apps register their topics (once
    per process)."""
    if not _loaded:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("notify")
        _loaded.append(True)


register(OTHER, _("Other notifications"), [], help=_("Everything not listed above."))
