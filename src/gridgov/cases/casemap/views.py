"""The case map's JSON (``/cases/map.json?area=<id>``) and what a page needs to show the map.

The answer holds no personal data (see :mod:`.selectors`) and is never cached. Without
:attr:`Perm.CASE_VIEW` anywhere the answer is a 403; an area outside the jurisdiction is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.casemap.selectors import case_map_for, may_view, scope_area_for
from gridgov.core.views import domain_errors


def _geometry_feature(area: Area, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": area.geometry,
        "properties": {"id": area.pk, "code": area.display_code, "name": area.name, **properties},
    }


def _url_maker(name: str) -> Callable[[int], str]:
    """``pk -> reverse(name, args=[pk])``, reversed once: a map answer holds thousands."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    head, tail = pattern.split(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def _area_pk(request: HttpRequest) -> int | None:
    raw = request.GET.get("area", "")
    return int(raw) if raw.isdigit() else None


def map_payload(actor: Any, area_pk: int | None) -> dict[str, Any]:
    """The map's answer for ``actor`` (the web page's JSON and the API's): raises
    :class:`~gridgov.core.errors.NotFound` for an area outside the jurisdiction. The caller
    checks :func:`may_view` first."""
    area = scope_area_for(actor=actor, pk=area_pk)
    data = case_map_for(actor=actor, area=area)
    area_url, case_url = _url_maker("areas:detail"), _url_maker("cases:detail")
    grids = [
        _geometry_feature(g["area"], open=g["open"], url=area_url(g["area"].pk)) for g in data.grids
    ]
    return {
        "points": [{**p, "url": case_url(p["id"])} for p in data.points],
        "open_total": data.open_total,
        "truncated": data.truncated,
        "grids": {"type": "FeatureCollection", "features": grids},
        "grids_truncated": data.grids_truncated,
        "max_open": max((g["open"] for g in data.grids), default=0),
        "county": _geometry_feature(data.county) if data.county is not None else None,
        "buildings": data.buildings,
    }


@never_cache
@login_required
@domain_errors
def map_json(request: HttpRequest) -> JsonResponse:
    """Open cases as points (the newest ones), grids with their open-case counts, the county
    outline and the roster buildings that have coordinates."""
    if not may_view(request.user):
        raise PermissionDenied(_("You may not view cases."))
    body = map_payload(request.user, _area_pk(request))
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def case_map_url(user: Any, area: Area | None = None) -> str:
    """The map JSON's address for a page showing ``area`` (``None``: the jurisdiction), or ""
    when ``user`` may not see cases there."""
    if area is None:
        return reverse("cases:map_json") if may_view(user) else ""
    if not scoping.can(user, Perm.CASE_VIEW, area):
        return ""
    return f"{reverse('cases:map_json')}?area={area.pk}"


def home_case_map_url(user: Any) -> str:
    """The case map on the home page is for those who watch a whole jurisdiction's cases:
    dispatchers, community staff and leaders (who triage or supervise)."""
    if any(scoping.has_perm_anywhere(user, p) for p in (Perm.CASE_TRIAGE, Perm.CASE_SUPERVISE)):
        return case_map_url(user)
    return ""


urlpatterns: list[URLPattern] = [path("map.json", map_json, name="map_json")]
