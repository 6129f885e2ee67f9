"""``GET /command/live/stream?area=``: the live stream (Server-Sent Events).

The viewer needs ``command.view`` at the area (another area: 404; none anywhere: 403); each
source is further limited by its own permission (see :class:`.broadcaster.Viewer`). Signed in
by the session cookie (the screen) or an API token (``Authorization: Bearer``, a wall built by
someone else). The stream may be served on another port of the same host (``gridgov serve``'s
live process): it answers CORS with credentials for pages of the same host, and of
``GRIDGOV_LIVE_ORIGINS``.

A stream holds one server thread for its lifetime; the thread keeps no database connection,
its writes time out after :func:`.conf.send_timeout` (a client that never reads is cut off),
and a process holds at most :func:`.conf.max_streams` (more: 503 with ``Retry-After``).
"""

from __future__ import annotations

import socket
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.command.live import conf
from gridgov.command.live.broadcaster import Full, Viewer
from gridgov.command.live.hub import broadcaster
from gridgov.core.errors import (
    Code,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

RETRY_AFTER_SECONDS = 10
# The kernel's send buffer of one stream (it doubles it): minutes of events at a peak.
SEND_BUFFER_BYTES = 64 * 1024

R = TypeVar("R", HttpResponse, StreamingHttpResponse)


def _error(exc: DomainError, request: HttpRequest) -> HttpResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="gridgov"'
    return _cors(request, response)


def allowed_origin(request: HttpRequest) -> str:
    """The request's ``Origin`` if a page there may read the stream: the same host on any
    port (the live process listens on the next port), or one of ``GRIDGOV_LIVE_ORIGINS``."""
    origin = request.headers.get("Origin", "").strip().rstrip("/")
    if not origin or len(origin) > 300:
        return ""
    if origin in conf.extra_origins():
        return origin
    try:
        parts = urlsplit(origin)
        host = conf.hostname(request.get_host()).strip("[]")
    except Exception:  # a disallowed Host header, a broken origin: no CORS
        return ""
    if parts.scheme in ("http", "https") and (parts.hostname or "") == host.lower():
        return origin
    return ""


def _cors(request: HttpRequest, response: R) -> R:
    origin = allowed_origin(request)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response


def _user(request: HttpRequest) -> Any:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        from gridgov.accounts.services import token_authenticate

        return token_authenticate(auth[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _area(user: Any, raw: str | None) -> Area:
    if raw in (None, ""):
        roots = scoping.jurisdiction_roots(user, Perm.COMMAND_VIEW)
        if not roots:
            raise NotFound(_("Not found, or outside your jurisdiction."))
        return roots[0]
    assert raw is not None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(
            _("Enter a whole number."), fields={"area": _("Enter a whole number.")}
        )
    area = Area.objects.filter(pk=int(raw)).defer("geometry").first()
    if area is None or not scoping.can(user, Perm.COMMAND_VIEW, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return area


@require_http_methods(["GET", "OPTIONS"])
def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if request.method == "OPTIONS":  # a CORS preflight (Last-Event-ID from another port)
        response = _cors(request, HttpResponse(status=204))
        response["Access-Control-Allow-Methods"] = "GET"
        response["Access-Control-Allow-Headers"] = "Last-Event-ID, Cache-Control, Authorization"
        response["Access-Control-Max-Age"] = "3600"
        return response
    try:
        user = _user(request)
        if user is None:
            raise DomainError(
                _("Sign in or send a valid API token."), code=Code.UNAUTHENTICATED, status=401
            )
        if not scoping.has_perm_anywhere(user, Perm.COMMAND_VIEW):
            raise PermissionDenied(_("You do not have permission to do this in this area."))
        area = _area(user, request.GET.get("area"))
        viewer = Viewer(user, area.path)
        last = request.headers.get("Last-Event-ID", "") or request.GET.get("last_event_id", "")
        try:
            live = broadcaster().connect(viewer, last)
        except Full:
            response = _error(
                DomainError(
                    _("The live stream is full right now; the screen retries by itself."),
                    code=Code.LIVE_STREAMS_FULL,
                    status=503,
                ),
                request,
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
    except DomainError as exc:
        return _error(exc, request)
    sock = request.META.get("gunicorn.socket")
    if sock is not None:
        # A client that never reads: the kernel holds at most this much for it, a write then
        # blocks at most send_timeout, and the server closes the connection, freeing the thread.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        sock.settimeout(conf.send_timeout())
    body = StreamingHttpResponse(live.messages(), content_type="text/event-stream")
    body["Cache-Control"] = "no-cache, no-store"
    body["X-Accel-Buffering"] = "no"  # nginx: pass every message on at once
    return _cors(request, body)


def status(request: HttpRequest) -> HttpResponse:
    """``GET /command/live/status``: this process's streams (for operators and the bench)."""
    user = _user(request)
    if user is None:
        return _error(
            DomainError(
                _("Sign in or send a valid API token."), code=Code.UNAUTHENTICATED, status=401
            ),
            request,
        )
    if not scoping.has_perm_anywhere(user, Perm.COMMAND_VIEW):
        return _error(
            PermissionDenied(_("You do not have permission to do this in this area.")), request
        )
    return _cors(request, JsonResponse(broadcaster().status()))
