"""Inbox titles in the reader's language.

A notification stores its title as text in the language of the moment it was written (the
acting user's), and — for the kinds whose sender registered a title here — the title's key
and parameters (``params["title"] = {"key": …, "args": {…}}``). The inbox, the API and the
other readers show :func:`render` of those in the reader's language; a row without a key, or
with a key or parameters no longer known, shows its stored text.

Senders register their titles once (``register("case.assigned", gettext_lazy("New case to
sign for: %(case)s"))``) and pass ``title_key``/``title_args`` to
:func:`gridgov.notifications.services.notify`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PARAM = "title"

_TITLES: dict[str, Any] = {}


def register(key: str, text: Any) -> None:
    """``text``: a lazily translated message with ``%(name)s`` placeholders."""
    _TITLES[key] = text


def stored(key: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """What :func:`notify` keeps in ``params`` for a title."""
    return {PARAM: {"key": key, "args": dict(args)}}


def render(params: Any) -> str | None:
    """The title in the active language, or None when ``params`` holds no usable title."""
    if not isinstance(params, Mapping):
        return None
    title = params.get(PARAM)
    if not isinstance(title, Mapping):
        return None
    text = _TITLES.get(str(title.get("key", "")))
    args = title.get("args")
    if text is None or not isinstance(args, Mapping):
        return None
    try:
        return str(text) % dict(args)
    except (KeyError, TypeError, ValueError):
        return None
