"""Area browser: the user's jurisdiction roots, drill-down through the tree with a map of the
children, the staff of an area, and (for administrators) creating, renaming and drawing areas.

Every read goes through :mod:`gridgov.areas.selectors` (scoped: an area outside the user's
jurisdiction is a 404), every change through :mod:`gridgov.areas.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.accounts.selectors import staff_of_area
from gridgov.areas import services
from gridgov.areas.codes import Level
from gridgov.areas.forms import BoundaryForm, ChildAreaForm, RenameForm, child_levels
from gridgov.areas.models import Area
from gridgov.areas.selectors import (
    area_ancestors,
    area_child_counts,
    area_get_for,
    area_list_for,
    subtree_q,
)
from gridgov.cases.casemap.views import case_map_url
from gridgov.core.errors import DomainError
from gridgov.core.pii import mask_mobile
from gridgov.core.views import domain_errors, form_submit

CHILDREN_PAGE_SIZE = 100
# At most this many polygons go to the browser in one map answer.
MAP_MAX_FEATURES = 3000
_MAP_FIELDS = ("id", "code", "name", "level", "geometry")
# Error codes of areas.geo that are about the pasted boundary itself.
_BOUNDARY_ERRORS = {"invalid_geojson", "out_of_bounds", "invalid_polygon", "overlap"}


def _require_view(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.VIEW_AREA):
        raise PermissionDenied(_("You hold no role that may view areas."))


def _with_child_counts(qs: QuerySet[Area]) -> QuerySet[Area]:
    return qs.annotate(n_children=Count("children")).order_by("code")


def _crumbs(request: HttpRequest, area: Area | None) -> list[tuple[str, str | None]]:
    """Breadcrumbs from the top: ancestors the user may open are links, the others plain text."""
    crumbs: list[tuple[str, str | None]] = [(_("Areas"), reverse("areas:index"))]
    if area is None:
        return crumbs
    for a in area_ancestors(area=area):
        url = (
            reverse("areas:detail", args=[a.pk])
            if scoping.can(request.user, Perm.VIEW_AREA, a)
            else None
        )
        crumbs.append((a.name, url))
    return crumbs


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The top areas of the user's jurisdiction, with a map of them."""
    _require_view(request)
    roots = scoping.jurisdiction_roots(request.user, Perm.VIEW_AREA)
    root_ids = [a.pk for a in roots]
    rows = list(_with_child_counts(Area.objects.filter(pk__in=root_ids)))
    order = {pk: i for i, pk in enumerate(root_ids)}
    rows.sort(key=lambda a: order[a.pk])
    return render(
        request,
        "areas/area_index.html",
        {
            "areas": rows,
            "crumbs": _crumbs(request, None),
            "map_url": reverse("areas:roots_map_json"),
            "cases_map_url": case_map_url(request.user),
            "title": _("Areas"),
        },
    )


@login_required
@domain_errors
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = area_get_for(actor=request.user, pk=pk)
    user = request.user
    children = _with_child_counts(area_list_for(actor=user).filter(parent=area))
    page = Paginator(children, CHILDREN_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = [(Level(lv).label, n) for lv, n in area_child_counts(area=area).items()]
    parent = area.parent
    staff: list[dict[str, Any]] | None = None
    if scoping.can(user, Perm.VIEW_STAFF, area):
        staff = [
            {
                "name": str(g.user),
                "role": g.get_role_display(),
                "department": g.department.name if g.department else "",
                "mobile": mask_mobile(g.user.mobile),
                "active": g.user.is_active,
            }
            for g in staff_of_area(actor=user, area=area)
        ]
    return render(
        request,
        "areas/area_detail.html",
        {
            "area": area,
            "parent": parent,
            "parent_visible": parent is not None and scoping.can(user, Perm.VIEW_AREA, parent),
            "page_obj": page,
            "counts": counts,
            "staff": staff,
            "can_manage": scoping.can(user, Perm.MANAGE_AREA, area),
            "can_see_roster": area.level in (Level.GRID, Level.MICRO_GRID)
            and scoping.can(user, Perm.ROSTER_VIEW, area),
            "can_add_child": bool(child_levels(area)),
            "crumbs": _crumbs(request, area),
            "map_url": reverse("areas:map_json", args=[area.pk]),
            "cases_map_url": case_map_url(user, area),
            "title": area.name,
        },
    )


# --- Map data --------------------------------------------------------------------------------


def _feature(area: Area) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": area.geometry,
        "properties": {
            "id": area.pk,
            "code": area.display_code,
            "name": area.name,
            "level": area.level,
            "level_label": str(area.get_level_display()),
            "url": reverse("areas:detail", args=[area.pk]),
        },
    }


def _collection(qs: QuerySet[Area], own: Area | None = None) -> JsonResponse:
    rows = list(qs.only(*_MAP_FIELDS).order_by("code")[: MAP_MAX_FEATURES + 1])
    data: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [_feature(a) for a in rows[:MAP_MAX_FEATURES]],
        "truncated": len(rows) > MAP_MAX_FEATURES,
        "area": _feature(own) if own is not None and own.geometry else None,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@domain_errors
def map_json(request: HttpRequest, pk: int) -> JsonResponse:
    """GeoJSON of the area's children that have a boundary (``?level=N``: its descendants at
    level N instead). When no child has a boundary, the grids below the area are shown. The
    answer's ``area`` member is the area's own outline."""
    area = area_get_for(actor=request.user, pk=pk)
    visible = area_list_for(actor=request.user).filter(is_active=True, geometry__isnull=False)
    level = request.GET.get("level", "")
    if level.isdigit() and int(level) in Level.values:
        qs = visible.filter(subtree_q(area.path), level=int(level)).exclude(pk=area.pk)
    else:
        qs = visible.filter(parent=area)
        if not qs.exists():
            qs = visible.filter(subtree_q(area.path), level=Level.GRID).exclude(pk=area.pk)
    return _collection(qs, own=area)


@never_cache
@login_required
def roots_map_json(request: HttpRequest) -> JsonResponse:
    """GeoJSON of the user's jurisdiction roots (or, when they have no boundary, the grids in
    the jurisdiction)."""
    _require_view(request)
    roots = scoping.jurisdiction_roots(request.user, Perm.VIEW_AREA)
    visible = area_list_for(actor=request.user).filter(is_active=True, geometry__isnull=False)
    qs = visible.filter(pk__in=[a.pk for a in roots])
    if not qs.exists():
        qs = visible.filter(level=Level.GRID)
    return _collection(qs)


# --- Administration of the tree --------------------------------------------------------------


def _managed_area(request: HttpRequest, pk: int) -> Area:
    """The area if the user may see it (else 404) and manage it (else 403)."""
    area = area_get_for(actor=request.user, pk=pk)
    if not scoping.can(request.user, Perm.MANAGE_AREA, area):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    return area


def _form_page(
    request: HttpRequest, area: Area, form: Any, *, heading: str, template: str
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "area": area,
            "form": form,
            "heading": heading,
            "crumbs": [*_crumbs(request, area), (heading, None)],
            "title": heading,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@domain_errors
def create_child(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _managed_area(request, pk)
    form = ChildAreaForm(parent, request.POST or None)
    done = form_submit(
        request,
        form,
        lambda d: services.area_create(
            actor=request.user, parent=parent, level=d["level"], code=d["code"], name=d["name"]
        ),
        success=lambda child: _("Area %(name)s created.") % {"name": child.name},
        redirect_to=lambda child: reverse("areas:detail", args=[child.pk]),
    )
    if done:
        return done
    return _form_page(
        request,
        parent,
        form,
        heading=_("New area under %(name)s") % {"name": parent.name},
        template="areas/area_form.html",
    )


@login_required
@domain_errors
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    area = _managed_area(request, pk)
    form = RenameForm(request.POST or None, initial={"name": area.name, "version": area.version})
    done = form_submit(
        request,
        form,
        lambda d: services.area_update(
            actor=request.user, area=area, name=d["name"], version=d["version"]
        ),
        success=_("The area is renamed."),
        redirect_to=reverse("areas:detail", args=[area.pk]),
    )
    if done:
        return done
    return _form_page(request, area, form, heading=_("Rename"), template="areas/area_form.html")


@login_required
@domain_errors
def boundary(request: HttpRequest, pk: int) -> HttpResponse:
    area = _managed_area(request, pk)
    form = BoundaryForm(
        request.POST or None, request.FILES or None, initial={"version": area.version}
    )

    def save(d: dict[str, Any]) -> None:
        try:
            services.area_set_boundary(
                actor=request.user, area=area, geometry=d["geojson"], version=d["version"]
            )
        except DomainError as exc:
            if exc.fields.get("geometry") or exc.code in _BOUNDARY_ERRORS:
                # A fault of the shape: its message beside the upload.
                exc.fields = {"geojson": exc.message}
            raise

    done = form_submit(
        request,
        form,
        save,
        success=_("The boundary is saved."),
        redirect_to=reverse("areas:detail", args=[area.pk]),
    )
    if done:
        return done
    return _form_page(request, area, form, heading=_("Boundary"), template="areas/area_form.html")
