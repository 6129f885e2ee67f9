"""The GeoReport v2 endpoints under /open311/v2/: thin adapters that parse the spec's
parameters, call a selector or service, and render XML or JSON by the path's extension.

Reads are public (the spec's model); POST requests needs an ``api_key`` from
``gridgov open311-key create``. Every refusal is the spec's error document with the HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridgov.core.errors import Code, DomainError, NotFound
from gridgov.open311 import selectors, services
from gridgov.open311.formats import CONTENT_TYPES, JSON, XML, error, render, stream

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_JURISDICTION = "gridgov"
# Date of the last change to what discovery and the service list promise.
CHANGESET = "2026-11-23T00:00:00+08:00"

View = Callable[..., HttpResponseBase]
# Lists of at least this many service requests are streamed (StreamingHttpResponse).
STREAM_FROM = 200


def jurisdiction() -> str:
    return str(getattr(settings, "GRIDGOV_OPEN311_JURISDICTION", DEFAULT_JURISDICTION))


# The intake service's field names → the spec's parameter names.
_PARAMETERS = {
    "reporter_phone": "phone",
    "reporter_name": "last_name",
    "address": "address_string",
    "location": "lat",
    "title": "description",
}


def _error_for(fmt: str, exc: DomainError) -> HttpResponse:
    descriptions = [exc.message]
    for name, message in exc.as_dict().get("fields", {}).items():
        if name.startswith("extra."):  # the intake service's name for attribute[code]
            name = f"attribute[{name[len('extra.') :]}]"
        descriptions.append(f"{_PARAMETERS.get(name, name)}: {message}")
    return error(fmt, exc.status, *descriptions)


def endpoint(*methods: str) -> Callable[[View], View]:
    """Method check, jurisdiction_id check, typed errors → the spec's error document."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            if request.method not in methods:
                response = error(
                    fmt,
                    405,
                    _("Method %(method)s is not allowed here.") % {"method": request.method},
                )
                response["Allow"] = ", ".join(methods)
                return response
            given = request.POST.get("jurisdiction_id") if request.method == "POST" else None
            given = given or request.GET.get("jurisdiction_id")
            if given and given != jurisdiction():
                return error(
                    fmt,
                    404,
                    _("Unknown jurisdiction_id %(given)s; this server serves %(ours)s.")
                    % {"given": given, "ours": jurisdiction()},
                )
            try:
                response = view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                response = _error_for(fmt, exc)
            if request.method == "GET":
                # Public data: civic web apps on other origins may read it.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(wrapper)

    return decorate


@endpoint("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": CHANGESET,
        "contact": str(getattr(settings, "GRIDGOV_OPEN311_CONTACT", "")),
        "key_service": str(
            getattr(settings, "GRIDGOV_OPEN311_KEY_SERVICE", "")
            or _("Ask the platform's administrator for an API key.")
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(
        fmt,
        data,
        root="discovery",
        item_tags={"endpoints": "endpoint", "formats": "format"},
    )


@endpoint("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return HttpResponse(selectors.services_document(fmt), content_type=CONTENT_TYPES[fmt])


@endpoint("GET")
def service_definition(request: HttpRequest, *, code: str, fmt: str) -> HttpResponse:
    body = selectors.service_definition_document(code, fmt)
    return HttpResponse(body, content_type=CONTENT_TYPES[fmt])


def _requests_response(fmt: str, items: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    return render(
        fmt,
        items,
        root="service_requests",
        item_tags={"service_requests": "request"},
        status=status,
    )


@endpoint("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponseBase:
    if request.method == "POST":
        return _post_request(request, fmt)
    filters = selectors.parse_filters(request.GET)
    rows = selectors.request_rows(filters)
    if len(rows) < STREAM_FROM:
        return _requests_response(fmt, [selectors.request_dict(r) for r in rows])
    # A long list (up to the spec's 1 000) is written and sent a hundred at a time.
    language, tz = translation.get_language(), timezone.get_current_timezone()

    def items() -> Iterator[dict[str, Any]]:
        with translation.override(language):
            for r in rows:
                yield selectors.request_dict(r, tz)

    tags = {"service_requests": "request"}
    body = stream(fmt, items(), root="service_requests", item_tags=tags)
    return StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])


@endpoint("GET")
def request_detail(request: HttpRequest, *, pk: str, fmt: str) -> HttpResponse:
    try:
        number = int(pk)
    except ValueError:
        raise NotFound(
            _("There is no service request %(id)s.") % {"id": pk}, code=Code.UNKNOWN_REQUEST
        ) from None
    case = selectors.request_get(number)
    return _requests_response(fmt, [selectors.request_dict(case)])


@endpoint("GET")
def token_detail(request: HttpRequest, *, token: str, fmt: str) -> HttpResponse:
    case = selectors.request_by_token(token)
    return _requests_response(fmt, [{"service_request_id": case.pk, "token": case.token}])


def _attributes(post: Any) -> dict[str, Any]:
    """``attribute[code]=v`` → {code: v}; ``attribute[code][]=a&attribute[code][]=b`` → a list."""
    found: dict[str, Any] = {}
    for key in post:
        if not (key.startswith("attribute[") and key.endswith("]")):
            continue
        inner = key[len("attribute[") : -1]
        if inner.endswith("]["):  # attribute[code][]
            found[inner[:-2]] = [v for v in post.getlist(key) if v != ""]
        elif inner and "[" not in inner and "]" not in inner:
            found[inner] = post.get(key, "")
    return found


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    client = services.client_authenticate(post.get("api_key") or request.GET.get("api_key") or "")
    submission = services.Submission(
        service_code=(post.get("service_code") or "").strip(),
        lat=(post.get("lat") or "").strip(),
        long=(post.get("long") or "").strip(),
        address_string=(post.get("address_string") or "").strip(),
        description=post.get("description") or "",
        attributes=_attributes(post),
        first_name=(post.get("first_name") or "").strip(),
        last_name=(post.get("last_name") or "").strip(),
        phone=(post.get("phone") or "").strip(),
        email=(post.get("email") or "").strip(),
        media_url=(post.get("media_url") or "").strip(),
        photos=tuple(request.FILES.getlist("media")),
        idempotency_key=(request.headers.get("Idempotency-Key") or "").strip(),
    )
    case = services.request_submit(client=client, submission=submission)
    item = {
        "service_request_id": case.pk,
        "service_notice": selectors.service_notice(case),
        "account_id": None,
    }
    return _requests_response(fmt, [item], status=201)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = JSON if request.path.endswith(".json") else XML
    return error(fmt, 404, _("There is no such Open311 endpoint."))


def root(request: HttpRequest) -> HttpResponse:
    """The base URL of the endpoint: sends people and clients to discovery."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": XML}))
