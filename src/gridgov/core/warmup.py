"""Warm a web server process before it accepts connections, so that the first request is as
fast as the hundredth (``gridgov serve`` calls :func:`warm` once, in the process that forks the
web workers, which then share what it loaded).

What the first request would otherwise pay for: importing every view module (the URL
resolver), the translation catalogues of both languages, the templates of the main pages, the
grid locator (every grid boundary parsed: a third of a second at 20 000 grids), the working-time
calendar, the categories and areas case reports read, the Open311 service documents, and the
first pass of every middleware. Afterwards the objects made so far are moved out of the garbage
collector's sight (``gc.freeze``): they live as long as the process, and a full collection
then no longer walks them in the middle of a request (nor touches the pages the forked workers
share with the parent).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("gridgov.warmup")

# Pages whose templates are compiled at start (those the home pages and lists extend).
TEMPLATES = ("base.html", "core/home.html", "cases/list.html", "cases/detail.html", "503.html")


def _step(name: str, fn: Callable[[], Any], took: dict[str, float]) -> None:
    started = time.perf_counter()
    try:
        fn()
    except Exception:  # a cache that fails to load now loads at its first use, as before
        logger.warning("warm-up step %s failed", name, exc_info=True)
    took[name] = time.perf_counter() - started


def _urls() -> None:
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.resolve("/")
    for pattern in resolver.url_patterns:  # imports each app's views
        getattr(pattern, "url_patterns", None)


def _translations() -> None:
    from django.conf import settings
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")


def _templates() -> None:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    for name in TEMPLATES:
        with contextlib.suppress(TemplateDoesNotExist):
            get_template(name)


def _locator() -> None:
    from gridgov.areas.geo import locator

    locator.index()


def _calendar() -> None:
    from gridgov.workcal import selectors

    selectors.cache.table()
    selectors.work_periods()


def _reference() -> None:
    from gridgov.cases.services.intake import REFERENCE
    from gridgov.open311.formats import JSON, XML
    from gridgov.open311.selectors import services_document

    REFERENCE.remembered()
    services_document(JSON)
    services_document(XML)


def _requests(application: Any) -> None:
    """One anonymous GET of a few cheap pages through the whole middleware chain."""
    from django.conf import settings

    host = next((h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*["), "127.0.0.1")
    for path in ("/open311/v2/services.json", "/open311/v2/discovery.json", "/accounts/login/"):
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": host,
            "SERVER_PORT": "80",
            "HTTP_HOST": host,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": _Empty(),
            "wsgi.errors": _Empty(),
        }
        result = application(environ, lambda status, headers, exc_info=None: None)
        for _chunk in result:
            pass
        close = getattr(result, "close", None)
        if close is not None:
            close()


class _Empty:
    def read(self, *args: Any) -> bytes:
        return b""

    def readline(self, *args: Any) -> bytes:
        return b""

    def write(self, *args: Any) -> None:
        return None

    def flush(self) -> None:
        return None


def warm(application: Any = None, *, freeze: bool = True) -> dict[str, float]:
    """Load what requests share; seconds per step. Closes the database connections it opened
    (a forked worker must open its own) and, with ``freeze``, freezes the objects made so far
    out of the garbage collector's way."""
    from django.db import connections

    took: dict[str, float] = {}
    _step("urls", _urls, took)
    _step("translations", _translations, took)
    _step("templates", _templates, took)
    _step("locator", _locator, took)
    _step("calendar", _calendar, took)
    _step("reference", _reference, took)
    if application is not None:
        _step("requests", lambda: _requests(application), took)
    connections.close_all()
    if freeze:
        gc.collect()
        gc.freeze()
    return took
