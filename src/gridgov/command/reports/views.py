"""The reports page /command/reports/ (``stats.view``): the reports of an area with their
Excel and PDF downloads, "generate now" for a chosen period, and one's own subscriptions.

Reads and writes go through :mod:`.selectors` and :mod:`.services` (scoped: an area or a report
outside the reader's statistics jurisdiction is a 404; no ``stats.view`` anywhere, 403).
Every download is written to the audit log.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.cases.views_stats import area_picker
from gridgov.command.models.reports import ReportPeriod
from gridgov.command.reports import periods, selectors, services
from gridgov.command.reports.forms import GenerateForm, ReportFilterForm, SubscriptionForm
from gridgov.core.errors import ValidationFailed
from gridgov.core.views import action_submit, domain_errors, form_submit

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _require_any(user: Any) -> None:
    if not scoping.has_perm_anywhere(user, Perm.VIEW_STATS):
        raise PermissionDenied(_("You hold no role that may view statistics."))


def _area_param(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def list_url(area_id: int, period: str = "") -> str:
    query: dict[str, Any] = {"area": area_id}
    if period:
        query["period"] = period
    return f"{reverse('command:reports_list')}?{urlencode(query)}"


@login_required
@domain_errors
def reports_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_any(user)
    area = selectors.reports_area_get(actor=user, pk=_area_param(request.GET.get("area", "")))
    picker = area_picker(
        area,
        roots=selectors.reports_areas_for(actor=user),
        may_view=lambda a: scoping.can(user, Perm.VIEW_STATS, a),
    )
    raw_period = request.GET.get("period", "")
    filter_form = ReportFilterForm({"area": area.pk, "period": raw_period}, areas=picker)
    period = raw_period if filter_form.is_valid() and raw_period else None

    generate = GenerateForm(request.POST if request.method == "POST" else None)
    done = form_submit(
        request,
        generate,
        lambda d: services.report_generate(
            actor=user, area=area, period=d["period"], day=d["date"]
        ),
        success=lambda r: (
            _("The %(report)s for %(period)s is ready.")
            % {
                "report": ReportPeriod(r.period).label,
                "period": periods.label(r.period, r.date_from, r.date_to),
            }
        ),
        redirect_to=lambda r: list_url(area.pk, r.period),
        catch=(ValidationFailed,),
    )
    if done is not None:
        return done
    reports = list(selectors.report_list(actor=user, area=area, period=period))
    subscriptions = list(selectors.subscriptions_of(actor=user))
    subscribed = {s.period for s in subscriptions if s.area_id == area.pk}
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "command/reports/list.html",
        {
            "title": _("Reports"),
            "area": area,
            "filter_form": filter_form,
            "generate_form": generate,
            "reports": [
                {
                    "report": r,
                    "label": periods.label(r.period, r.date_from, r.date_to),
                    "complete": bool((r.summary or {}).get("complete")),
                }
                for r in reports
            ],
            "subscriptions": [
                {"sub": s, "url": list_url(s.area_id, s.period)} for s in subscriptions
            ],
            "unsubscribed": [(k, v) for k, v in ReportPeriod.choices if k not in subscribed],
            "periods": ReportPeriod.choices,
        },
        status=status,
    )


def _subscription_action(request: HttpRequest, *, add: bool) -> HttpResponse:
    user = request.user
    _require_any(user)
    form = SubscriptionForm(request.POST)
    area_id = _area_param(str(request.POST.get("area", "")))
    area = selectors.reports_area_get(actor=user, pk=area_id)
    if add:
        success = _("Subscribed: the report will arrive in your inbox.")
    else:
        success = _("Unsubscribed.")

    def act(d: dict[str, Any]) -> Any:
        if add:
            return services.subscription_add(actor=user, area=area, period=d["period"])
        return services.subscription_remove(actor=user, area=area, period=d["period"])

    return action_submit(request, form, act, success=success, redirect_to=list_url(area.pk))


@login_required
@require_POST
@domain_errors
def reports_subscribe(request: HttpRequest) -> HttpResponse:
    return _subscription_action(request, add=True)


@login_required
@require_POST
@domain_errors
def reports_unsubscribe(request: HttpRequest) -> HttpResponse:
    return _subscription_action(request, add=False)


@login_required
@require_safe
@domain_errors
def reports_download(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    user = request.user
    _require_any(user)
    report = selectors.report_get(actor=user, pk=pk)
    file = report.xlsx if fmt == "xlsx" else report.pdf
    if fmt not in CONTENT_TYPES or not file:
        raise Http404(_("Not found."))
    try:
        handle = file.open("rb")
    except OSError:
        raise Http404(_("Not found.")) from None
    audit_record(
        event=Event.REPORT_DOWNLOADED,
        actor=user,
        target=report,
        area=report.area,
        detail={"format": fmt, "period": report.period, "from": report.date_from.isoformat()},
    )
    name = f"{services.file_stem(report.area, report.period, report.date_from)}.{fmt}"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
