"""Maintained indicator counters (CaseStat) and the selectors that read them.

:func:`on_event` is called by :func:`gridgov.cases.services.timeline.record_event` for every
timeline entry, inside the same transaction.
"""

from __future__ import annotations

from typing import Any


def on_event(*, case: Any, event: Any) -> None:
    """Move the CaseStat counters of ``case``'s area and all its ancestors for ``event``."""
    return None
