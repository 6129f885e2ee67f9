"""The edge: what every request must be before a view sees it (see :mod:`gridgov.core.text`).

Two pieces share the one character rule of :func:`gridgov.core.text.bad_character`:

* :class:`EdgeMiddleware` (settings.MIDDLEWARE, before the session) checks the path, the query
  string and urlencoded/multipart form fields (names, values and uploaded file names, never
  file contents) of every request — web pages, Open311 and the API alike; on pages the values
  are left to the forms, whose every ``CharField`` gives the rule's field error — and turns the
  body problems Django raises while reading a form (too large, too many fields or files,
  broken multipart) into 400/413 instead of 500. JSON bodies larger than
  ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are answered 413 before anything reads them. Cookies
  holding forbidden characters are ignored (a forged session cookie must not reach the
  database). ``/api/`` gets JSON ``{code, message, fields}``, ``/open311/`` the GeoReport error
  document (JSON or XML, as the path asks), pages the 400 page.
* :class:`JsonParser` (``NinjaAPI(parser=...)``) reads JSON bodies: 415 for a body sent as
  another media type, 400 ``bad_encoding`` / ``malformed_json`` for bytes that are not UTF-8
  JSON, and 400 ``bad_characters`` naming the field path for NUL, controls or lone
  surrogates anywhere in the decoded document (``"\\ud800"`` escapes included).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.parser import Parser
from ninja.types import DictStrAny

from gridgov.core.errors import Code, DomainError, ValidationFailed
from gridgov.core.text import BadCharacters, bad_character, escaped, find_bad

JSON_PREFIXES = ("/api/", "/open311/")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Headers are latin-1 in WSGI, so UTF-8 text in a header shows up as C1 characters; only C0
# controls (but tab) and DEL are refused there.
_BAD_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


class BadRequest(ValidationFailed):
    """A request whose body cannot be read (broken multipart, unreadable stream)."""

    code = Code.BAD_REQUEST


class TooManyFields(ValidationFailed):
    code = Code.TOO_MANY_FIELDS


class RequestTooLarge(DomainError):
    code = Code.REQUEST_TOO_LARGE
    status = 413


class UnsupportedMediaType(DomainError):
    code = Code.UNSUPPORTED_MEDIA_TYPE
    status = 415


class MalformedJson(ValidationFailed):
    code = Code.MALFORMED_JSON


class BadEncoding(ValidationFailed):
    code = Code.BAD_ENCODING


# --- Messages ---------------------------------------------------------------------------------


def _bad_characters(field: str, char: str) -> BadCharacters:
    message = _("The text contains a character that is not allowed (%(char)s).") % {"char": char}
    return BadCharacters(message, fields={escaped(field) or "request": message})


def body_limit() -> int | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return int(limit) if limit is not None else None


def too_large(request: HttpRequest) -> RequestTooLarge:
    """413, naming the multipart route where a JSON body was too large because of photos."""
    limit = body_limit() or 0
    message = _("The request body is larger than %(mb)s MB.") % {
        "mb": f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    }
    if request.path.rstrip("/").endswith("/cases/report"):
        message += " " + _(
            "Report the case without photos, then upload them as multipart files with "
            "POST /api/v1/cases/{id}/photos (up to %(mb)s MB each)."
        ) % {"mb": _photo_mb()}
    return RequestTooLarge(message)


def _photo_mb() -> int:
    from gridgov.cases.photos import max_bytes

    return max_bytes() // 1024 // 1024


def unreadable_body(exc: Exception) -> DomainError:
    """The DomainError for an exception Django raises while reading a request body."""
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(_("The request body is too large."))
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return TooManyFields(_("The request has too many fields or files."))
    return BadRequest(_("The request body could not be read (broken form or multipart data)."))


BODY_ERRORS = (MultiPartParserError, UnreadablePostError, SuspiciousOperation)


# --- JSON (the API's parser) --------------------------------------------------------------------


def _no_constant(name: str) -> NoReturn:
    raise ValueError(name)


class JsonParser(Parser):
    """django-ninja's body parser with the edge rules; errors are DomainErrors (the API's
    HttpError handler unwraps them from ninja's "Cannot parse request body")."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        # Empty: ninja's own sub-requests for multipart bodies, and lenient clients.
        if content_type and not (
            content_type == "application/json" or content_type.endswith("+json")
        ):
            raise UnsupportedMediaType(
                _("Send the request body as JSON (Content-Type: application/json).")
            )
        try:
            body = request.body
        except RequestDataTooBig as exc:
            raise too_large(request) from exc
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadEncoding(_("The request body is not valid UTF-8.")) from exc
        try:
            data = json.loads(text, parse_constant=_no_constant)
            hit = find_bad(data)
        except (ValueError, RecursionError) as exc:
            raise MalformedJson(_("The request body is not valid JSON.")) from exc
        if hit:
            raise _bad_characters(*hit)
        return data


# --- Middleware ---------------------------------------------------------------------------------


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(JSON_PREFIXES)


def error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """``exc`` as JSON for the API, as the GeoReport error for Open311, or as the 400 page
    (rendered without the request: the session may be what is wrong)."""
    from gridgov.core.middleware import language_for

    with translation.override(language_for(request)):
        if request.path.startswith("/open311/"):
            return _open311_error(request, exc)
        if wants_json(request):
            return JsonResponse(
                exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False}
            )
        html = loader.get_template("400.html").render({"message": exc.message})
    return HttpResponse(html, status=exc.status)


def _open311_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """GeoReport v2's own error document, in the format the path asks for."""
    from gridgov.open311 import formats

    fmt = formats.XML if request.path.endswith(".xml") else formats.JSON
    details = [f"{name}: {message}" for name, message in exc.as_dict().get("fields", {}).items()]
    return formats.error(fmt, exc.status, exc.message, *details)


class EdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _drop_bad_cookies(request)
        try:
            check_request(request)
        except DomainError as exc:
            return error_response(request, exc)
        return self.get_response(request)


def _drop_bad_cookies(request: HttpRequest) -> None:
    for name, value in list(request.COOKIES.items()):
        if bad_character(name, multiline=False) or bad_character(value, multiline=False):
            del request.COOKIES[name]


def check_request(request: HttpRequest) -> None:
    """Raise the DomainError for the first problem of ``request`` outside a JSON body."""
    found = bad_character(request.path, multiline=False)
    if found:
        raise _bad_characters("path", found)
    for key, value in request.META.items():
        if not key.startswith("HTTP_") or key == "HTTP_COOKIE" or not isinstance(value, str):
            continue  # cookies: see _drop_bad_cookies
        match = _BAD_HEADER.search(value)
        if match:
            header = key[5:].replace("_", "-").title()
            raise _bad_characters(header, f"U+{ord(match.group()):04X}")
    try:
        _check_fields(request.GET, files=None)
    except BODY_ERRORS as exc:
        raise unreadable_body(exc) from exc
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        limit = body_limit()
        if limit is not None and _content_length(request) > limit:
            raise too_large(request)
        return
    if request.method != "POST":
        return  # Django parses forms of POST only
    try:
        # Pages: the forms report a bad character in a value as a field error (every
        # forms.CharField carries gridgov.core.text.validate_text), so the person keeps what
        # was typed; names and file names are still refused here.
        _check_fields(
            request.POST, files=request.FILES, values=request.path.startswith(JSON_PREFIXES)
        )
    except BODY_ERRORS as exc:
        if isinstance(exc, RequestDataTooBig):
            raise too_large(request) from exc
        raise unreadable_body(exc) from exc


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _check_fields(data: Any, *, files: Any, values: bool = True) -> None:
    for key, items in data.lists():
        found = bad_character(key)
        if found:
            raise _bad_characters(key, found)
        if not values:
            continue
        for value in items:
            found = bad_character(value) if isinstance(value, str) else None
            if found:
                raise _bad_characters(key, found)
    if files is None:
        return
    for key, uploads in files.lists():
        found = bad_character(key)
        if found:
            raise _bad_characters(key, found)
        for upload in uploads:
            found = bad_character(upload.name or "", multiline=False)
            if found:
                raise _bad_characters(key, found)
