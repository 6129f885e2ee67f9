"""Pages of who mediates: the committees, rooms and mediators of the user's jurisdiction, the
forms that create and correct them, and the list of dispute types.

Reads need ``mediation.view`` (without it anywhere: 403), changes ``mediation.manage`` (403
without it anywhere; a row outside the jurisdiction is a 404). Phone numbers are shown masked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core.errors import ValidationFailed
from gridgov.core.views import domain_errors, form_submit
from gridgov.mediation.choices import MediatorKind
from gridgov.mediation.orgs import forms, selectors, services
from gridgov.mediation.orgs.services import KEEP

LIST_LIMIT = 200


def _require_anywhere(request: HttpRequest, perm: str) -> None:
    if not scoping.has_perm_anywhere(request.user, perm):
        raise PermissionDenied(_("You do not have permission to do this in this area."))


def crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Mediation organisations"), reverse("mediation:orgs_index")), *extra]


def form_page(
    request: HttpRequest, form: Any, *, heading: str, cancel: str, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "mediation/orgs/form.html",
        {
            "form": form,
            "heading": heading,
            "cancel_url": cancel,
            "crumbs": crumbs((heading, None)),
            "intro": intro,
            "title": heading,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Overview ---------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Committees, rooms and mediators of the jurisdiction (a name filter: ``q``)."""
    _require_anywhere(request, Perm.MEDIATION_VIEW)
    user = request.user
    q = request.GET.get("q", "").strip()[:50]
    kind = request.GET.get("kind", "")
    kind = kind if kind in MediatorKind.values else ""
    return render(
        request,
        "mediation/orgs/index.html",
        {
            "committees": selectors.committee_list(user, q=q)[:LIST_LIMIT],
            "rooms": selectors.room_list(user, q=q)[:LIST_LIMIT],
            "mediators": selectors.mediator_list(user, q=q, kind=kind)[:LIST_LIMIT],
            "limit": LIST_LIMIT,
            "q": q,
            "kind": kind,
            "kinds": MediatorKind.choices,
            "can_manage": scoping.has_perm_anywhere(user, Perm.MEDIATION_MANAGE),
            "crumbs": crumbs(),
            "title": _("Mediation organisations"),
        },
    )


def _back() -> str:
    return reverse("mediation:orgs_index")


# --- Committees -------------------------------------------------------------------------------


@login_required
@domain_errors
def committee_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    form = forms.CommitteeForm(request.POST or None, areas=selectors.manageable_areas(request.user))
    done = form_submit(
        request,
        form,
        lambda d: services.committee_create(actor=request.user, name=d["name"], area=d["area"]),
        success=lambda c: _("Committee %(name)s created.") % {"name": c.name},
        redirect_to=_back(),
    )
    return done or form_page(request, form, heading=_("New mediation committee"), cancel=_back())


@login_required
@domain_errors
def committee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    committee = selectors.committee_get(request.user, pk, Perm.MEDIATION_MANAGE)
    form = forms.CommitteeEditForm(
        request.POST or None, initial={"name": committee.name, "active": committee.active}
    )
    done = form_submit(
        request,
        form,
        lambda d: services.committee_update(
            actor=request.user, committee=committee, name=d["name"], active=d["active"]
        ),
        success=_("The committee is saved."),
        redirect_to=_back(),
    )
    return done or form_page(request, form, heading=committee.name, cancel=_back())


# --- Rooms ------------------------------------------------------------------------------------


def _room_form(request: HttpRequest, **kwargs: Any) -> forms.RoomForm:
    return forms.RoomForm(
        request.POST or None,
        areas=selectors.manageable_areas(request.user),
        committees=selectors.manageable_committees(request.user),
        **kwargs,
    )


@login_required
@domain_errors
def room_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    form = _room_form(request)
    done = form_submit(
        request,
        form,
        lambda d: services.room_create(
            actor=request.user,
            name=d["name"],
            area=d["area"],
            committee=d["committee"],
            address=d["address"],
            description=d["description"],
        ),
        success=lambda r: _("Mediation room %(name)s created.") % {"name": r.name},
        redirect_to=_back(),
    )
    return done or form_page(request, form, heading=_("New mediation room"), cancel=_back())


@login_required
@domain_errors
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    room = selectors.room_get(request.user, pk, Perm.MEDIATION_MANAGE)
    form = _room_form(
        request,
        edit=True,
        initial={
            "name": room.name,
            "committee": room.committee_id,
            "address": room.address,
            "description": room.description,
            "active": room.active,
        },
    )
    done = form_submit(
        request,
        form,
        lambda d: services.room_update(
            actor=request.user,
            room=room,
            name=d["name"],
            committee=d["committee"],
            address=d["address"],
            description=d["description"],
            active=d["active"],
        ),
        success=_("The mediation room is saved."),
        redirect_to=_back(),
    )
    return done or form_page(request, form, heading=room.name, cancel=_back())


# --- Mediators --------------------------------------------------------------------------------


def _mediator_form(request: HttpRequest, **kwargs: Any) -> forms.MediatorForm:
    return forms.MediatorForm(
        request.POST or None,
        areas=selectors.manageable_areas(request.user),
        committees=selectors.manageable_committees(request.user),
        rooms=selectors.manageable_rooms(request.user),
        **kwargs,
    )


def _links(request: HttpRequest, data: dict[str, Any], *, keep: bool) -> dict[str, Any]:
    """The account and resident named on the form (``KEEP`` for an empty field on an edit);
    an unknown one is a field error."""
    out: dict[str, Any] = {}
    username = data.get("username", "").strip()
    if username:
        user = selectors.account_by_username(username)
        if user is None:
            msg = _("No active account has this user name.")
            raise ValidationFailed(msg, fields={"username": msg})
        out["user"] = user
    elif not keep:
        out["user"] = None
    id_number = data.get("id_number", "").strip()
    if id_number:
        resident = selectors.resident_by_id_number(request.user, id_number)
        if resident is None:
            msg = _("No resident of your jurisdiction has this ID number.")
            raise ValidationFailed(msg, fields={"id_number": msg})
        out["resident"] = resident
    elif not keep:
        out["resident"] = None
    return out


@login_required
@domain_errors
def mediator_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    form = _mediator_form(request)

    def save(d: dict[str, Any]) -> Any:
        return services.mediator_create(
            actor=request.user,
            name=d["name"],
            kind=d["kind"],
            area=d["area"],
            committee=d["committee"],
            room=d["room"],
            phone=d["phone"],
            specialty=d["specialty"],
            **_links(request, d, keep=False),
        )

    done = form_submit(
        request,
        form,
        save,
        success=lambda m: _("Mediator %(name)s registered.") % {"name": m.name},
        redirect_to=_back(),
        rename={"user": "username", "resident": "id_number"},
    )
    return done or form_page(request, form, heading=_("New mediator"), cancel=_back())


@login_required
@domain_errors
def mediator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    mediator = selectors.mediator_get(request.user, pk, Perm.MEDIATION_MANAGE)
    form = _mediator_form(
        request,
        edit=True,
        initial={
            "name": mediator.name,
            "kind": mediator.kind,
            "committee": mediator.committee_id,
            "room": mediator.room_id,
            "specialty": mediator.specialty,
            "active": mediator.active,
        },
    )

    def save(d: dict[str, Any]) -> Any:
        links = _links(request, d, keep=True)
        return services.mediator_update(
            actor=request.user,
            mediator=mediator,
            name=d["name"] or mediator.name,
            kind=d["kind"],
            committee=d["committee"],
            room=d["room"],
            phone=d["phone"] or None,
            specialty=d["specialty"],
            user=links.get("user", KEEP),
            resident=links.get("resident", KEEP),
            active=d["active"],
        )

    done = form_submit(
        request,
        form,
        save,
        success=_("The mediator is saved."),
        redirect_to=_back(),
        rename={"user": "username", "resident": "id_number"},
    )
    intro = ""
    if mediator.phone_masked:
        intro = _("Current phone number: %(phone)s") % {"phone": mediator.phone_masked}
    return done or form_page(request, form, heading=mediator.name, cancel=_back(), intro=intro)


# --- Dispute types ----------------------------------------------------------------------------


@login_required
def type_list(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_VIEW)
    return render(
        request,
        "mediation/orgs/types.html",
        {
            "types": selectors.dispute_type_list(),
            "can_manage": scoping.has_perm_anywhere(request.user, Perm.MEDIATION_MANAGE),
            "crumbs": crumbs((_("Dispute types"), None)),
            "title": _("Dispute types"),
        },
    )


def _types() -> str:
    return reverse("mediation:orgs_types")


@login_required
@domain_errors
def type_create(request: HttpRequest) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    form = forms.DisputeTypeForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda d: services.dispute_type_create(
            actor=request.user,
            code=d["code"],
            name=d["name"],
            deadline_days=d["deadline_days"],
            sensitive=d["sensitive"],
            sort=d["sort"],
        ),
        success=lambda t: _("Dispute type %(name)s created.") % {"name": t.name},
        redirect_to=_types(),
    )
    return done or form_page(request, form, heading=_("New dispute type"), cancel=_types())


@login_required
@domain_errors
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_anywhere(request, Perm.MEDIATION_MANAGE)
    dtype = selectors.dispute_type_get(pk)
    form = forms.DisputeTypeForm(
        request.POST or None,
        edit=True,
        initial={
            "name": dtype.name,
            "deadline_days": dtype.deadline_days,
            "sensitive": dtype.sensitive,
            "sort": dtype.sort,
            "active": dtype.active,
        },
    )
    done = form_submit(
        request,
        form,
        lambda d: services.dispute_type_update(
            actor=request.user,
            dispute_type=dtype,
            name=d["name"],
            deadline_days=d["deadline_days"],
            sensitive=d["sensitive"],
            sort=d["sort"],
            active=d["active"],
        ),
        success=_("The dispute type is saved."),
        redirect_to=_types(),
    )
    intro = _("A new deadline applies to disputes registered from now on.")
    return done or form_page(request, form, heading=dtype.name, cancel=_types(), intro=intro)
