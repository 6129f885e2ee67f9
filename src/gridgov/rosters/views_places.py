"""Pages of the places roster: buildings (list grouped by estate, the units × floors × rooms
view with occupancy, create/edit, hand over to another grid), estates and villagers' groups,
the grid staff posts (三长联动) and the grid portrait.

Reads go through :mod:`gridgov.rosters.selectors_places` / ``selectors_portrait`` (outside the
jurisdiction: 404), writes through ``services.places`` / ``services.staff`` (their typed errors
become form errors).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.core.views import action_submit, domain_errors, form_submit
from gridgov.rosters import selectors_places as sel
from gridgov.rosters.codes import StaffPost
from gridgov.rosters.forms_places import (
    BuildingEditForm,
    BuildingForm,
    BuildingMoveForm,
    EstateForm,
    RoomAddForm,
    StaffAssignForm,
    StaffEndForm,
    UnitAddForm,
    VillageGroupForm,
)
from gridgov.rosters.models import Building
from gridgov.rosters.selectors_portrait import portrait_for
from gridgov.rosters.services import places as place_services
from gridgov.rosters.services import staff as staff_services

PAGE_SIZE = 50
MAX_AREA_CHOICES = 500
_T = "rosters/places/"


def _require_anywhere(request: HttpRequest, perm: str) -> None:
    if not scoping.has_perm_anywhere(request.user, perm):
        raise PermissionDenied(_("You do not have permission to do this in this area."))


def _require_at(request: HttpRequest, perm: str, area: Area) -> None:
    if not scoping.can(request.user, perm, area):
        raise PermissionDenied(_("You do not have permission to do this in this area."))


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Buildings"), reverse("rosters:buildings")), *extra]


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    heading: str,
    cancel: str,
    crumbs: list[tuple[str, str | None]],
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        _T + "form.html",
        {
            "form": form,
            "heading": heading,
            "intro": intro,
            "cancel_url": cancel,
            "crumbs": [*crumbs, (heading, None)],
            "title": heading,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Buildings --------------------------------------------------------------------------------


@login_required
@domain_errors
def buildings(request: HttpRequest) -> HttpResponse:
    """Buildings in the jurisdiction, grouped by estate, filtered by grid, estate and text."""
    _require_anywhere(request, Perm.ROSTER_VIEW)
    user = request.user
    area_id, estate_id = _int_param(request, "area"), _int_param(request, "estate")
    area = sel.place_area_get_for(actor=user, pk=area_id) if area_id else None
    estate = sel.estate_get_for(actor=user, pk=estate_id) if estate_id else None
    q = request.GET.get("q", "").strip()[: sel.MAX_Q]
    qs = sel.building_list_for(actor=user, area=area, estate=estate, q=q, with_counts=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    areas = sel.place_areas_for(actor=user, perm=Perm.ROSTER_VIEW)[:MAX_AREA_CHOICES]
    return render(
        request,
        _T + "building_list.html",
        {
            "page_obj": page,
            "areas": areas,
            "area": area,
            "estate": estate,
            "q": q,
            "can_edit": scoping.has_perm_anywhere(user, Perm.ROSTER_EDIT),
            "crumbs": [(_("Buildings"), None)],
            "title": _("Buildings"),
        },
    )


@login_required
@domain_errors
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The building view: units × floors × rooms, each room with its occupancy."""
    building = sel.building_get_for(actor=request.user, pk=pk)
    can_edit = scoping.can(request.user, Perm.ROSTER_EDIT, building.area)
    return render(
        request,
        _T + "building_detail.html",
        {
            "building": building,
            "grid": sel.building_grid(building),
            "moves": list(sel.building_moves(building=building)[:20]),
            "staff": list(sel.staff_list_for(actor=request.user, building=building)),
            "can_edit": can_edit,
            "unit_form": UnitAddForm() if can_edit else None,
            "room_form": RoomAddForm(building=building) if can_edit else None,
            "crumbs": _crumbs((str(building), None)),
            "title": str(building),
        },
    )


def _estates_for(request: HttpRequest) -> Any:
    return sel.estate_list_for(actor=request.user, perm=Perm.ROSTER_EDIT)


@login_required
@domain_errors
def building_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.ROSTER_EDIT)
    user = request.user
    initial: dict[str, Any] = {}
    if (area_id := _int_param(request, "area")) is not None:
        initial["area"] = area_id
    if (estate_id := _int_param(request, "estate")) is not None:
        initial["estate"] = estate_id
    form = BuildingForm(
        request.POST or None,
        initial=initial,
        areas=sel.place_areas_for(actor=user),
        estates=_estates_for(request),
    )
    done = form_submit(
        request,
        form,
        lambda d: place_services.building_create(
            actor=user,
            area=d["area"],
            estate=d["estate"],
            name=d["name"],
            address=d["address"],
            floors=d["floors"],
            units=d["units"],
            rooms_per_floor=d["rooms_per_floor"],
            lon=d["lon"],
            lat=d["lat"],
        ),
        success=lambda building: _("Building %(name)s created.") % {"name": building},
        redirect_to=lambda building: reverse("rosters:building_detail", args=[building.pk]),
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("New building"),
        cancel=reverse("rosters:buildings"),
        crumbs=_crumbs(),
    )


def _editable_building(request: HttpRequest, pk: int) -> Building:
    building = sel.building_get_for(actor=request.user, pk=pk)
    _require_at(request, Perm.ROSTER_EDIT, building.area)
    return building


@login_required
@domain_errors
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    building = _editable_building(request, pk)
    initial = {
        "estate": building.estate_id,
        "name": building.name,
        "address": building.address,
        "floors": building.floors,
        "lon": building.lon,
        "lat": building.lat,
        "is_active": building.is_active,
        "version": building.version,
    }
    estates = sel.estate_list_for(actor=request.user, area=building.area, perm=Perm.ROSTER_EDIT)
    form = BuildingEditForm(request.POST or None, initial=initial, estates=estates)
    detail = reverse("rosters:building_detail", args=[building.pk])

    def save(cleaned: dict[str, Any]) -> None:
        d = dict(cleaned)
        version = d.pop("version")
        place_services.building_update(actor=request.user, building=building, version=version, **d)

    done = form_submit(request, form, save, success=_("The building is saved."), redirect_to=detail)
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("Edit building"),
        cancel=detail,
        crumbs=_crumbs((str(building), detail)),
    )


@login_required
@domain_errors
def building_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the building to another grid of the user's jurisdiction, with a reason."""
    building = _editable_building(request, pk)
    areas = sel.place_areas_for(actor=request.user).exclude(pk=building.area_id)
    form = BuildingMoveForm(request.POST or None, areas=areas)
    detail = reverse("rosters:building_detail", args=[building.pk])
    done = form_submit(
        request,
        form,
        lambda d: place_services.building_move(
            actor=request.user, building=building, to_area=d["to_area"], reason=d["reason"]
        ),
        success=lambda _result: (
            _("The building now belongs to %(grid)s.") % {"grid": building.area.name}
        ),
        redirect_to=detail,
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("Move to another grid"),
        intro=_(
            "Its households, their residents and their special-group records move with it. "
            "Now in: %(grid)s."
        )
        % {"grid": building.area.name},
        cancel=detail,
        crumbs=_crumbs((str(building), detail)),
    )


@require_POST
@login_required
@domain_errors
def unit_add(request: HttpRequest, pk: int) -> HttpResponse:
    building = _editable_building(request, pk)
    return action_submit(
        request,
        UnitAddForm(request.POST),
        lambda d: place_services.unit_add(actor=request.user, building=building, name=d["name"]),
        success=lambda unit: _("Unit %(name)s added.") % {"name": unit},
        redirect_to=reverse("rosters:building_detail", args=[building.pk]),
    )


@require_POST
@login_required
@domain_errors
def room_add(request: HttpRequest, pk: int) -> HttpResponse:
    building = _editable_building(request, pk)
    return action_submit(
        request,
        RoomAddForm(request.POST, building=building),
        lambda d: place_services.room_add(
            actor=request.user, unit=d["unit"], floor=d["floor"], number=d["number"]
        ),
        success=lambda room: _("Room %(number)s added.") % {"number": room.number},
        redirect_to=reverse("rosters:building_detail", args=[building.pk]),
    )


# --- Estates and villagers' groups ------------------------------------------------------------


@login_required
@domain_errors
def estates(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.ROSTER_VIEW)
    user = request.user
    area_id = _int_param(request, "area")
    area = sel.place_area_get_for(actor=user, pk=area_id) if area_id else None
    return render(
        request,
        _T + "estate_list.html",
        {
            "page_obj": Paginator(
                sel.estate_list_for(actor=user, area=area, q=request.GET.get("q", "")),
                PAGE_SIZE,
            ).get_page(request.GET.get("page")),
            "groups": list(sel.village_group_list_for(actor=user, area=area)[:PAGE_SIZE]),
            "areas": sel.place_areas_for(actor=user, perm=Perm.ROSTER_VIEW)[:MAX_AREA_CHOICES],
            "area": area,
            "q": request.GET.get("q", "")[: sel.MAX_Q],
            "can_edit": scoping.has_perm_anywhere(user, Perm.ROSTER_EDIT),
            "crumbs": _crumbs((_("Estates and villagers' groups"), None)),
            "title": _("Estates and villagers' groups"),
        },
    )


@login_required
@domain_errors
def estate_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.ROSTER_EDIT)
    initial = {"area": _int_param(request, "area")}
    form = EstateForm(
        request.POST or None, initial=initial, areas=sel.place_areas_for(actor=request.user)
    )
    done = form_submit(
        request,
        form,
        lambda d: place_services.estate_create(
            actor=request.user, area=d["area"], name=d["name"], address=d["address"]
        ),
        success=lambda _estate: _("Estate %(name)s created.") % {"name": form.cleaned_data["name"]},
        redirect_to=reverse("rosters:estates"),
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("New estate"),
        cancel=reverse("rosters:estates"),
        crumbs=_crumbs((_("Estates and villagers' groups"), reverse("rosters:estates"))),
    )


@login_required
@domain_errors
def estate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    estate = sel.estate_get_for(actor=request.user, pk=pk)
    _require_at(request, Perm.ROSTER_EDIT, estate.area)
    form = EstateForm(
        request.POST or None, initial={"name": estate.name, "address": estate.address}
    )
    done = form_submit(
        request,
        form,
        lambda d: place_services.estate_update(
            actor=request.user, estate=estate, name=d["name"], address=d["address"]
        ),
        success=_("The estate is saved."),
        redirect_to=reverse("rosters:estates"),
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("Edit estate"),
        cancel=reverse("rosters:estates"),
        crumbs=_crumbs((_("Estates and villagers' groups"), reverse("rosters:estates"))),
    )


@login_required
@domain_errors
def village_group_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.ROSTER_EDIT)
    initial = {"area": _int_param(request, "area")}
    form = VillageGroupForm(
        request.POST or None, initial=initial, areas=sel.place_areas_for(actor=request.user)
    )
    done = form_submit(
        request,
        form,
        lambda d: place_services.village_group_create(
            actor=request.user, area=d["area"], name=d["name"]
        ),
        success=lambda _group: (
            _("Villagers' group %(name)s created.") % {"name": form.cleaned_data["name"]}
        ),
        redirect_to=reverse("rosters:estates"),
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("New villagers' group"),
        cancel=reverse("rosters:estates"),
        crumbs=_crumbs((_("Estates and villagers' groups"), reverse("rosters:estates"))),
    )


@login_required
@domain_errors
def village_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = sel.village_group_get_for(actor=request.user, pk=pk)
    _require_at(request, Perm.ROSTER_EDIT, group.area)
    form = VillageGroupForm(request.POST or None, initial={"name": group.name})
    done = form_submit(
        request,
        form,
        lambda d: place_services.village_group_update(
            actor=request.user, group=group, name=d["name"]
        ),
        success=_("The villagers' group is saved."),
        redirect_to=reverse("rosters:estates"),
    )
    if done:
        return done
    return _form_page(
        request,
        form,
        heading=_("Edit villagers' group"),
        cancel=reverse("rosters:estates"),
        crumbs=_crumbs((_("Estates and villagers' groups"), reverse("rosters:estates"))),
    )


# --- Staff posts and the portrait -------------------------------------------------------------


def _area_crumbs(area: Area) -> list[tuple[str, str | None]]:
    return [(area.name, reverse("rosters:portrait", args=[area.pk]))]


@login_required
@domain_errors
def staff(request: HttpRequest, area_id: int) -> HttpResponse:
    """Staff posts in an area (open ones; ``?ended=1`` with history), and for editors the form
    to give a post."""
    user = request.user
    area = sel.place_area_get_for(actor=user, pk=area_id)
    can_edit = area.level in place_services.PLACE_LEVELS and scoping.can(
        user, Perm.ROSTER_EDIT, area
    )
    form = None
    if can_edit:
        buildings = sel.building_list_for(actor=user, area=area, perm=Perm.ROSTER_EDIT).filter(
            area=area
        )
        form = StaffAssignForm(
            request.POST or None,
            users=sel.assignable_users(actor=user, area=area),
            buildings=buildings,
        )
        done = form_submit(
            request,
            form,
            lambda d: staff_services.staff_assign(
                actor=user,
                user=d["user"],
                post=d["post"],
                area=area,
                building=d["building"],
                unit=d["unit"],
                start_on=d["start_on"],
            ),
            success=_("The post is assigned."),
            redirect_to=reverse("rosters:staff", args=[area.pk]),
        )
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    include_ended = request.GET.get("ended") == "1"
    posts = sel.staff_list_for(actor=user, area=area, include_ended=include_ended)
    heading = _("Grid staff")
    return render(
        request,
        _T + "staff.html",
        {
            "area": area,
            "posts": Paginator(posts, 100).get_page(request.GET.get("page")),
            "include_ended": include_ended,
            "form": form,
            "end_form": StaffEndForm() if can_edit else None,
            "can_edit": can_edit,
            "grid_posts": [str(p) for p in staff_services.GRID_POSTS],
            "building_post": str(StaffPost.BUILDING_CHIEF),
            "crumbs": [*_area_crumbs(area), (heading, None)],
            "title": f"{area.name} · {heading}",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
@domain_errors
def staff_end(request: HttpRequest, pk: int) -> HttpResponse:
    post = sel.staff_get_for(actor=request.user, pk=pk)
    _require_at(request, Perm.ROSTER_EDIT, post.area)
    return action_submit(
        request,
        StaffEndForm(request.POST),
        lambda d: staff_services.staff_end(actor=request.user, assignment=post, end_on=d["end_on"]),
        success=_("The post has ended."),
        redirect_to=reverse("rosters:staff", args=[post.area_id]),
    )


@login_required
@domain_errors
def portrait(request: HttpRequest, area_id: int) -> HttpResponse:
    """The grid portrait: households, residents, special groups, staff, party, recent cases."""
    area = sel.place_area_get_for(actor=request.user, pk=area_id)
    data = portrait_for(actor=request.user, area=area)
    heading = _("Grid portrait")
    return render(
        request,
        _T + "portrait.html",
        {
            "p": data,
            "area": area,
            "crumbs": [(area.name, None)],
            "heading": heading,
            "title": f"{area.name} · {heading}",
        },
    )


urlpatterns = [
    path("buildings/", buildings, name="buildings"),
    path("buildings/new/", building_create, name="building_create"),
    path("buildings/<int:pk>/", building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", building_edit, name="building_edit"),
    path("buildings/<int:pk>/move/", building_move, name="building_move"),
    path("buildings/<int:pk>/units/new/", unit_add, name="unit_add"),
    path("buildings/<int:pk>/rooms/new/", room_add, name="room_add"),
    path("estates/", estates, name="estates"),
    path("estates/new/", estate_create, name="estate_create"),
    path("estates/<int:pk>/edit/", estate_edit, name="estate_edit"),
    path("village-groups/new/", village_group_create, name="village_group_create"),
    path("village-groups/<int:pk>/edit/", village_group_edit, name="village_group_edit"),
    path("grids/<int:area_id>/staff/", staff, name="staff"),
    path("staff/<int:pk>/end/", staff_end, name="staff_end"),
    path("grids/<int:area_id>/portrait/", portrait, name="portrait"),
]
