"""Logging helpers used by ``LOGGING`` in settings: timestamps with their time-zone offset, and
suspicious requests logged as one line.

Timestamps are in ``TIME_ZONE`` (``GRIDGOV_TIME_ZONE``), the office's time; the offset makes each
line unambiguous (and comparable with UTC logs of nginx or PostgreSQL).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

SECURITY_LOGGERS = "django.security."


class OffsetFormatter(logging.Formatter):
    """``%(asctime)s`` as ISO 8601 with milliseconds and offset: 2026-03-01T09:30:00.123+08:00."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        name = getattr(settings, "TIME_ZONE", None) if settings.configured else None
        self.zone = ZoneInfo(name) if name else None  # None: the process's local time

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=self.zone or UTC)
        if self.zone is None:
            moment = moment.astimezone()
        if datefmt:
            return moment.strftime(datefmt)
        return moment.isoformat(timespec="milliseconds")


class QuietSecurityFilter(logging.Filter):
    """Django logs a refused request (a Host not in ``ALLOWED_HOSTS`` — a scanner asking by IP
    address —, a body too large, a bad file name …) on ``django.security.*`` at ERROR with the
    traceback. These are the client's errors, answered 400: keep one WARNING line, without the
    traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SECURITY_LOGGERS) and record.levelno >= logging.ERROR:
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
