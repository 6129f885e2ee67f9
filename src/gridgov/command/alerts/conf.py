"""The thresholds of the alert rules (settings ``GRIDGOV_ALERT_*``, read when a rule runs so
that tests and operators may change them; see docs/command-centre.md, "Alerts")."""

from __future__ import annotations

from django.conf import settings

# name → default
DEFAULTS: dict[str, int] = {
    # Most hits one rule may report per run (the oldest first); the rest wait for a later run.
    "GRIDGOV_ALERT_MAX_HITS": 500,
    # Most alert notices one person gets per run; the others are summed up in one notice.
    "GRIDGOV_ALERT_NOTIFY_MAX": 20,
    # Cleared alerts raised longer ago than this many days are deleted (daily).
    "GRIDGOV_ALERT_RETENTION_DAYS": 180,
    # A case overdue by more than this many working days (red).
    "GRIDGOV_ALERT_OVERDUE_DAYS": 3,
    # A street's or community's overdue cases at or above this many (orange).
    "GRIDGOV_ALERT_OVERDUE_STOCK": 10,
    # The same category in one grid at least this many times in the last 7 days.
    "GRIDGOV_ALERT_REPEAT_COUNT": 3,
    # Today's intake of a street or community at least this many times the mean of the same
    # weekday in the last 4 weeks …
    "GRIDGOV_ALERT_SPIKE_FACTOR": 2,
    # … and at least this many cases.
    "GRIDGOV_ALERT_SPIKE_MIN": 10,
}


def value(name: str) -> int:
    """The integer setting ``name`` (its default when unset or not a number)."""
    raw = getattr(settings, name, None)
    try:
        return int(raw) if raw is not None else DEFAULTS[name]
    except (TypeError, ValueError):
        return DEFAULTS[name]
