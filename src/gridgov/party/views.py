"""Party pages: the organisation tree of the user's jurisdiction, organisations, members with
transfers and confirmation, and (in :mod:`gridgov.party.views_work`) meetings, 双报到 and the
member Excel import/export.

Reads go through :mod:`gridgov.party.selectors` (scoped: outside the jurisdiction is a 404),
changes through :mod:`gridgov.party.services` (PARTY_MANAGE at the organisation's area).
ID and phone numbers are shown masked; :func:`member_unmask` shows them once, with a reason,
through :func:`gridgov.core.pii.unmask` (audited).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import pii
from gridgov.core.errors import DomainError
from gridgov.core.views import add_domain_error, domain_errors, form_submit
from gridgov.party import forms, selectors, services, views_work
from gridgov.party.models import MemberStatus, PartyMember, PartyOrg

PAGE_SIZE = 50
RECENT_MEETINGS = 10
EVENT_LABELS = {
    "member_created": gettext_lazy("Registered"),
    "member_updated": gettext_lazy("Record corrected"),
    "member_confirmed": gettext_lazy("Became a full member"),
    "member_transferred_out": gettext_lazy("Transferred out"),
    "member_transferred_in": gettext_lazy("Transferred in"),
    "member_left": gettext_lazy("Left the organisation"),
    "dual_report_created": gettext_lazy("Dual registration recorded"),
    "dual_report_ended": gettext_lazy("Dual registration ended"),
    "member_resident_linked": gettext_lazy("Linked to the residents' roster"),
}


def require_party_view(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.PARTY_VIEW):
        raise PermissionDenied(_("You hold no role that may view party organisations."))


def can_manage(request: HttpRequest, org: PartyOrg) -> bool:
    return scoping.can(request.user, Perm.PARTY_MANAGE, org.area)


def managed_org(request: HttpRequest, pk: Any) -> PartyOrg:
    """The organisation if visible (else 404) and manageable (else 403)."""
    org = selectors.org_get_for(actor=request.user, pk=pk)
    if not can_manage(request, org):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    return org


def managed_orgs(request: HttpRequest) -> Any:
    return selectors.org_list_for(actor=request.user, perm=Perm.PARTY_MANAGE).order_by(
        "area_path", "kind", "name"
    )


def crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Party building"), reverse("party:index")), *extra]


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    heading: str,
    cancel: str,
    trail: list[tuple[str, str | None]],
    intro: str = "",
) -> HttpResponse:
    return render(
        request,
        "party/form.html",
        {
            "form": form,
            "heading": heading,
            "cancel_url": cancel,
            "crumbs": [*trail, (heading, None)],
            "intro": intro,
            "title": heading,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Index and organisations ------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The organisation tree of the jurisdiction with member counts, and recent meetings."""
    require_party_view(request)
    tree = selectors.org_tree_for(actor=request.user)
    recent = list(selectors.meeting_list_for(actor=request.user)[:RECENT_MEETINGS])
    for m in recent:
        m.rate = selectors.attendance_rate(m.n_present, m.n_total)  # type: ignore[attr-defined]
    return render(
        request,
        "party/index.html",
        {
            "tree": tree,
            "recent": recent,
            "can_manage": scoping.has_perm_anywhere(request.user, Perm.PARTY_MANAGE),
            "crumbs": crumbs(),
            "title": _("Party building"),
        },
    )


@login_required
@domain_errors
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.org_get_for(actor=request.user, pk=pk)
    members = selectors.member_list_for(actor=request.user, org=org)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    children = selectors.org_list_for(actor=request.user).filter(parent=org).order_by("name")
    recent = list(selectors.meeting_list_for(actor=request.user, org=org)[:RECENT_MEETINGS])
    for m in recent:
        m.rate = selectors.attendance_rate(m.n_present, m.n_total)  # type: ignore[attr-defined]
    parent = org.parent
    return render(
        request,
        "party/org_detail.html",
        {
            "org": org,
            "parent_visible": parent is not None
            and scoping.can(request.user, Perm.PARTY_VIEW, parent.area),
            "children": children,
            "page_obj": page,
            "recent": recent,
            "can_manage": can_manage(request, org),
            "can_add_child": org.is_active and org.kind != "group",
            "crumbs": crumbs((org.name, None)),
            "title": org.name,
        },
    )


@login_required
@domain_errors
def org_create(request: HttpRequest) -> HttpResponse:
    if not scoping.has_perm_anywhere(request.user, Perm.PARTY_MANAGE):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    parent = None
    if request.GET.get("parent"):
        parent = managed_org(request, request.GET["parent"])
    areas = selectors.org_area_choices(actor=request.user, within=parent.area if parent else None)
    initial: dict[str, Any] = {"parent": parent, "area": parent.area if parent else None}
    if parent is not None:
        initial["kind"] = {"branch": "group", "committee": "branch"}.get(parent.kind, "branch")
    form = forms.OrgForm(
        request.POST or None, initial=initial, parents=managed_orgs(request), areas=areas
    )
    done = form_submit(
        request,
        form,
        lambda data: services.org_create(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            area=data["area"],
            parent=data["parent"],
            secretary=data["secretary"],
            established_on=data["established_on"],
        ),
        success=lambda org: _("Organisation %(name)s created.") % {"name": org.name},
        redirect_to=lambda org: reverse("party:org_detail", args=[org.pk]),
    )
    if done:
        return done
    cancel = reverse("party:org_detail", args=[parent.pk]) if parent else reverse("party:index")
    return form_page(
        request, form, heading=_("New party organisation"), cancel=cancel, trail=crumbs()
    )


@login_required
@domain_errors
def org_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = managed_org(request, pk)
    form = forms.OrgEditForm(
        request.POST or None,
        initial={
            "name": org.name,
            "secretary": org.secretary,
            "established_on": org.established_on,
            "is_active": org.is_active,
        },
    )
    detail_url = reverse("party:org_detail", args=[org.pk])
    done = form_submit(
        request,
        form,
        lambda data: services.org_update(
            actor=request.user,
            org=org,
            name=data["name"],
            secretary=data["secretary"],
            established_on=data["established_on"],
            is_active=data["is_active"],
        ),
        success=_("The organisation is saved."),
        redirect_to=detail_url,
    )
    if done:
        return done
    return form_page(
        request,
        form,
        heading=_("Edit organisation"),
        cancel=detail_url,
        trail=crumbs((org.name, detail_url)),
    )


# --- Members ----------------------------------------------------------------------------------


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    require_party_view(request)
    return member_list_page(request, request.GET)


def member_list_page(
    request: HttpRequest, params: Any, *, export_form: Any = None, status: int = 200
) -> HttpResponse:
    """The member list filtered by ``params``; ``export_form``: the unmasked-export form with
    its errors (shown unfolded)."""
    orgs = selectors.org_list_for(actor=request.user).order_by("area__code", "kind", "name")
    filters = {k: v for k, v in params.items() if k in forms.MemberFilterForm.base_fields}
    form = forms.MemberFilterForm(filters or None, orgs=orgs)
    data = form.cleaned_data if form.is_valid() else {}
    members = selectors.member_list_for(
        actor=request.user,
        org=data.get("org"),
        q=data.get("q", ""),
        status=data.get("status", ""),
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "party/member_list.html",
        {
            "form": form,
            "page_obj": page,
            "filtered": bool(data and any(data.values())),
            "can_manage": scoping.has_perm_anywhere(request.user, Perm.PARTY_MANAGE),
            "can_export": scoping.has_perm_anywhere(request.user, Perm.ROSTER_EXPORT),
            "can_unmask_export": scoping.has_perm_anywhere(request.user, Perm.ROSTER_UNMASK),
            "export_form": export_form or forms.ExportForm(),
            "query": request.GET.urlencode(),
            "crumbs": crumbs((_("Party members"), None)),
            "title": _("Party members"),
        },
        status=status,
    )


def _member_page(
    request: HttpRequest,
    member: PartyMember,
    *,
    clear: dict[str, str] | None = None,
    unmask_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    manage = can_manage(request, member.org)
    events = list(selectors.member_events(member)[:50])
    for e in events:
        e.label = EVENT_LABELS.get(e.kind, e.kind)  # type: ignore[attr-defined]
    response = render(
        request,
        "party/member_detail.html",
        {
            "member": member,
            "transfers": selectors.member_transfers(member),
            "events": events,
            "can_manage": manage and member.is_active,
            "can_unmask": pii.can_unmask(request.user, member.area_path),
            "unmask_form": unmask_form or forms.UnmaskForm(),
            "clear": clear,
            "is_probationary": member.status == MemberStatus.PROBATIONARY,
            "crumbs": crumbs(
                (member.org.name, reverse("party:org_detail", args=[member.org_id])),
                (member.name, None),
            ),
            "title": member.name,
        },
        status=status,
    )
    if clear:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
@domain_errors
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_page(request, selectors.member_get_for(actor=request.user, pk=pk))


@never_cache
@login_required
@require_POST
@domain_errors
def member_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the member's ID and phone numbers unmasked once (reason required, audited)."""
    member = selectors.member_get_for(actor=request.user, pk=pk)
    form = forms.UnmaskForm(request.POST)
    if form.is_valid():
        try:
            clear = pii.unmask(
                actor=request.user,
                obj=member,
                reason=form.cleaned_data["reason"],
                fields=("id_number", "phone"),
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc)
        else:
            return _member_page(request, member, clear=clear)
    return _member_page(request, member, unmask_form=form, status=400)


@login_required
@domain_errors
def member_create(request: HttpRequest) -> HttpResponse:
    if not scoping.has_perm_anywhere(request.user, Perm.PARTY_MANAGE):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    org = managed_org(request, request.GET["org"]) if request.GET.get("org") else None
    orgs = managed_orgs(request).filter(is_active=True)
    form = forms.MemberForm(request.POST or None, initial={"org": org}, orgs=orgs)
    done = form_submit(
        request,
        form,
        lambda data: services.member_create(
            actor=request.user,
            org=data["org"],
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            status=data["status"],
            joined_on=data["joined_on"],
            confirmed_on=data["confirmed_on"],
        ),
        success=lambda member: _("Member %(name)s registered.") % {"name": member.name},
        redirect_to=lambda member: reverse("party:member_detail", args=[member.pk]),
    )
    if done:
        return done
    cancel = reverse("party:org_detail", args=[org.pk]) if org else reverse("party:member_list")
    return form_page(
        request,
        form,
        heading=_("Register a party member"),
        cancel=cancel,
        trail=crumbs((_("Party members"), reverse("party:member_list"))),
    )


def _managed_member(request: HttpRequest, pk: int) -> PartyMember:
    member = selectors.member_get_for(actor=request.user, pk=pk)
    if not can_manage(request, member.org):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    return member


def _member_trail(member: PartyMember) -> list[tuple[str, str | None]]:
    return crumbs(
        (member.org.name, reverse("party:org_detail", args=[member.org_id])),
        (member.name, reverse("party:member_detail", args=[member.pk])),
    )


@login_required
@domain_errors
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    form = forms.MemberEditForm(
        request.POST or None,
        member=member,
        initial={
            "name": member.name,
            "joined_on": member.joined_on,
            "confirmed_on": member.confirmed_on,
            "version": member.version,
        },
    )

    def save(data: dict[str, Any]) -> None:
        extra = {"confirmed_on": data["confirmed_on"]} if "confirmed_on" in data else {}
        services.member_update(
            actor=request.user,
            member=member,
            version=data["version"],
            name=data["name"],
            id_number=data["id_number"] or None,
            phone=data["phone"] or None,
            joined_on=data["joined_on"],
            **extra,
        )

    done = form_submit(
        request,
        form,
        save,
        success=_("The member is saved."),
        redirect_to=reverse("party:member_detail", args=[member.pk]),
    )
    if done:
        return done
    return form_page(
        request,
        form,
        heading=_("Edit member"),
        cancel=reverse("party:member_detail", args=[member.pk]),
        trail=_member_trail(member),
        intro=_("ID number %(id)s, phone %(phone)s")
        % {"id": member.id_number_masked, "phone": member.phone_masked or "—"},
    )


@login_required
@domain_errors
def member_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    form = forms.ConfirmForm(request.POST or None, initial={"version": member.version})
    done = form_submit(
        request,
        form,
        lambda data: services.member_confirm(
            actor=request.user, member=member, on=data["on"], version=data["version"]
        ),
        success=_("%(name)s is now a full member.") % {"name": member.name},
        redirect_to=reverse("party:member_detail", args=[member.pk]),
    )
    if done:
        return done
    return form_page(
        request,
        form,
        heading=_("Confirm as full member"),
        cancel=reverse("party:member_detail", args=[member.pk]),
        trail=_member_trail(member),
        intro=_("Joined the Party on %(date)s.") % {"date": member.joined_on},
    )


@login_required
@domain_errors
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    orgs = managed_orgs(request).filter(is_active=True).exclude(pk=member.org_id)
    form = forms.TransferForm(request.POST or None, orgs=orgs)
    done = form_submit(
        request,
        form,
        lambda data: services.member_transfer(
            actor=request.user,
            member=member,
            to_org=data["to_org"],
            on=data["on"],
            reason=data["reason"],
        ),
        success=_("The member is transferred."),
        redirect_to=reverse("party:member_detail", args=[member.pk]),
    )
    if done:
        return done
    return form_page(
        request,
        form,
        heading=_("Transfer to another organisation"),
        cancel=reverse("party:member_detail", args=[member.pk]),
        trail=_member_trail(member),
        intro=_("Now in %(org)s.") % {"org": member.org.name},
    )


@login_required
@domain_errors
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    form = forms.LeaveForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: services.member_leave(
            actor=request.user, member=member, on=data["on"], reason=data["reason"]
        ),
        success=_("The member is marked as left."),
        redirect_to=reverse("party:member_detail", args=[member.pk]),
    )
    if done:
        return done
    return form_page(
        request,
        form,
        heading=_("Member leaves the organisation"),
        cancel=reverse("party:member_detail", args=[member.pk]),
        trail=_member_trail(member),
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("orgs/new/", org_create, name="org_create"),
    path("orgs/<int:pk>/", org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", org_edit, name="org_edit"),
    path("members/", member_list, name="member_list"),
    path("members/new/", member_create, name="member_create"),
    path("members/<int:pk>/", member_detail, name="member_detail"),
    path("members/<int:pk>/unmask/", member_unmask, name="member_unmask"),
    path("members/<int:pk>/edit/", member_edit, name="member_edit"),
    path("members/<int:pk>/confirm/", member_confirm, name="member_confirm"),
    path("members/<int:pk>/transfer/", member_transfer, name="member_transfer"),
    path("members/<int:pk>/leave/", member_leave, name="member_leave"),
    *views_work.urlpatterns,
]
