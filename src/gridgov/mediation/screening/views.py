"""Screening pages: a grid worker's returns on the phone (one tap for "nothing found", a short
form for the disputes found), the rounds and their coverage for community and street staff,
and the screening plans (schedules) of areas."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import errors
from gridgov.core.views import domain_errors, first_error
from gridgov.mediation.choices import Period
from gridgov.mediation.models import ScreeningPlan, ScreeningReturn
from gridgov.mediation.screening import selectors, services
from gridgov.mediation.screening.forms import (
    DisputeFormSet,
    FilingForm,
    NothingFoundForm,
    PlanForm,
)

NO_STORE = cache_control(private=True, no_cache=True, max_age=0)


def _need(request: HttpRequest, perm: str) -> None:
    if not scoping.has_perm_anywhere(request.user, perm):
        raise HttpPermissionDenied(_("You do not have permission to do this."))


def _mine_url() -> str:
    return reverse("mediation:screening_mine")


# --- A grid worker's returns (phone) -------------------------------------------------------------


@login_required
@NO_STORE
@domain_errors
def mine(request: HttpRequest) -> HttpResponse:
    """我的摸排: the returns of the user's grids, pending ones first, each with a one-tap
    "nothing found" and a link to the form for disputes found."""
    _need(request, Perm.MEDIATION_REPORT)
    today = timezone.localdate()
    rows = list(selectors.my_returns(request.user)[:30])
    pending = [r for r in rows if r.filed_at is None]
    filed = [r for r in rows if r.filed_at is not None]
    forms = {r.pk: NothingFoundForm(initial={"version": r.version}) for r in pending}
    return render(
        request,
        "mediation/screening/mine.html",
        {
            "title": _("My screening returns"),
            "pending": [(r, forms[r.pk], today > r.round.due_on) for r in pending],
            "filed": filed,
            "today": today,
        },
    )


@login_required
@require_POST
@domain_errors
def nothing_found(request: HttpRequest, pk: int) -> HttpResponse:
    """The one tap: file the return as "nothing found"."""
    _need(request, Perm.MEDIATION_REPORT)
    ret = selectors.return_get(request.user, pk, Perm.MEDIATION_REPORT)
    form = NothingFoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return HttpResponseRedirect(_mine_url())
    try:
        ret = services.screening_return_file(
            actor=request.user,
            screening_return=ret,
            version=form.cleaned_data["version"],
            nothing_found=True,
            note=form.cleaned_data.get("note") or "",
            key=form.cleaned_data.get("key") or "",
        )
    except errors.DomainError as exc:
        if isinstance(exc, errors.PermissionDenied | errors.NotFound):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _filed_message(ret))
    return HttpResponseRedirect(_mine_url())


def _filed_message(ret: ScreeningReturn) -> str:
    text = _("The return of %(grid)s is filed.") % {"grid": ret.area.name}
    if ret.late:
        text += " " + _("It was filed after the due date and is marked late.")
    return text


@login_required
@NO_STORE
@require_http_methods(["GET", "POST"])
@domain_errors
def file_disputes(request: HttpRequest, pk: int) -> HttpResponse:
    """The disputes found in a grid: one block per dispute (type, what it is about, a party,
    the phone, the risk), "add another", then file. A filed return is shown as it stands."""
    _need(request, Perm.MEDIATION_REPORT)
    ret = selectors.return_get(request.user, pk, Perm.MEDIATION_REPORT)
    if ret.filed_at is not None and request.method == "GET":
        return _show_filed(request, ret)
    filing = FilingForm(request.POST or None, initial={"version": ret.version})
    formset = DisputeFormSet(request.POST or None, prefix="d")
    errors_shown = False
    if request.method == "POST" and "add" in request.POST:
        data = request.POST.copy()
        total = int(data.get("d-TOTAL_FORMS") or 1)
        data["d-TOTAL_FORMS"] = str(min(total + 1, services.MAX_DISPUTES))
        filing = FilingForm(data)
        formset = DisputeFormSet(data, prefix="d")
    elif request.method == "POST":
        errors_shown = True
        if filing.is_valid() and formset.is_valid():
            found = [f.to_input() for f in formset.forms if f.has_changed()]
            try:
                ret = services.screening_return_file(
                    actor=request.user,
                    screening_return=ret,
                    version=filing.cleaned_data["version"],
                    nothing_found=False,
                    disputes=found,
                    key=filing.cleaned_data.get("key") or "",
                )
            except (errors.ValidationFailed, errors.Conflict) as exc:
                _place(formset, exc)
            else:
                messages.success(request, _filed_message(ret))
                return HttpResponseRedirect(_mine_url())
        for f in formset.forms:
            f.mark_errors()
    status = 400 if errors_shown else 200
    return render(
        request,
        "mediation/screening/file.html",
        {
            "title": _("Disputes found"),
            "ret": ret,
            "filing": filing,
            "formset": formset,
            "overdue": timezone.localdate() > ret.round.due_on,
            "can_add": formset.total_form_count() < services.MAX_DISPUTES,
            "show_errors": errors_shown,
        },
        status=status,
    )


def _place(formset: Any, exc: errors.DomainError) -> None:
    """A service error on the form of its dispute (``disputes.<i>.<field>``), else on top."""
    placed = False
    for name, message in exc.fields.items():
        parts = str(name).split(".")
        if len(parts) == 3 and parts[0] == "disputes" and parts[1].isdigit():
            i, field = int(parts[1]), parts[2]
            if i < len(formset.forms):
                form = formset.forms[i]
                form.add_error(field if field in form.fields else None, str(message))
                placed = True
    if not placed:
        formset._non_form_errors = formset.error_class([exc.message])


def _show_filed(request: HttpRequest, ret: ScreeningReturn) -> HttpResponse:
    disputes = list(selectors.return_disputes(request.user, ret))
    total = ret.disputes.count()
    return render(
        request,
        "mediation/screening/filed.html",
        {
            "title": _("Screening return"),
            "ret": ret,
            "disputes": disputes,
            "total": total,
            "hidden": total - len(disputes),  # sensitive ones the user may not see
        },
    )


# --- Rounds and coverage (community and street) -------------------------------------------------


@login_required
@NO_STORE
@domain_errors
def rounds(request: HttpRequest) -> HttpResponse:
    """The rounds the user sees, each with how many of their grids filed."""
    _need(request, Perm.MEDIATION_VIEW)
    items = list(selectors.round_list(request.user)[:50])
    summary = {r.pk: selectors.round_coverage(request.user, r).total for r in items[:12]}
    return render(
        request,
        "mediation/screening/rounds.html",
        {
            "title": _("Screening rounds"),
            "rounds": [(r, summary.get(r.pk)) for r in items],
            "can_plan": scoping.has_perm_anywhere(request.user, Perm.MEDIATION_MANAGE),
            "can_file": scoping.has_perm_anywhere(request.user, Perm.MEDIATION_REPORT),
        },
    )


@login_required
@NO_STORE
@domain_errors
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's coverage over the user's grids: in total, per street and per community, the
    grids still owing their return and those filed late."""
    _need(request, Perm.MEDIATION_VIEW)
    round_ = selectors.round_get(request.user, pk)
    cov = selectors.round_coverage(request.user, round_)
    return render(
        request,
        "mediation/screening/round.html",
        {
            "title": round_.title,
            "round": round_,
            "cov": cov,
            "disputes": list(selectors.round_disputes(request.user, round_)[:100]),
            "overdue": timezone.localdate() > round_.due_on,
        },
    )


# --- Plans --------------------------------------------------------------------------------------


@login_required
@NO_STORE
@domain_errors
def plans(request: HttpRequest) -> HttpResponse:
    """The screening plans of the areas the user manages: each area with its schedule."""
    _need(request, Perm.MEDIATION_MANAGE)
    areas = list(selectors.plan_areas(request.user)[:200])
    by_area = {p.area_id: p for p in selectors.plan_list(request.user)}
    rows = []
    for a in areas:
        plan = by_area.get(a.pk)
        initial = (
            {"period": plan.period, "active": plan.active}
            if plan
            else {
                "period": Period.WEEKLY,
                "active": True,
            }
        )
        rows.append((a, plan, PlanForm(initial=initial, prefix=f"a{a.pk}")))
    return render(
        request,
        "mediation/screening/plans.html",
        {"title": _("Screening plans"), "rows": rows},
    )


@login_required
@require_POST
@domain_errors
def plan_set(request: HttpRequest, area_pk: int) -> HttpResponse:
    """Set the schedule of one area."""
    _need(request, Perm.MEDIATION_MANAGE)
    area = selectors.plan_area_get(request.user, area_pk)
    form = PlanForm(request.POST, prefix=f"a{area.pk}")
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            plan = services.screening_plan_set(
                actor=request.user,
                area=area,
                period=form.cleaned_data["period"],
                active=form.cleaned_data["active"],
            )
        except errors.ValidationFailed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _plan_message(plan))
    return HttpResponseRedirect(reverse("mediation:screening_plans"))


def _plan_message(plan: ScreeningPlan) -> str:
    if not plan.active:
        return _("Screening in %(area)s is paused.") % {"area": plan.area.name}
    if plan.period == Period.MONTHLY:
        return _("%(area)s now screens monthly.") % {"area": plan.area.name}
    return _("%(area)s now screens weekly.") % {"area": plan.area.name}


@login_required
@require_POST
@domain_errors
def round_open(request: HttpRequest, area_pk: int) -> HttpResponse:
    """Open the round of the current period now (the worker would at its next run)."""
    _need(request, Perm.MEDIATION_MANAGE)
    area = selectors.plan_area_get(request.user, area_pk)
    plan = ScreeningPlan.objects.filter(area=area).first()
    period = plan.period if plan else Period.WEEKLY
    try:
        round_ = services.screening_round_open(
            actor=request.user, area=area, period=period, starts_on=timezone.localdate()
        )
    except errors.ValidationFailed as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("mediation:screening_plans"))
    messages.success(request, _("Round “%(title)s” is open.") % {"title": round_.title})
    return HttpResponseRedirect(reverse("mediation:screening_round", args=[round_.pk]))
