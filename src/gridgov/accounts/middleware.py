"""Idle-session timeout (等保: 30 minutes by default) and the client address for the audit log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from gridgov.core.context import client_ip

SESSION_KEY = "gridgov_last_seen"
# The last activity is written to the session at most once a minute: writing it on every
# request made every page view a database write (the SQLite write lock taken by reads, the tail
# of concurrent reports). The timeout therefore counts from the last activity recorded, at most
# this many seconds before the real one: a session may end up to a minute early, never late.
TOUCH_SECONDS = 60


def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At sign-in, the session's last activity is now (saved with the new session), so the
    first request after it need not write the session again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and hasattr(request, "session"):
                now = int(time.time())
                last = request.session.get(SESSION_KEY)
                limit = settings.GRIDGOV_IDLE_TIMEOUT_MINUTES * 60
                if last is not None and now - int(last) > limit:
                    from gridgov.accounts.services import auth_logout

                    auth_logout(user=user, reason="idle")
                    logout(request)
                    messages.info(
                        request,
                        _("You were signed out after %(m)d minutes without activity.")
                        % {"m": settings.GRIDGOV_IDLE_TIMEOUT_MINUTES},
                    )
                elif last is None or now - int(last) >= TOUCH_SECONDS:
                    request.session[SESSION_KEY] = now
            return self.get_response(request)
        finally:
            client_ip.reset(token)
