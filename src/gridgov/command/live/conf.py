"""The live stream's settings: a Django setting of the name, else the environment variable of
the same name (so ``gridgov serve`` can hand them to its live process), else the default."""

from __future__ import annotations

import os

from django.conf import settings


def _raw(name: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip()


def _number(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(_raw(name) or default)
    except ValueError:
        value = default
    return min(high, max(low, value))


def live_url() -> str:
    """``GRIDGOV_LIVE_URL``: where pages open the stream (absolute, or a path on the page's
    origin); empty: decided by :func:`live_port`."""
    return _raw("GRIDGOV_LIVE_URL")


def live_port() -> int:
    """``GRIDGOV_LIVE_PORT``: the port of the live process ``gridgov serve`` started (0: none,
    the stream is served on the page's own origin)."""
    return int(_number("GRIDGOV_LIVE_PORT", 0, 0, 65535))


def extra_origins() -> set[str]:
    """``GRIDGOV_LIVE_ORIGINS``: more page origins (comma-separated) allowed to open the stream
    from another origin, besides pages of the same host on any port."""
    return {o.strip().rstrip("/") for o in _raw("GRIDGOV_LIVE_ORIGINS").split(",") if o.strip()}


def max_streams() -> int:
    """``GRIDGOV_LIVE_MAX_STREAMS``: streams one process holds at once (more: 503)."""
    return int(_number("GRIDGOV_LIVE_MAX_STREAMS", 250, 1, 100_000))


def buffer_events() -> int:
    """``GRIDGOV_LIVE_BUFFER``: events waiting for one connection; a client that reads too
    slowly to stay under it is dropped (it reconnects and resumes)."""
    return int(_number("GRIDGOV_LIVE_BUFFER", 2000, 10, 1_000_000))


def send_timeout() -> float:
    """``GRIDGOV_LIVE_SEND_TIMEOUT``: seconds a write to a client may block (a client that
    never reads) before its connection is closed."""
    return _number("GRIDGOV_LIVE_SEND_TIMEOUT", 15, 1, 600)


def lifetime() -> float:
    """``GRIDGOV_LIVE_LIFETIME``: seconds a stream lives before the server ends it and the
    client reconnects by itself (with Last-Event-ID, so nothing is lost)."""
    return _number("GRIDGOV_LIVE_LIFETIME", 600, 5, 86_400)


def heartbeat() -> float:
    """``GRIDGOV_LIVE_HEARTBEAT``: seconds between two heartbeat comments."""
    return _number("GRIDGOV_LIVE_HEARTBEAT", 15, 0.5, 300)


def retention() -> float:
    """``GRIDGOV_LIVE_RETENTION``: seconds of events kept for resuming (Last-Event-ID); a
    client away for longer starts again from now."""
    return _number("GRIDGOV_LIVE_RETENTION", 600, 10, 86_400)


# How often the poller reads the feeds, how long a stream waits to batch events, how many rows
# one read takes, and how long an id skipped by the sequence (a transaction that has not yet
# committed, on PostgreSQL) is looked for again before it is given up.
POLL_SECONDS = 0.5
BATCH_SECONDS = 1.0
READ_LIMIT = 1000
GAP_SECONDS = 5.0
MAX_GAPS = 2000
RETRY_MS = 3000


def hostname(host: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``[::1]``."""
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.split(":", 1)[0]


def demo_trickle() -> bool:
    """``GRIDGOV_DEMO_TRICKLE``: report a new demo case every ~25 s so the screen moves (set
    by ``gridgov demo`` for its worker; never in production)."""
    return _raw("GRIDGOV_DEMO_TRICKLE").lower() in ("1", "true", "yes", "on")
