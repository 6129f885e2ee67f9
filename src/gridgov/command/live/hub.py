"""The process's one :class:`~gridgov.command.live.broadcaster.Broadcaster`."""

from __future__ import annotations

import threading

from gridgov.command.live.broadcaster import Broadcaster

_lock = threading.Lock()
_broadcaster: Broadcaster | None = None


def broadcaster() -> Broadcaster:
    global _broadcaster
    with _lock:
        if _broadcaster is None:
            from gridgov.command.live.sources import all_sources

            _broadcaster = Broadcaster(all_sources)
        return _broadcaster


def running() -> Broadcaster | None:
    """The broadcaster if this process has one (no stream ever connected: None)."""
    return _broadcaster


def reset() -> None:
    """Stop this process's broadcaster and forget it (tests: a new database, new cursors)."""
    global _broadcaster
    with _lock:
        if _broadcaster is not None:
            _broadcaster.stop()
        _broadcaster = None
