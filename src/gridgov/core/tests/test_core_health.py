"""``/health``: public JSON for a load balancer — database, worker heartbeat, disk — 200 when
every check passes, 503 otherwise; nothing personal, no tracebacks, no versions."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov.core import health
from gridgov.core.models import Heartbeat
from gridgov.core.scheduler import discover

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_disk_threshold(settings):
    settings.GRIDGOV_HEALTH_MIN_FREE_MB = 1


def _get(client: Client, **extra: str) -> tuple[int, dict]:
    response = client.get("/health", **extra)
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    return response.status_code, json.loads(response.content)


def test_all_checks_pass_is_200():
    health.record_heartbeat()
    status, body = _get(Client())
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "worker": {"status": "ok"},
            "disk": {"status": "ok"},
            "field_key": {"status": "ok"},
        },
    }


def test_a_wrong_field_key_is_503_without_fingerprints(settings):
    from cryptography.fernet import Fernet

    from gridgov.core import keys

    health.record_heartbeat()
    keys.record_fingerprint(settings.GRIDGOV_FIELD_KEY)
    settings.GRIDGOV_FIELD_KEY = Fernet.generate_key().decode("ascii")
    status, body = _get(Client())
    assert status == 503
    assert body["checks"]["field_key"] == {
        "status": "fail",
        "problem": "the field key does not open the stored personal data",
    }
    assert keys.fingerprint(settings.GRIDGOV_FIELD_KEY) not in json.dumps(body)


def test_a_stale_heartbeat_is_503(settings):
    settings.GRIDGOV_HEALTH_WORKER_MINUTES = 10
    health.record_heartbeat(now=timezone.now() - timedelta(minutes=11))
    status, body = _get(Client())
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["worker"] == {
        "status": "fail",
        "problem": "no worker heartbeat for more than 10 minutes",
    }
    assert body["checks"]["database"] == {"status": "ok"}
    health.record_heartbeat(now=timezone.now() - timedelta(minutes=9))
    assert _get(Client())[0] == 200


def test_no_heartbeat_yet_is_503():
    status, body = _get(Client())
    assert status == 503 and body["checks"]["worker"]["problem"] == "no worker heartbeat yet"


def test_too_little_disk_is_503(settings):
    health.record_heartbeat()
    settings.GRIDGOV_HEALTH_MIN_FREE_MB = 10**12
    status, body = _get(Client())
    assert status == 503
    assert body["checks"]["disk"]["status"] == "fail"
    assert str(settings.DATA_DIR) not in json.dumps(body)


def test_a_failing_check_says_only_that_it_failed(monkeypatch, caplog):
    def broken() -> str | None:
        raise OperationalError("could not connect to /srv/gridgov/secret.sqlite3 as wang")

    health.record_heartbeat()
    monkeypatch.setattr(health, "CHECKS", [("database", broken), *health.CHECKS[1:]])
    with caplog.at_level(logging.WARNING, logger="gridgov.health"):
        response = Client().get("/health")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["database"] == {
        "status": "fail",
        "problem": "check failed",
    }
    text = response.content.decode()
    assert "secret" not in text and "wang" not in text and "Traceback" not in text
    assert any(r.name == "gridgov.health" and r.exc_info for r in caplog.records)


def test_one_more_check_is_one_more_pair():
    report = health.run_checks([("first", lambda: None), ("second", lambda: "broken")])
    assert report == {
        "status": "fail",
        "checks": {"first": {"status": "ok"}, "second": {"status": "fail", "problem": "broken"}},
    }


def test_public_for_any_host_without_redirects_or_sign_in(settings):
    """A balancer probes by address and over plain HTTP: no 400 for the Host, no https
    redirect, no sign-in page — and nothing else of the site is reachable that way."""
    settings.SECURE_SSL_REDIRECT = True
    health.record_heartbeat()
    status, _body = _get(Client(), HTTP_HOST="10.0.0.5:8000")
    assert status == 200
    assert Client().get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert Client().post("/health").status_code == 405
    assert Client().head("/health").status_code == 200


def test_not_throttled_by_failed_sign_ins(settings):
    health.record_heartbeat()
    client = Client()
    for _ in range(settings.GRIDGOV_LOGIN_THROTTLE_ATTEMPTS + 1):
        client.post(reverse("accounts:login"), {"login": "ghost", "password": "x"})
    assert (
        client.post(reverse("accounts:login"), {"login": "ghost", "password": "x"}).status_code
        == 429
    )
    assert _get(client)[0] == 200
    caches["login"].clear()


def test_the_heartbeat_is_a_periodic_job_of_the_worker():
    job = discover().jobs["core.heartbeat"]
    assert job.every == timedelta(minutes=1)
    assert not Heartbeat.objects.exists()
    job.task.call()
    beat = Heartbeat.objects.get(name=health.WORKER_HEARTBEAT)
    assert timezone.now() - beat.at < timedelta(minutes=1)
    assert re.fullmatch(r".+-\d+", beat.worker_id)
