"""The stream on the pages' own origin (no live process: ``runserver``, the test server of the
browser journeys): signed in by the session cookie, a reported case arrives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from gridgov.command.live import hub
from gridgov.command.tests.live_harness import SSE


@pytest.fixture
def fresh_hub() -> Iterator[None]:
    hub.reset()  # cursors of another test's database mean nothing here
    yield
    hub.reset()


@pytest.mark.django_db(transaction=True)
def test_a_case_arrives_on_the_same_origin_stream(
    live_server: Any, tree: Any, make_user: Any, client: Any, fresh_hub: None
) -> None:
    import importlib

    from django.apps import apps

    from gridgov.cases.services.intake import case_report
    from gridgov.command.live import live_stream_url

    # A transactional test starts from a flushed database: the seeded categories again.
    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    dispatcher = make_user("dispatcher9", ("dispatcher", tree.county))
    client.force_login(dispatcher)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    port = urlsplit(live_server.url).port
    assert port is not None
    path = f"/command/live/stream?area={tree.street.pk}"
    sse = SSE(port, path, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}).open()
    try:
        assert sse.status == 200
        case = case_report(
            actor=None,
            source="resident",
            category="0101",
            title="垃圾",
            lon=106.205,
            lat=38.505,
            anonymous=True,
        ).case
        assert sse.wait_for(lambda s: case.pk in {e["item_id"] for e in s.events()})
    finally:
        sse.close()
    request = SimpleRequest()
    assert live_stream_url(request) == "/command/live/stream"  # no live process: same origin


class SimpleRequest:
    scheme = "http"

    def get_host(self) -> str:
        return "testserver"
