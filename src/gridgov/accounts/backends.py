"""Authentication backend: username or mobile number, through the throttled, lockout-aware
service (the client address is the request's ``REMOTE_ADDR``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gridgov.accounts.models import User
from gridgov.accounts.services import AuthFailed, TooManyAttempts, auth_login


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        try:
            return auth_login(
                login=username,
                password=password,
                channel="web",
                address=request.META.get("REMOTE_ADDR") if request is not None else None,
            )
        except (AuthFailed, TooManyAttempts) as exc:
            if request is not None:
                request.gridgov_auth_error = exc  # type: ignore[attr-defined]
            return None
