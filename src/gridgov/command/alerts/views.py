"""The alerts desk page (/command/alerts/): open and cleared alerts of an area's subtree, with
an acknowledge button on each open one (phone and desktop)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.command.alerts import selectors, services
from gridgov.core import errors
from gridgov.core.pagination import CappedPaginator
from gridgov.core.views import domain_errors

PAGE_SIZE = 30
STATES = ("open", "cleared", "all")


def _require(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.COMMAND_VIEW):
        raise errors.PermissionDenied(_("You hold no role that may view the command centre."))


def _area_id(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.NotFound(_("Not found, or outside your jurisdiction.")) from None
    if value < 1 or value > 2**63 - 1:
        raise errors.NotFound(_("Not found, or outside your jurisdiction."))
    return value


def _row(alert: Any) -> dict[str, Any]:
    detail = alert.detail if isinstance(alert.detail, dict) else {}
    url = detail.get("url")
    safe = isinstance(url, str) and url.startswith("/") and not url.startswith("//")
    return {
        "alert": alert,
        "rule": selectors.rule_title(alert.rule),
        "url": url if safe else "",
        "is_open": alert.cleared_at is None,
    }


@never_cache
@login_required
@domain_errors
def alerts_list(request: HttpRequest) -> HttpResponse:
    """Alerts of the chosen area (default: the top of the jurisdiction): open ones by default,
    red first, newest first."""
    _require(request)
    area = selectors.alerts_area_get(actor=request.user, pk=_area_id(request.GET.get("area")))
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    open_only = {"open": True, "cleared": False, "all": None}[state]
    qs = selectors.alert_list(actor=request.user, area=area, open_only=open_only)
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    parent = area.parent if area.parent_id else None
    up = (
        parent
        if parent is not None and scoping.can(request.user, Perm.COMMAND_VIEW, parent)
        else None
    )
    context: dict[str, Any] = {
        "title": _("Alerts"),
        "area": area,
        "up": up,
        "roots": selectors.alerts_areas_for(actor=request.user),
        "state": state,
        "states": [
            ("open", pgettext("alert state", "Open")),
            ("cleared", pgettext("alert state", "Cleared")),
            ("all", _("All")),
        ],
        "page_obj": page,
        "rows": [_row(a) for a in page.object_list],
        "back": request.get_full_path(),
    }
    return render(request, "command/alerts/list.html", context)


@require_POST
@login_required
@domain_errors
def alerts_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge one alert, then back to the list (POST-redirect-GET)."""
    alert = services.alert_acknowledge(actor=request.user, alert_id=pk)
    messages.success(request, _("Alert acknowledged: %(title)s") % {"title": alert.title})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = f"{reverse('command:alerts_list')}?area={alert.area_id}"
    return redirect(back)
