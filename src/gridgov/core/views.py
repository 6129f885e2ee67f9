"""The page shell (home, error pages) and the small helpers every app's web views share.

Views stay thin: they validate a form, call one service or selector, and turn a typed
:class:`~gridgov.core.errors.DomainError` into form errors (:func:`add_domain_error`) or an HTTP
error (:func:`domain_errors`). :func:`form_submit` is the whole "form → service → domain error →
message → redirect" step of an edit page, :func:`action_submit` the same for a small action
posted from a detail page (errors as messages there).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.selectors import area_child_counts
from gridgov.core import errors
from gridgov.core.errors import Code

V = TypeVar("V", bound=Callable[..., HttpResponse])
FAVICON = Path(__file__).resolve().parent / "static" / "icons" / "favicon.ico"


def domain_errors(view: V) -> V:
    """Turn ``NotFound`` into a 404 and ``PermissionDenied`` into a 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound as exc:
            raise Http404(exc.message) from exc
        except errors.PermissionDenied as exc:
            raise HttpPermissionDenied(exc.message) from exc

    return cast(V, wrapper)


def add_domain_error(
    form: forms.BaseForm, exc: errors.DomainError, *, rename: dict[str, str] | None = None
) -> None:
    """Show a service's typed error on ``form``: per field where the form has that field
    (``rename`` maps a service's field name to the form's, e.g. password → new_password1),
    otherwise (and always when no field is named) as a non-field error."""
    placed = False
    for service_name, message in exc.fields.items():
        name = (rename or {}).get(service_name, service_name)
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter if it points into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def form_submit(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], Any],
    *,
    success: str | Callable[[Any], str] = "",
    redirect_to: str | Callable[[Any], str],
    follow_next: bool = False,
    rename: dict[str, str] | Callable[[errors.DomainError], dict[str, str]] | None = None,
    catch: tuple[type[errors.DomainError], ...] = (errors.DomainError,),
) -> HttpResponse | None:
    """The "form → service → domain error → message → redirect" step of an edit page.

    On a POST whose ``form`` is valid, ``action(form.cleaned_data)`` runs (the one service
    call). A :class:`~gridgov.core.errors.DomainError` of the ``catch`` kinds goes onto the
    form (:func:`add_domain_error`, per field or as a non-field error, ``rename`` as there; a
    function of the error's field names for the form's) and ``None`` is returned: the caller
    renders the form again (with status 400 for a POST where its page says so); other errors
    propagate (to :func:`domain_errors`: 403/404 pages). On
    success: ``success`` (a message, or a function of the action's result) is shown and the
    answer is a redirect to ``redirect_to`` (a URL, or a function of the result; with
    ``follow_next`` the request's ``next`` if it points into this site, see :func:`safe_next`).
    A GET or an invalid form: ``None``."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except catch as exc:
        add_domain_error(form, exc, rename=rename(exc) if callable(rename) else rename)
        return None
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    target = redirect_to(result) if callable(redirect_to) else redirect_to
    return HttpResponseRedirect(safe_next(request, target) if follow_next else target)


def first_error(form: forms.BaseForm) -> str:
    """The first error of an invalid ``form``, for a message."""
    for errs in form.errors.values():
        return str(errs[0])
    return _("The request is not valid.")


def action_submit(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[dict[str, Any]], Any],
    *,
    success: str | Callable[[Any], str] = "",
    redirect_to: str,
    invalid: str = "",
    catch: tuple[type[errors.DomainError], ...] = (errors.DomainError,),
) -> HttpResponseRedirect:
    """A small action posted from a page (add a unit, end a post): always back to
    ``redirect_to``, with ``success`` as a message, or the problem as an error message — the
    form's first error (or ``invalid``) or the service's :class:`DomainError` of the ``catch``
    kinds (others propagate)."""
    if not form.is_valid():
        messages.error(request, invalid or first_error(form))
    else:
        try:
            result = action(form.cleaned_data)
        except catch as exc:
            messages.error(request, exc.message)
        else:
            text = success(result) if callable(success) else success
            if text:
                messages.success(request, text)
    return HttpResponseRedirect(redirect_to)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: the user's roles, the top areas of their jurisdiction and, for those who
    watch a jurisdiction's cases, the case map."""
    from gridgov.cases.casemap.views import home_case_map_url

    user = request.user
    assert isinstance(user, User)
    # The user's own grants: reading one's own roles needs no jurisdiction.
    grants = list(user.grants.select_related("area", "department").order_by("area__code", "role"))
    roots = scoping.jurisdiction_roots(user, Perm.VIEW_AREA)
    areas = [
        {
            "area": area,
            "counts": [
                (Level(level).label, n) for level, n in area_child_counts(area=area).items()
            ],
        }
        for area in roots[:20]
    ]
    from gridgov.cases.selectors import todo_tabs

    return render(
        request,
        "core/home.html",
        {
            "todo_tabs": todo_tabs(actor=user),
            "grants": grants,
            "areas": areas,
            "more_areas": max(0, len(roots) - len(areas)),
            "is_global": scoping.is_global(user),
            "case_map_url": home_case_map_url(user),
            "title": _("Home"),
        },
    )


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico`` for browsers and tools that ask there (pages link the SVG icon)."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form was sent without a valid security token — usually a page left
    open too long, opened before signing in again, or cookies blocked. Pages get a page in the
    site's look saying what to do; anything under /api/ gets the API's JSON error."""
    from django.http import JsonResponse
    from django.middleware.csrf import REASON_NO_CSRF_COOKIE

    message = _(
        "The form could not be sent because its security check failed. Reload the page and "
        "try again."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"code": Code.CSRF_FAILED, "message": message}, status=403)
    # Back to the page that held the form (the Referer, if it is this site), else this address.
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request,
        "core/csrf_failure.html",
        {
            "title": _("Please reload the page"),
            "message": message,
            "no_cookie": reason == REASON_NO_CSRF_COOKIE,
            "back": referer if referer and same_site else request.get_full_path(),
        },
        status=403,
    )
