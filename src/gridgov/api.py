"""The JSON API at /api/v1/ (Django Ninja): authentication, error format, and the routers of
each domain. Errors are ``{"code": ..., "message": ..., "fields": {...}}`` with a 4xx status.

Two ways in, tried in this order:

* ``Authorization: Bearer gg_…`` — a token from ``POST /api/v1/auth/token``. A token that is
  sent but forged, expired or revoked is refused with 401 (never falls back to the session).
* The browser's Django session. Unsafe methods need the ``X-CSRFToken`` header (403
  ``csrf_failed`` without it).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from gridgov.accounts.services import token_authenticate
from gridgov.core.busy import api_busy_response, is_database_locked
from gridgov.core.edge import JsonParser, too_large, unreadable_body
from gridgov.core.errors import Code, DomainError, NotFound, PermissionDenied
from gridgov.core.schemas import ErrorOut
from gridgov.core.validation_messages import error_message

logger = logging.getLogger("gridgov.api")


class InvalidToken(DomainError):
    code = Code.INVALID_TOKEN
    status = 401


class BearerToken(HttpBearer):
    """``Authorization: Bearer gg_…`` issued by ``POST /api/v1/auth/token``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is None:
            raise InvalidToken(_("The API token is invalid, expired or revoked."))
        request.user = user
        request.gridgov_auth = "token"  # type: ignore[attr-defined]
        return user


class SessionCsrf(SessionAuth):
    """The browser's session, CSRF-checked for unsafe methods.

    Without a signed-in session this answers "not me" before any CSRF check, so a client
    without credentials gets 401, not a CSRF 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise PermissionDenied(
                _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."),
                code=Code.CSRF_FAILED,
            )
        return request.COOKIES.get(self.param_name)


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as is (UTF-8), not as \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


# The error answers any operation may give, all as ``ErrorOut``: the exception handlers below
# answer them for every operation (a bad body, a missing or bad token, a permission, an object
# outside the jurisdiction, a conflicting state, a body over the size limit, a body that is not
# JSON or multipart, a failed validation, too many attempts, a busy database).
ERROR_RESPONSES: dict[int, str] = {
    400: "Bad request: the body is not valid JSON or a value is refused (`validation_failed`).",
    401: "Not signed in, or the API token is invalid, expired or revoked.",
    403: "Signed in but not allowed (`permission_denied`, `csrf_failed`).",
    404: "Not found, or outside your jurisdiction.",
    409: "The object's state does not allow this (`conflict`).",
    413: "The request body is larger than the limit.",
    415: "The body's content type is not accepted.",
    422: "The request does not match the operation's parameters or body (`validation_failed`).",
    429: "Too many requests; try again later.",
    503: "The server is busy; try again after `Retry-After` seconds.",
}
_ERROR_REF = {"$ref": f"#/components/schemas/{ErrorOut.__name__}"}


class GridgovAPI(NinjaAPI):
    """The API, whose OpenAPI document declares every error answer (:data:`ERROR_RESPONSES`)
    on every operation, instead of django-ninja's ``codes_4xx`` list of every 4xx status the
    standard knows (which lacks 413, 415 and 422 and has many the API never gives)."""

    _openapi_cache: dict[tuple[Any, ...], OpenAPISchema] = {}
    _openapi_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, built once per path prefix and language: building it takes seconds
        of CPU (django-ninja makes a JSON schema per operation and status), and it is served
        to anyone at /api/v1/openapi.json. Shared: callers must not change it."""
        key = (path_prefix, repr(sorted((path_params or {}).items())), get_language())
        with self._openapi_lock:
            if key not in self._openapi_cache:
                self._openapi_cache[key] = self._build_openapi_schema(path_prefix, path_params)
            return self._openapi_cache[key]

    def _build_openapi_schema(
        self, path_prefix: str | None, path_params: dict[str, Any] | None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(ErrorOut.__name__, ErrorOut.model_json_schema())
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation["responses"] = _with_error_responses(operation.get("responses", {}))
        return schema


def _with_error_responses(responses: dict[Any, Any]) -> dict[Any, Any]:
    """The operation's own answers (2xx, and any error with its own schema), and the error
    answers of :data:`ERROR_RESPONSES` — not ``codes_4xx``'s other statuses."""
    out: dict[Any, Any] = {}
    for status, response in responses.items():
        code = int(status)
        if _schema_of(response) != _ERROR_REF:
            out[status] = response
        elif code in ERROR_RESPONSES:
            out[status] = {**response, "description": ERROR_RESPONSES[code]}
    for code, description in ERROR_RESPONSES.items():
        if code not in out and str(code) not in out:
            out[code] = {
                "description": description,
                "content": {"application/json": {"schema": dict(_ERROR_REF)}},
            }
    return dict(sorted(out.items(), key=lambda item: int(item[0])))


def _schema_of(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


api = GridgovAPI(
    title="gridgov API",
    version="1",
    description=(
        "Grassroots-governance platform API. Authenticate with `Authorization: Bearer <token>` "
        "(from `POST /auth/token`) or the browser session (send `X-CSRFToken` on writes). "
        "Errors are JSON `{code, message, fields}`; lists are paginated with `page` and "
        "`page_size` (at most 200) and answer `{items, count, page, page_size, pages}`. "
        "Dates (ISO 8601) lie in the years 1900–2100, date-times in 1901–2100; ids are whole "
        "numbers from 1 to 2^63−1 (a larger id is not found, or refused with 422)."
    ),
    auth=[BearerToken(), SessionCsrf()],
    renderer=Utf8JSONRenderer(),
    # JSON only (415 otherwise), UTF-8, and no NUL/controls/lone surrogates (gridgov.core.edge).
    parser=JsonParser(),
    urls_namespace="api-1",
    # Served from django-ninja's bundled static files; no online validator (no CDN, offline).
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    response = api.create_response(
        request, {"code": code, "message": message, **extra}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="gridgov"'
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    data = exc.as_dict()
    response = _error(request, exc.status, data.pop("code"), data.pop("message"), **data)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, Code.UNAUTHENTICATED, _("Sign in or send a valid API token."))


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "request"] = error_message(err)
    return _error(
        request, 422, Code.VALIDATION_FAILED, _("The request is not valid."), fields=fields
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DomainError):  # raised by JsonParser, wrapped by ninja
        return _domain_error(request, exc.__cause__)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return _error(request, 400, Code.MALFORMED_JSON, _("The request body is not valid JSON."))
    if exc.status_code == 429:
        return _error(request, 429, Code.THROTTLED, _("Too many requests; try again later."))
    return _error(request, exc.status_code, Code.HTTP_ERROR, str(exc))


@api.exception_handler(MultiPartParserError)
@api.exception_handler(UnreadablePostError)
@api.exception_handler(SuspiciousOperation)
def _body_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django could not read (normally caught earlier by the edge middleware)."""
    if isinstance(exc, RequestDataTooBig):
        return _domain_error(request, too_large(request))
    return _domain_error(request, unreadable_body(exc))


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, NotFound.code, _("Not found, or outside your jurisdiction."))


@api.exception_handler(OperationalError)
def _operational_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """A locked SQLite database is the server being busy: 503 with Retry-After."""
    if is_database_locked(exc):
        logger.warning("database busy on %s %s", request.method, request.path)
        return api_busy_response(request)
    return _server_error(request, exc)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, Code.SERVER_ERROR, _("An unexpected error occurred."))


# Unknown paths under /api/v1/ answer JSON too. Registered after every domain router.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def _unknown(request: HttpRequest, rest: str) -> HttpResponse:
    raise NotFound(_("There is no such API endpoint."))


def _register_routers() -> None:
    """Each domain contributes a router in its api.py."""
    from gridgov.accounts.api import router as accounts_router
    from gridgov.areas.api import router as areas_router
    from gridgov.cases.api import router as cases_router
    from gridgov.cases.api_intake import router as intake_router
    from gridgov.cases.api_privacy import router as case_privacy_router
    from gridgov.cases.api_stats import router as stats_router
    from gridgov.cases.casemap.api import router as casemap_router
    from gridgov.command.api import routers as command_routers
    from gridgov.kernel.imports.api import router as imports_router
    from gridgov.mediation.api import routers as mediation_routers
    from gridgov.notifications.api import router as notifications_router
    from gridgov.party.api import router as party_router
    from gridgov.rosters.api import router as rosters_router
    from gridgov.rosters.api_import import router as rosters_import_router
    from gridgov.rosters.api_places import router as places_router
    from gridgov.workcal.api import router as workcal_router

    api.add_router("/", accounts_router)
    api.add_router("/areas", areas_router)
    api.add_router("/cases", intake_router)
    api.add_router("/cases", casemap_router)
    api.add_router("/cases", cases_router)
    api.add_router("/cases", case_privacy_router)
    api.add_router("/stats", stats_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/calendar", workcal_router)
    api.add_router("/rosters", places_router)
    api.add_router("/rosters", rosters_import_router)
    api.add_router("/rosters", rosters_router)
    api.add_router("/party", party_router)
    api.add_router("/imports", imports_router)
    for router in mediation_routers():
        api.add_router("/mediation", router)
    for router in command_routers():
        api.add_router("/command", router)
    api.add_router("/", _fallback)


_register_routers()
