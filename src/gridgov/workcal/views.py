"""Pages of the working-time calendar (administrators with ``config.manage`` anywhere):
the list of years, a year's month grid, and the form to enter a year's schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core.errors import DomainError
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.workcal import selectors, services
from gridgov.workcal.forms import YearScheduleForm, format_schedule
from gridgov.workcal.models import Source
from gridgov.workcal.services import MAX_YEAR, MIN_YEAR

# The list page warns about years needed within this many days.
AHEAD_DAYS = 60


def _check_year(year: int) -> None:
    if not (MIN_YEAR <= year <= MAX_YEAR):
        raise Http404(_("No such year."))


def _today() -> date:
    return timezone.now().astimezone(selectors.work_timezone()).date()


def _crumbs(*more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Working-time calendar"), reverse("workcal:index")), *more]


@login_required
@domain_errors
def calendar_index(request: HttpRequest) -> HttpResponse:
    services.require_calendar_admin(request.user, "calendar_view")
    years = list(selectors.calendar_years())
    today = _today()
    missing = selectors.missing_years(ahead_days=AHEAD_DAYS)
    known = {cy.year for cy in years}
    # The next year is offered for entry as soon as the page is opened, even before it is due.
    upcoming = [y for y in (today.year, today.year + 1) if y not in known]
    return render(
        request,
        "workcal/index.html",
        {
            "title": _("Working-time calendar"),
            "crumbs": [(_("Working-time calendar"), None)],
            "years": years,
            "missing": missing,
            "upcoming": upcoming,
            "ahead_days": AHEAD_DAYS,
            "this_year": today.year,
            "manual": Source.MANUAL,
        },
    )


@login_required
@domain_errors
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    services.require_calendar_admin(request.user, "calendar_view")
    _check_year(year)
    cal_year = selectors.calendar_year_get(year)
    return render(
        request,
        "workcal/year.html",
        {
            "title": _("Working-time calendar %(year)d") % {"year": year},
            "crumbs": _crumbs((str(year), None)),
            "year": year,
            "cal_year": cal_year,
            "months": selectors.month_grid(year),
            "schedule": selectors.year_schedule(year),
            "assumed": selectors.assumed_schedule(year) if cal_year is None else None,
            "today": _today(),
            # One msgid for the seven column heads (Monday first), split on spaces.
            "weekdays": _("Mo Tu We Th Fr Sa Su").split(),
            "prev_year": year - 1 if year > MIN_YEAR else None,
            "next_year": year + 1 if year < MAX_YEAR else None,
        },
    )


@login_required
@domain_errors
def calendar_edit(request: HttpRequest, year: int) -> HttpResponse:
    services.require_calendar_admin(request.user, "calendar_edit")
    _check_year(year)
    cal_year = selectors.calendar_year_get(year)
    if request.method == "POST":
        form = YearScheduleForm(request.POST)
        if form.is_valid():
            try:
                services.calendar_set_year(actor=request.user, year=year, **form.service_kwargs())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("The schedule for %(year)d has been saved.") % {"year": year}
                )
                return redirect("workcal:year", year=year)
    else:
        initial: dict[str, Any] = format_schedule(selectors.year_schedule(year))
        if cal_year is not None:
            initial.update(notes=cal_year.notes, published=cal_year.published)
        form = YearScheduleForm(initial=initial)
    return render(
        request,
        "workcal/edit.html",
        {
            "title": _("Enter the schedule for %(year)d") % {"year": year},
            "crumbs": _crumbs((str(year), reverse("workcal:year", args=[year])), (_("Edit"), None)),
            "year": year,
            "cal_year": cal_year,
            "form": form,
            "example_year": year,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
@domain_errors
def calendar_sync(request: HttpRequest) -> HttpResponse:
    result = services.calendar_sync_from_package(actor=request.user)
    messages.success(
        request,
        _(
            "Synchronised with the package: %(created)d year(s) added, %(updated)d updated, "
            "%(manual)d entered by an administrator left alone."
        )
        % {
            "created": len(result.created),
            "updated": len(result.updated),
            "manual": len(result.skipped_manual),
        },
    )
    return redirect("workcal:index")
