"""People pages: resident search and detail (masked), unmasking with a reason (audited),
resident and household forms, moving out, death, change of household, special-group tags.

Reads go through :mod:`gridgov.rosters.selectors` (a record outside the jurisdiction is a
404); writes through :mod:`gridgov.rosters.services`, which check again. Clear ID and phone
numbers appear only in the response to an unmask request, never in a redirect or a list.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.core import errors
from gridgov.core.pagination import CappedPaginator
from gridgov.core.views import action_submit, add_domain_error, domain_errors, form_submit
from gridgov.rosters import forms as f
from gridgov.rosters import privacy, selectors
from gridgov.rosters.codes import ResidentStatus
from gridgov.rosters.models import Household, Resident, TagType
from gridgov.rosters.services import people, tags

PAGE_SIZE = 30
AREA_PICKER_MAX = 400


# The service errors an edit page shows on its form (a refusal is a 403/404 page).
EDIT_ERRORS = (errors.ValidationFailed, errors.Conflict)


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Page:
    return CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _need_view(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.ROSTER_VIEW):
        raise HttpPermissionDenied(_("You hold no role that may view rosters."))


def _can_edit(user: Any, area: Any) -> bool:
    return scoping.can(user, Perm.ROSTER_EDIT, area)


def _area_choices(user: Any, perm: str, *, grids_only: bool = False) -> list[tuple[int, str]]:
    """Areas of the user's jurisdiction for ``perm`` down to grids, in tree order, indented."""
    base = scoping.visible_areas(user, perm).filter(is_active=True)
    if grids_only:
        base = base.filter(level__in=people.ROSTER_AREA_LEVELS)
    else:
        base = base.filter(level__lte=Level.MICRO_GRID)
    rows = list(base.order_by("code").only("id", "name", "level", "depth")[:AREA_PICKER_MAX])
    top = min((a.depth for a in rows), default=0)
    return [(a.pk, "\u3000" * (a.depth - top) + a.name) for a in rows]


def _row(r: Resident) -> dict[str, Any]:
    return {"r": r, "name": privacy.display_name(r)}


# --- residents ---------------------------------------------------------------------------------


@login_required
def residents(request: HttpRequest) -> HttpResponse:
    """Search and list residents of the jurisdiction: masked, filtered, one bounded page."""
    user = request.user
    _need_view(request)
    visible_types = selectors.tag_types(actor=user)
    if not scoping.has_perm_anywhere(user, Perm.ROSTER_SENSITIVE):
        visible_types = [t for t in visible_types if not t.sensitive]
    form = f.ResidentSearchForm(
        request.GET or None,
        areas=_area_choices(user, Perm.ROSTER_VIEW),
        tag_types=visible_types,
    )
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("area"):
            area = scoping.visible_areas(user, Perm.ROSTER_VIEW).filter(pk=data["area"]).first()
            filters["area"] = area
        if data.get("tag"):
            filters["tag"] = next((t for t in visible_types if t.code == data["tag"]), None)
        filters.update(
            q=data.get("q") or "",
            household_type=data.get("household_type") or "",
            status=data.get("status") or "",
        )
    qs = selectors.resident_search_for(actor=user, **filters)
    page = _page(request, qs)
    return render(
        request,
        "rosters/people/residents.html",
        {
            "form": form,
            "page_obj": page,
            "rows": [_row(r) for r in page.object_list],
            "filtered": bool(request.GET),
            "can_add_household": scoping.has_perm_anywhere(user, Perm.ROSTER_EDIT),
            "can_export": scoping.has_perm_anywhere(user, Perm.ROSTER_EXPORT),
            "title": _("Residents"),
        },
    )


def _detail_context(request: HttpRequest, resident: Resident) -> dict[str, Any]:
    user = request.user
    living = resident.status == ResidentStatus.LIVING
    can_edit = _can_edit(user, resident.area)
    sensitive_ok = privacy.can_see_sensitive(user, resident.area_path)
    tag_types = [t for t in selectors.tag_types(actor=user) if sensitive_ok or not t.sensitive]
    return {
        "resident": resident,
        "name": privacy.display_name(resident),
        "tags": selectors.tags_visible_for(user, resident),
        "tag_types": tag_types if can_edit and living else [],
        "history": selectors.resident_history(resident=resident),
        "memberships": selectors.resident_memberships(resident=resident),
        "can_edit": can_edit and living,
        "can_unmask": privacy.can_unmask(user, resident.area_path),
        "unmask_form": f.UnmaskForm(),
        "title": privacy.display_name(resident),
    }


@login_required
@never_cache
@domain_errors
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    return render(
        request, "rosters/people/resident_detail.html", _detail_context(request, resident)
    )


@login_required
@never_cache
@require_POST
@domain_errors
def resident_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the clear values once (audited). htmx gets the fragment, a plain POST the page."""
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    form = f.UnmaskForm(request.POST)
    clear: dict[str, str] | None = None
    if form.is_valid():
        try:
            clear = privacy.unmask(
                actor=request.user,
                obj=resident,
                reason=form.cleaned_data["reason"],
                fields=form.cleaned_data["show"] or list(privacy.UNMASK_FIELDS),
            )
        except errors.ValidationFailed as exc:
            add_domain_error(form, exc)
    labels = {"name": pgettext("person", "Name"), "id_number": _("ID number"), "phone": _("Phone")}
    ctx = {
        "resident": resident,
        "unmask_form": form,
        "clear": [(labels[k], v) for k, v in (clear or {}).items()],
    }
    # htmx swaps only 2xx answers: the partial with its field error comes back as 200.
    status = 200 if clear is not None or request.headers.get("HX-Request") else 400
    if request.headers.get("HX-Request"):
        return render(request, "rosters/people/_unmask.html", ctx, status=status)
    context = _detail_context(request, resident)
    context.update(ctx)
    return render(request, "rosters/people/resident_detail.html", context, status=status)


def _household_by_number(user: Any, number: str) -> Household:
    hh = selectors.household_list_for(actor=user, active=True).filter(number=number.strip()).first()
    if hh is None:
        msg = _("No household with this number in your jurisdiction.")
        raise errors.ValidationFailed(msg, fields={"household": msg})
    return hh


@login_required
@domain_errors
def resident_create(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = selectors.household_get_for(actor=request.user, pk=household_pk)
    if not _can_edit(request.user, household.area):
        raise HttpPermissionDenied(_("You may not change the rosters of this area."))
    initial = {"relation": "99" if household.head_id else "02"}
    form = f.ResidentForm(request.POST or None, initial=initial)
    done = form_submit(
        request,
        form,
        lambda data: people.resident_create(actor=request.user, household=household, **data),
        success=_("The resident is added."),
        redirect_to=lambda resident: reverse("rosters:resident_detail", args=[resident.pk]),
        catch=(errors.ValidationFailed,),
    )
    if done:
        return done
    return render(
        request,
        "rosters/people/resident_form.html",
        {
            "form": form,
            "household": household,
            "heading": _("New resident"),
            "cancel_url": reverse("rosters:household_detail", args=[household.pk]),
            "title": _("New resident"),
        },
    )


@login_required
@domain_errors
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    if not _can_edit(request.user, resident.area):
        raise HttpPermissionDenied(_("You may not change the rosters of this area."))
    initial = {
        k: getattr(resident, k)
        for k in (
            "name",
            "relation",
            "residence_type",
            "ethnicity",
            "political_status",
            "moved_in_on",
            "version",
        )
    }
    form = f.ResidentEditForm(
        request.POST or None,
        initial=initial,
        masked_id=resident.id_number_masked,
        masked_phone=resident.phone_masked,
    )

    def save(cleaned: dict[str, Any]) -> None:
        data = dict(cleaned)
        version = data.pop("version")
        for key in ("id_number", "phone"):
            if not data.get(key):
                data.pop(key)
        if not data.get("relation") or resident.household_id is None:
            data.pop("relation", None)
        people.resident_update(actor=request.user, resident=resident, version=version, **data)

    done = form_submit(
        request,
        form,
        save,
        success=_("The changes are saved."),
        redirect_to=reverse("rosters:resident_detail", args=[resident.pk]),
        catch=EDIT_ERRORS,
    )
    if done:
        return done
    return render(
        request,
        "rosters/people/resident_form.html",
        {
            "form": form,
            "household": resident.household,
            "heading": _("Edit %(name)s") % {"name": privacy.display_name(resident)},
            "cancel_url": reverse("rosters:resident_detail", args=[resident.pk]),
            "title": _("Edit resident"),
        },
    )


def _resident_action(
    request: HttpRequest, pk: int, form_class: type, heading: str, run: Any
) -> HttpResponse:
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    if not _can_edit(request.user, resident.area):
        raise HttpPermissionDenied(_("You may not change the rosters of this area."))
    form = form_class(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: run(resident, data),
        success=_("The roster is updated."),
        redirect_to=reverse("rosters:resident_detail", args=[resident.pk]),
        catch=EDIT_ERRORS,
    )
    if done:
        return done
    return render(
        request,
        "rosters/people/resident_action.html",
        {
            "form": form,
            "resident": resident,
            "name": privacy.display_name(resident),
            "heading": heading,
            "title": heading,
        },
    )


@login_required
@domain_errors
def resident_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    def run(resident: Resident, data: dict[str, Any]) -> None:
        people.resident_move_out(
            actor=request.user, resident=resident, on=data["on"], note=data["note"]
        )

    return _resident_action(request, pk, f.DateNoteForm, _("Moved out"), run)


@login_required
@domain_errors
def resident_died(request: HttpRequest, pk: int) -> HttpResponse:
    def run(resident: Resident, data: dict[str, Any]) -> None:
        people.resident_died(actor=request.user, resident=resident, on=data["on"])

    return _resident_action(request, pk, f.DiedForm, _("Record a death"), run)


@login_required
@domain_errors
def resident_household(request: HttpRequest, pk: int) -> HttpResponse:
    def run(resident: Resident, data: dict[str, Any]) -> None:
        household = _household_by_number(request.user, data["household"])
        people.resident_change_household(
            actor=request.user,
            resident=resident,
            household=household,
            relation=data["relation"],
            on=data["on"],
        )

    return _resident_action(request, pk, f.ChangeHouseholdForm, _("Change household"), run)


# --- tags --------------------------------------------------------------------------------------


@login_required
@domain_errors
def tag_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    tag_type = TagType.objects.filter(code=code, is_active=True).first()
    if tag_type is None or (
        tag_type.sensitive and not privacy.can_see_sensitive(request.user, resident.area_path)
    ):
        raise Http404(_("Not found, or outside your jurisdiction."))
    if not _can_edit(request.user, resident.area):
        raise HttpPermissionDenied(_("You may not change the rosters of this area."))
    form = f.tag_form(tag_type, request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: tags.tag_add(
            actor=request.user,
            resident=resident,
            tag_type=tag_type,
            start_on=data["start_on"],
            facts=f.facts_from(form),
            note=data.get("note", ""),
        ),
        success=_("The special group is added."),
        redirect_to=reverse("rosters:resident_detail", args=[resident.pk]),
        rename=lambda exc: {k: f"fact_{k}" for k in exc.fields},
        catch=EDIT_ERRORS,
    )
    if done:
        return done
    return render(
        request,
        "rosters/people/resident_action.html",
        {
            "form": form,
            "resident": resident,
            "name": privacy.display_name(resident),
            "heading": _("Add to %(group)s") % {"group": tag_type.name},
            "title": tag_type.name,
        },
    )


@login_required
@require_POST
@domain_errors
def tag_end(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    resident = selectors.resident_get_for(actor=request.user, pk=pk)
    tag = selectors.tag_get_for(actor=request.user, resident=resident, pk=tag_pk)
    return action_submit(
        request,
        f.TagEndForm(request.POST),
        lambda d: tags.tag_end(actor=request.user, tag=tag, on=d["end_on"], version=d["version"]),
        success=_("The special group is ended."),
        redirect_to=reverse("rosters:resident_detail", args=[resident.pk]),
        invalid=_("Enter a valid date."),
        catch=EDIT_ERRORS,
    )


# --- households --------------------------------------------------------------------------------


@login_required
def households(request: HttpRequest) -> HttpResponse:
    user = request.user
    _need_view(request)
    q = (request.GET.get("q") or "").strip()[:50]
    qs = selectors.household_list_for(actor=user, q=q)
    page = _page(request, qs)
    return render(
        request,
        "rosters/people/households.html",
        {
            "page_obj": page,
            "q": q,
            "can_add": scoping.has_perm_anywhere(user, Perm.ROSTER_EDIT),
            "title": _("Households"),
        },
    )


@login_required
@never_cache
@domain_errors
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for(actor=request.user, pk=pk)
    members = selectors.household_members(household=household)
    return render(
        request,
        "rosters/people/household_detail.html",
        {
            "household": household,
            "members": [_row(r) for r in members],
            "history": selectors.household_history(household=household),
            "can_edit": _can_edit(request.user, household.area) and household.is_active,
            "title": household.address,
        },
    )


@login_required
@domain_errors
def household_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    areas = _area_choices(user, Perm.ROSTER_EDIT, grids_only=True)
    if not areas:
        raise HttpPermissionDenied(_("You may not change the rosters of any grid."))
    form = f.HouseholdForm(request.POST or None, areas=areas)

    def create(data: dict[str, Any]) -> Household:
        area = scoping.visible_areas(user, Perm.ROSTER_EDIT).filter(pk=data["area"]).first()
        if area is None:
            raise errors.ValidationFailed(
                _("Choose a grid or a micro-grid."), fields={"area": _("Choose a grid.")}
            )
        return people.household_create(
            actor=user,
            area=area,
            household_type=data["household_type"],
            address=data["address"],
            number=data["number"],
        )

    done = form_submit(
        request,
        form,
        create,
        success=_("The household is added."),
        redirect_to=lambda household: reverse("rosters:household_detail", args=[household.pk]),
        catch=(errors.ValidationFailed,),
    )
    if done:
        return done
    return render(
        request,
        "rosters/people/household_form.html",
        {"form": form, "heading": _("New household"), "title": _("New household")},
    )


urlpatterns: list[URLPattern] = [
    path("residents/", residents, name="residents"),
    path("residents/<int:pk>/", resident_detail, name="resident_detail"),
    path("residents/<int:pk>/unmask/", resident_unmask, name="resident_unmask"),
    path("residents/<int:pk>/edit/", resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move-out/", resident_move_out, name="resident_move_out"),
    path("residents/<int:pk>/died/", resident_died, name="resident_died"),
    path("residents/<int:pk>/household/", resident_household, name="resident_household"),
    path("residents/<int:pk>/tags/add/<slug:code>/", tag_add, name="resident_tag_add"),
    path("residents/<int:pk>/tags/<int:tag_pk>/end/", tag_end, name="resident_tag_end"),
    path("households/", households, name="households"),
    path("households/new/", household_create, name="household_create"),
    path("households/<int:pk>/", household_detail, name="household_detail"),
    path("households/<int:household_pk>/residents/new/", resident_create, name="resident_create"),
]
