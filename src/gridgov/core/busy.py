"""One answer when the database is busy: 503 with ``Retry-After``, never a 500.

On SQLite one writer holds the file at a time; a request that waits longer than the busy
timeout (``DATABASES["default"]["OPTIONS"]["timeout"]``) gets ``OperationalError: database is
locked``. That is the server being busy, not broken, so the client is told to come back:

* ``/api/``: JSON ``{"code": "database_busy", "message": ...}`` (the API's exception handler);
* ``/open311/``: the GeoReport v2 error document, XML or JSON by the path's extension;
* other pages: a short page in the user's language (no database needed to draw it).

:class:`~gridgov.core.middleware.DatabaseBusyMiddleware` answers for every view, the API's
handler in :mod:`gridgov.api` for the JSON API, and ``gridgov worker`` retries its loop.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gridgov.core.errors import Code

logger = logging.getLogger("gridgov.busy")

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


def is_database_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database table is locked" (another
    connection holds the write lock longer than the busy timeout)."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def busy_message() -> str:
    return _("The server is busy right now. Please try again in a few seconds.")


def api_busy_response(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        {"code": Code.DATABASE_BUSY, "message": busy_message()},
        status=503,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``'s part of the site (see the module's docstring)."""
    logger.warning("database busy on %s %s", request.method, request.path)
    path = request.path
    if path.startswith("/api/"):
        return api_busy_response(request)
    if path.startswith("/open311/"):
        from gridgov.open311.formats import JSON, XML, error

        fmt = JSON if path.endswith(".json") else XML
        response = error(fmt, 503, busy_message())
    else:
        html = render_to_string(
            "503.html", {"message": busy_message(), "language": get_language() or "zh-hans"}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an error raised outside a view (a middleware saving the session, say)
    that is a locked database still answers 503; anything else is Django's 500 page."""
    import sys

    from django.views.defaults import server_error as default_server_error

    exc = sys.exc_info()[1]
    if exc is not None and is_database_locked(exc):
        return busy_response(request)
    return default_server_error(request)
