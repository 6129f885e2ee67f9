"""Logs: a request by IP address (a Host not allowed) is one WARNING line without a traceback;
timestamps carry their time-zone offset; the time zone is a setting."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from gridgov.core.config import time_zone
from gridgov.core.logs import OffsetFormatter, QuietSecurityFilter

pytestmark = pytest.mark.django_db


def _console_formatter() -> logging.Formatter:
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert handler.formatter is not None
    return handler.formatter


def test_a_request_by_ip_address_is_400_and_one_warning_without_traceback(caplog):
    with caplog.at_level(logging.INFO):
        response = Client().get("/accounts/login/", HTTP_HOST="203.0.113.7")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name.startswith("django.security")]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    line = _console_formatter().format(record)
    assert "Traceback" not in line and "\n" not in line
    assert "WARNING django.security.DisallowedHost Invalid HTTP_HOST header" in line


def test_other_suspicious_requests_lose_their_traceback_at_the_console():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.security.SuspiciousFileOperation", logging.ERROR, __file__, 1, "bad", (), exc_info
    )
    assert QuietSecurityFilter().filter(record)
    assert record.levelname == "WARNING" and record.exc_info is None
    other = logging.LogRecord("gridgov.worker", logging.ERROR, __file__, 1, "x", (), exc_info)
    QuietSecurityFilter().filter(other)
    assert other.levelno == logging.ERROR and other.exc_info is not None


def test_timestamps_carry_the_offset_of_the_time_zone(settings):
    record = logging.LogRecord("gridgov", logging.INFO, __file__, 1, "hello", (), None)
    record.created = 1_767_225_600.25  # 2026-01-01T00:00:00.250Z
    line = _console_formatter().format(record)
    assert line == "2026-01-01T08:00:00.250+08:00 INFO gridgov hello"
    settings.TIME_ZONE = "Asia/Urumqi"
    assert OffsetFormatter("%(asctime)s").format(record) == "2026-01-01T06:00:00.250+06:00"


def test_the_time_zone_setting(monkeypatch):
    monkeypatch.delenv("GRIDGOV_TIME_ZONE", raising=False)
    assert time_zone() == "Asia/Shanghai"
    monkeypatch.setenv("GRIDGOV_TIME_ZONE", " Asia/Urumqi ")
    assert time_zone() == "Asia/Urumqi"
    monkeypatch.setenv("GRIDGOV_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="GRIDGOV_TIME_ZONE"):
        time_zone()
    assert django_settings.GRIDGOV_WORK_TIMEZONE == django_settings.TIME_ZONE


def test_the_working_day_follows_the_time_zone_setting(settings):
    from datetime import UTC, date, datetime

    from gridgov.cases.indicators import local_day

    moment = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)  # 01:30 in Beijing, 23:30 in Urumqi
    assert local_day(moment) == date(2026, 1, 2)
    settings.GRIDGOV_WORK_TIMEZONE = "Asia/Urumqi"
    assert local_day(moment) == date(2026, 1, 1)
    assert re.fullmatch(r"[A-Za-z_]+/[A-Za-z_]+", settings.TIME_ZONE)
