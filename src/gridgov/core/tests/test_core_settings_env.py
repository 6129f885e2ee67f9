"""Settings read from the environment by this issue's options: HSTS (preload off by default),
the time zone, the health thresholds. The settings module is read in a child process, as a
server reads it at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2]

PROBE = (
    "import json; from gridgov import settings as s; print(json.dumps({k: getattr(s, k, None) "
    "for k in ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SILENCED_SYSTEM_CHECKS', 'TIME_ZONE', 'GRIDGOV_WORK_TIMEZONE', "
    "'GRIDGOV_HEALTH_WORKER_MINUTES', 'GRIDGOV_HEALTH_MIN_FREE_MB']}))"
)


def settings_with(tmp_path: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    clean.update(GRIDGOV_DATA_DIR=str(tmp_path), PYTHONPATH=str(SOURCE.parent), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_defaults(tmp_path):
    s = settings_with(tmp_path)
    assert s["SECURE_HSTS_SECONDS"] == 0 and s["SECURE_HSTS_PRELOAD"] is False
    assert s["TIME_ZONE"] == s["GRIDGOV_WORK_TIMEZONE"] == "Asia/Shanghai"
    assert (s["GRIDGOV_HEALTH_WORKER_MINUTES"], s["GRIDGOV_HEALTH_MIN_FREE_MB"]) == (10, 1024)


def test_hsts_behind_https_is_a_year_with_subdomains_and_without_preload(tmp_path):
    s = settings_with(tmp_path, GRIDGOV_SECURE="1")
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is False
    assert s["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]


def test_preload_and_max_age_are_chosen(tmp_path):
    s = settings_with(
        tmp_path, GRIDGOV_SECURE="1", GRIDGOV_HSTS_PRELOAD="1", GRIDGOV_HSTS_SECONDS="300"
    )
    assert s["SECURE_HSTS_PRELOAD"] is True and s["SECURE_HSTS_SECONDS"] == 300
    assert s["SILENCED_SYSTEM_CHECKS"] is None
    # Preload means nothing without HTTPS.
    assert settings_with(tmp_path, GRIDGOV_HSTS_PRELOAD="1")["SECURE_HSTS_PRELOAD"] is False


def test_time_zone_and_health_thresholds(tmp_path):
    s = settings_with(
        tmp_path,
        GRIDGOV_TIME_ZONE="Asia/Urumqi",
        GRIDGOV_HEALTH_WORKER_MINUTES="3",
        GRIDGOV_HEALTH_MIN_FREE_MB="200",
    )
    assert s["TIME_ZONE"] == s["GRIDGOV_WORK_TIMEZONE"] == "Asia/Urumqi"
    assert (s["GRIDGOV_HEALTH_WORKER_MINUTES"], s["GRIDGOV_HEALTH_MIN_FREE_MB"]) == (3, 200)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd"])
def test_an_unknown_time_zone_stops_the_start(tmp_path, zone):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    clean.update(GRIDGOV_DATA_DIR=str(tmp_path), GRIDGOV_TIME_ZONE=zone)
    done = subprocess.run(
        [sys.executable, "-m", "gridgov.cli", "check"],
        env={**clean, "PYTHONPATH": str(SOURCE.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "is not a known time zone" in done.stderr
