"""The JSON API at /api/v1/ (Django Ninja): authentication, error format, and the routers of
each domain. Errors are ``{"code": ..., "message": ..., "fields": {...}}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from gridgov.accounts.services import token_authenticate
from gridgov.core.errors import DomainError


class BearerToken(HttpBearer):
    """``Authorization: Bearer gg_…`` issued by ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionCsrf(SessionAuth):
    """The browser's session (CSRF-checked for unsafe methods)."""


api = NinjaAPI(
    title="gridgov API",
    version="1",
    description="Grassroots-governance platform API. Errors: {code, message, fields}.",
    auth=[BearerToken(), SessionCsrf()],
    urls_namespace="api-1",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "unauthenticated", _("Sign in or send a valid API token.")
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "request"] = str(err.get("msg", ""))
    return _error(
        request, 422, "validation_failed", _("The request is not valid."), fields=fields
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc))


def _register_routers() -> None:
    """Each domain contributes a router in its api.py."""
    from gridgov.accounts.api import router as accounts_router
    from gridgov.areas.api import router as areas_router

    api.add_router("/", accounts_router)
    api.add_router("/areas", areas_router)


_register_routers()
