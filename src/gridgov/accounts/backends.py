"""Authentication backend: username or mobile number, through the lockout-aware service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gridgov.accounts.models import User
from gridgov.accounts.services import AccountLocked, AuthFailed, auth_login


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
            return auth_login(login=username, password=password, channel="web")
        except (AuthFailed, AccountLocked) as exc:
            if request is not None:
                request.gridgov_auth_error = exc  # type: ignore[attr-defined]
            return None
