"""A locked database is answered 503 with Retry-After — JSON under /api/, the Open311 error
document under /open311/, a short page elsewhere — never a 500; other database errors stay
500; and the background worker waits a lock out instead of ending."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from gridgov.core.busy import RETRY_AFTER_SECONDS, is_database_locked
from gridgov.core.management.commands.worker import run_surviving_locks

LOCKED = "database is locked"


def _raise(message: str = LOCKED) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(message)

    return fail


def test_is_database_locked() -> None:
    assert is_database_locked(OperationalError("database is locked"))
    assert is_database_locked(OperationalError("database table is locked"))
    assert not is_database_locked(OperationalError("no such table: x"))
    assert not is_database_locked(ValueError("database is locked"))


# --- every part of the site, with the lock simulated -----------------------------------------


def test_api_answers_503_json(tree: Any, make_user: Any, monkeypatch: Any) -> None:
    from gridgov.cases import selectors

    monkeypatch.setattr(selectors, "queue_counts", _raise())
    client = Client()
    client.force_login(make_user("disp", ("dispatcher", tree.street)))
    response = client.get("/api/v1/cases/queues")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "database_busy"


def test_api_other_database_errors_stay_500(tree: Any, make_user: Any, monkeypatch: Any) -> None:
    from gridgov.cases import selectors

    monkeypatch.setattr(selectors, "queue_counts", _raise("no such table: cases_case"))
    client = Client()
    client.force_login(make_user("disp", ("dispatcher", tree.street)))
    response = client.get("/api/v1/cases/queues")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "Retry-After" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_open311_answers_503_in_its_format(fmt: str, monkeypatch: Any) -> None:
    from gridgov.open311 import selectors

    monkeypatch.setattr(selectors, "service_list", _raise())
    response = Client().get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    if fmt == "json":
        assert json.loads(response.content)[0]["code"] == 503
    else:
        assert ET.fromstring(response.content).findtext("error/code") == "503"


def test_web_page_answers_503_in_chinese(tree: Any, make_user: Any, monkeypatch: Any) -> None:
    from gridgov.cases import views

    monkeypatch.setattr(views.selectors, "case_list_counted_for", _raise())
    client = Client()
    client.force_login(make_user("disp", ("dispatcher", tree.street)))
    response = client.get("/cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = response.content.decode()
    assert "服务器繁忙" in html and "请稍后" in html


def test_web_page_other_errors_are_not_turned_into_503(
    tree: Any, make_user: Any, monkeypatch: Any
) -> None:
    from gridgov.cases import views

    monkeypatch.setattr(views.selectors, "case_list_counted_for", _raise("disk I/O error"))
    client = Client(raise_request_exception=False)
    client.force_login(make_user("disp", ("dispatcher", tree.street)))
    assert client.get("/cases/").status_code == 500


@pytest.mark.parametrize(("message", "status"), [(LOCKED, 503), ("disk I/O error", 500)])
def test_handler500_answers_a_lock_met_outside_a_view(
    rf: Any, db: Any, message: str, status: int
) -> None:
    """A middleware (saving the session, say) that meets the lock: handler500 answers."""
    from gridgov import urls
    from gridgov.core.busy import server_error

    assert urls.handler500 == "gridgov.core.busy.server_error"
    request = rf.get("/cases/")
    try:
        raise OperationalError(message)
    except OperationalError:
        response = server_error(request)
    assert response.status_code == status


# --- a real lock: a second connection holds the write lock ---------------------------------


@pytest.fixture
def write_lock(transactional_db: Any) -> Iterator[None]:
    """Another connection to the test database holds its write lock (SQLite only)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    name = connection.settings_dict["NAME"]
    if connection.is_in_memory_db():
        name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
    other = sqlite3.connect(name, uri=name.startswith("file:"), timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE django_session SET expire_date = expire_date")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_write_under_a_real_lock_is_503(write_lock: Any) -> None:
    """A sign-in attempt writes (its audit entry) while another connection holds the lock."""
    body = json.dumps({"username": "somebody", "password": "not-the-password"})
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "database_busy"


# --- the worker ----------------------------------------------------------------------------


def test_worker_loop_waits_a_lock_out_and_goes_on(db: Any) -> None:
    calls: list[str] = []
    pauses: list[float] = []

    def loop() -> None:
        calls.append("run")
        if len(calls) < 3:
            raise OperationalError(LOCKED)

    run_surviving_locks(loop, pause=pauses.append)
    assert calls == ["run", "run", "run"]
    assert len(pauses) == 2 and all(p > 0 for p in pauses)


def test_worker_loop_ends_on_other_errors() -> None:
    def loop() -> None:
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    with pytest.raises(OperationalError):
        run_surviving_locks(loop, pause=lambda s: None)
