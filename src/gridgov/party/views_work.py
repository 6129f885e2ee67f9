"""Party pages for the organisations' work: meeting records (三会一课, 主题党日) with attendance,
双报到 registrations, and the member list in Excel (template, import with an error sheet,
masked or — with a reason — unmasked export)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import excel as core_excel
from gridgov.core.errors import DomainError
from gridgov.core.views import add_domain_error, domain_errors, form_submit
from gridgov.kernel.imports import selectors as import_selectors
from gridgov.kernel.imports import services as import_jobs
from gridgov.party import excel, forms, selectors, services
from gridgov.party.import_kinds import KIND as PARTY_KIND
from gridgov.party.models import Meeting, PartyOrg

PAGE_SIZE = 50


def _views() -> Any:
    from gridgov.party import views

    return views


# --- Meetings ---------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    _views().require_party_view(request)
    orgs = selectors.org_list_for(actor=request.user).order_by("area__code", "kind", "name")
    form = forms.MeetingFilterForm(request.GET or None, orgs=orgs)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.meeting_list_for(
        actor=request.user, org=data.get("org"), meeting_type=data.get("meeting_type", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page:
        m.rate = selectors.attendance_rate(m.n_present, m.n_total)  # type: ignore[attr-defined]
    return render(
        request,
        "party/meeting_list.html",
        {
            "form": form,
            "page_obj": page,
            "crumbs": _views().crumbs((_("Meetings"), None)),
            "title": _("Meetings"),
        },
    )


@login_required
@domain_errors
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(actor=request.user, pk=pk)
    rows = list(selectors.meeting_attendance(meeting))
    return render(
        request,
        "party/meeting_detail.html",
        {
            "meeting": meeting,
            "rows": rows,
            "rate": selectors.attendance_rate(meeting.n_present, meeting.n_total),  # type: ignore[attr-defined]
            "can_manage": scoping.can(request.user, Perm.PARTY_MANAGE, meeting.org.area),
            "crumbs": _views().crumbs(
                (meeting.org.name, reverse("party:org_detail", args=[meeting.org_id])),
                (meeting.topic, None),
            ),
            "title": meeting.topic,
        },
    )


def _attendance(form: forms.MeetingForm) -> list[services.AttendanceIn]:
    return [services.AttendanceIn(pk, present, reason) for pk, present, reason in form.attendance()]


def _meeting_form_page(
    request: HttpRequest, form: forms.MeetingForm, org: PartyOrg, heading: str, cancel: str
) -> HttpResponse:
    return render(
        request,
        "party/meeting_form.html",
        {
            "form": form,
            "org": org,
            "heading": heading,
            "cancel_url": cancel,
            "crumbs": _views().crumbs(
                (org.name, reverse("party:org_detail", args=[org.pk])), (heading, None)
            ),
            "title": heading,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@domain_errors
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = _views().managed_org(request, pk)
    members = list(selectors.eligible_members(org).select_related("org"))
    form = forms.MeetingForm(request.POST or None, members=members)
    done = form_submit(
        request,
        form,
        lambda data: services.meeting_create(
            actor=request.user,
            org=org,
            meeting_type=data["meeting_type"],
            held_on=data["held_on"],
            topic=data["topic"],
            place=data["place"],
            host=data["host"],
            minutes=data["minutes"],
            attendance=_attendance(form),
        ),
        success=_("The meeting is recorded."),
        redirect_to=lambda meeting: reverse("party:meeting_detail", args=[meeting.pk]),
    )
    if done:
        return done
    return _meeting_form_page(
        request,
        form,
        org,
        _("Record a meeting"),
        reverse("party:org_detail", args=[org.pk]),
    )


@login_required
@domain_errors
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting: Meeting = selectors.meeting_get_for(actor=request.user, pk=pk)
    org = _views().managed_org(request, meeting.org_id)
    recorded = {
        a.member_id: (a.present, a.absence_reason) for a in selectors.meeting_attendance(meeting)
    }
    members = list(selectors.eligible_members(org).select_related("org"))
    form = forms.MeetingForm(
        request.POST or None,
        members=members,
        recorded=recorded,
        initial={
            "meeting_type": meeting.meeting_type,
            "held_on": meeting.held_on,
            "topic": meeting.topic,
            "place": meeting.place,
            "host": meeting.host,
            "minutes": meeting.minutes,
            "version": meeting.version,
        },
    )
    done = form_submit(
        request,
        form,
        lambda data: services.meeting_update(
            actor=request.user,
            meeting=meeting,
            version=data["version"] or 0,
            meeting_type=data["meeting_type"],
            held_on=data["held_on"],
            topic=data["topic"],
            place=data["place"],
            host=data["host"],
            minutes=data["minutes"],
            attendance=_attendance(form),
        ),
        success=_("The meeting is saved."),
        redirect_to=reverse("party:meeting_detail", args=[meeting.pk]),
    )
    if done:
        return done
    return _meeting_form_page(
        request,
        form,
        org,
        _("Edit meeting record"),
        reverse("party:meeting_detail", args=[meeting.pk]),
    )


# --- 双报到 -----------------------------------------------------------------------------------


@login_required
def dual_list(request: HttpRequest) -> HttpResponse:
    _views().require_party_view(request)
    form = forms.DualFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.dual_report_list_for(
        actor=request.user, state=data.get("state", ""), q=data.get("q", "")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page:
        r.can_end = r.ended_on is None and scoping.can(  # type: ignore[attr-defined]
            request.user, Perm.PARTY_MANAGE, r.community
        )
    return render(
        request,
        "party/dual_list.html",
        {
            "form": form,
            "page_obj": page,
            "can_manage": selectors.communities_for(actor=request.user).exists(),
            "crumbs": _views().crumbs((_("Dual registration"), None)),
            "title": _("Dual registration"),
        },
    )


@login_required
@domain_errors
def dual_create(request: HttpRequest) -> HttpResponse:
    communities = selectors.communities_for(actor=request.user)
    if not communities.exists():
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    form = forms.DualReportForm(request.POST or None, communities=communities)
    done = form_submit(
        request,
        form,
        lambda data: services.dual_report_create(actor=request.user, **data),
        success=_("The registration is recorded."),
        redirect_to=reverse("party:dual_list"),
    )
    if done:
        return done
    return _views().form_page(
        request,
        form,
        heading=_("Register an in-service party member"),
        cancel=reverse("party:dual_list"),
        trail=_views().crumbs((_("Dual registration"), reverse("party:dual_list"))),
    )


@login_required
@domain_errors
def dual_end(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.dual_report_get_for(actor=request.user, pk=pk)
    if not scoping.can(request.user, Perm.PARTY_MANAGE, report.community):
        raise PermissionDenied(_("You do not have permission to do this in this area."))
    form = forms.DualEndForm(request.POST or None)
    done = form_submit(
        request,
        form,
        lambda data: services.dual_report_end(actor=request.user, report=report, on=data["on"]),
        success=_("The registration has ended."),
        redirect_to=reverse("party:dual_list"),
    )
    if done:
        return done
    return _views().form_page(
        request,
        form,
        heading=_("End the registration"),
        cancel=reverse("party:dual_list"),
        trail=_views().crumbs((_("Dual registration"), reverse("party:dual_list"))),
        intro=f"{report.name} · {report.work_unit} · {report.community.name}",
    )


# --- Excel ------------------------------------------------------------------------------------


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=core_excel.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def member_template(request: HttpRequest) -> HttpResponse:
    _views().require_party_view(request)
    return _xlsx(excel.build_template(), "party-members-template.xlsx")


@never_cache
@login_required
@domain_errors
def member_import(request: HttpRequest) -> HttpResponse:
    excel.require_importer(request.user)
    orgs = _views().managed_orgs(request).filter(is_active=True)
    form = forms.ImportForm(request.POST or None, request.FILES or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_jobs.job_start(
                actor=request.user,
                kind=PARTY_KIND,
                filename=upload.name or "",
                data=upload.read(),
                mode=form.cleaned_data["mode"],
                params={"org": form.cleaned_data["org"].pk},
                again=bool(form.cleaned_data.get("again")),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:  # the shared job page: the counts, every problem and the error sheet
            return redirect("imports:job", pk=job.pk)
    recent = list(import_selectors.jobs_for(actor=request.user, kind=PARTY_KIND)[:10])
    return render(
        request,
        "party/import.html",
        {
            "form": form,
            "recent": recent,
            "crumbs": _views().crumbs(
                (_("Party members"), reverse("party:member_list")), (_("Import"), None)
            ),
            "title": _("Import party members"),
        },
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


@login_required
@domain_errors
def member_export(request: HttpRequest) -> HttpResponse:
    """GET: the filtered list, masked. POST with a reason and ``unmasked``: unmasked."""
    _views().require_party_view(request)
    params = request.POST if request.method == "POST" else request.GET
    org = selectors.org_get_for(actor=request.user, pk=params["org"]) if params.get("org") else None
    unmasked = request.method == "POST" and bool(params.get("unmasked"))
    try:
        data, _count = excel.export_members(
            actor=request.user,
            org=org,
            q=params.get("q", ""),
            status=params.get("status", ""),
            unmasked=unmasked,
            reason=params.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        if request.method != "POST":
            messages.error(request, exc.message)
            return redirect(reverse("party:member_list") + "?" + request.GET.urlencode())
        # The unmasked export's form again, with the error beside its field (the reason).
        form = forms.ExportForm(request.POST)
        form.is_valid()
        add_domain_error(form, exc)
        return _views().member_list_page(request, request.POST, export_form=form, status=400)
    return _xlsx(data, "party-members.xlsx")


urlpatterns: list[URLPattern] = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("orgs/<int:pk>/meetings/new/", meeting_create, name="meeting_create"),
    path("dual/", dual_list, name="dual_list"),
    path("dual/new/", dual_create, name="dual_create"),
    path("dual/<int:pk>/end/", dual_end, name="dual_end"),
    path("members/template.xlsx", member_template, name="member_template"),
    path("members/import/", member_import, name="member_import"),
    path("members/export.xlsx", member_export, name="member_export"),
]
