"""The mediation numbers page /mediation/stats/ (``stats.view`` and ``mediation.view``): for the
community, the street and the 综治中心 — what holds now (open, overdue, high-risk open), the
indicators of a period (found, accepted, 化解率, agreements performed, on time), each child
area's figures and each mediator's, and the register (台账) export.

Reads go through :mod:`.selectors` (an area outside the jurisdiction is a 404); the export
through :mod:`.export` (masked unless ``roster.unmask`` and a reason; audited).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_ancestors
from gridgov.cases.views_stats import StatsForm, area_picker, pct
from gridgov.core import errors, pii
from gridgov.core.excel import XLSX
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.mediation.numbers import export, selectors


class ExportForm(forms.Form):
    unmask = forms.BooleanField(label=gettext_lazy("Export unmasked"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason (required for an unmasked export)"),
        required=False,
        max_length=200,
    )


def _picker(actor: Any, area: Area) -> list[tuple[int, str]]:
    return area_picker(
        area,
        roots=selectors.numbers_areas_for(actor=actor),
        may_view=lambda a: selectors.may_view(actor, a),
    )


def _kpis(counts: dict[str, int], rates: dict[str, float | None]) -> list[dict[str, str]]:
    return [
        {"key": "registered", "label": _("Disputes found"), "value": str(counts["registered"])},
        {"key": "accepted", "label": _("Disputes accepted"), "value": str(counts["accepted"])},
        {"key": "resolved", "label": _("Disputes resolved"), "value": str(counts["resolved"])},
        {"key": "failed", "label": _("Not settled"), "value": str(counts["failed"])},
        {
            "key": "resolution_rate",
            "label": _("Resolution rate"),
            "value": pct(rates["resolution_rate"]),
        },
        {
            "key": "performed_rate",
            "label": _("Agreements performed"),
            "value": pct(rates["performed_rate"]),
        },
        {"key": "on_time_rate", "label": _("Closed on time"), "value": pct(rates["on_time_rate"])},
        {"key": "closed", "label": _("Disputes closed"), "value": str(counts["closed"])},
    ]


def _resolve(request: HttpRequest) -> tuple[Any, Area, StatsForm, date, date]:
    user = request.user
    if not selectors.may_view(user, None):
        raise PermissionDenied(_("You hold no role that may view the mediation figures."))
    raw_area = request.GET.get("area") or ""
    area = selectors.numbers_area_get(actor=user, pk=int(raw_area) if raw_area.isdigit() else None)
    form = StatsForm(request.GET or None, areas=_picker(user, area))
    preset, start_in, end_in = "this_month", None, None
    if form.is_bound and form.is_valid():
        preset = form.cleaned_data["period"] or "this_month"
        start_in, end_in = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    try:
        start, end = selectors.period_bounds(preset, date_from=start_in, date_to=end_in)
    except errors.DomainError as exc:
        form.add_error(None, exc.message)
        preset = "this_month"
        start, end = selectors.period_bounds(preset)
    if not form.is_bound:
        form = StatsForm(
            initial={"area": area.pk, "period": preset, "date_from": start, "date_to": end},
            areas=_picker(user, area),
        )
    return user, area, form, start, end


def _query(area: Area, start: date, end: date) -> str:
    return urlencode({"area": area.pk, "period": "custom", "date_from": start, "date_to": end})


@login_required
@domain_errors
def numbers_page(request: HttpRequest) -> HttpResponse:
    user, area, form, start, end = _resolve(request)
    result = selectors.indicators_for(actor=user, area=area, date_from=start, date_to=end)
    children = selectors.children_for(actor=user, area=area, date_from=start, date_to=end)
    mediators = selectors.mediators_for(actor=user, area=area, date_from=start, date_to=end)
    page = reverse("mediation:numbers")
    crumbs = [
        (a.name, f"{page}?{_query(a, start, end)}" if selectors.may_view(user, a) else None)
        for a in area_ancestors(area=area)
    ]
    return render(
        request,
        "mediation/numbers/index.html",
        {
            "title": _("Mediation figures"),
            "form": form,
            "area": area,
            "crumbs": crumbs,
            "date_from": start,
            "date_to": end,
            "stock": result["stock"],
            "kpis": _kpis(result["counts"], result["rates"]),
            "children": [
                {
                    **row,
                    "url": f"{page}?{urlencode({'area': row['area_id'], 'period': 'custom', 'date_from': start, 'date_to': end})}",
                    "resolution_rate": pct(row["rates"]["resolution_rate"]),
                    "performed_rate": pct(row["rates"]["performed_rate"]),
                    "on_time_rate": pct(row["rates"]["on_time_rate"]),
                }
                for row in children
            ],
            "mediators": [
                {
                    **row,
                    "resolution_rate": pct(row["rates"]["resolution_rate"]),
                    "performed_rate": pct(row["rates"]["performed_rate"]),
                    "on_time_rate": pct(row["rates"]["on_time_rate"]),
                }
                for row in mediators
            ],
            "query": _query(area, start, end),
            "api_query": urlencode({"area": area.pk, "from": start, "to": end}),
            "can_unmask": scoping.has_perm_anywhere(user, Perm.ROSTER_UNMASK),
            "export_form": ExportForm(),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@domain_errors
def numbers_export(request: HttpRequest) -> HttpResponse:
    """The register (台账) of the chosen area and period: ``GET`` gives the masked file; the
    ``POST`` form exports unmasked with a reason (``roster.unmask``)."""
    if (
        request.method == "POST"
        and request.POST.get("unmask")
        and not scoping.has_perm_anywhere(request.user, Perm.ROSTER_UNMASK)
    ):
        pii.refuse(request.user, what=f"export:{export.EXPORT_KIND}")  # audited, a 403
    user, area, _form, start, end = _resolve(request)
    form = ExportForm(request.POST or None)
    if request.method == "GET" or form.is_valid():
        unmask = bool(request.method == "POST" and form.cleaned_data["unmask"])
        reason = form.cleaned_data["reason"] if request.method == "POST" else ""
        try:
            data = export.export_register(
                actor=user,
                area=area,
                date_from=start,
                date_to=end,
                unmasked=unmask,
                reason=reason,
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            response = HttpResponse(data, content_type=XLSX)
            name = export.file_name(area, start, end)
            response["Content-Disposition"] = (
                f"attachment; filename=\"register.xlsx\"; filename*=UTF-8''{_quote(name)}"
            )
            return response
    return render(
        request,
        "mediation/numbers/export.html",
        {
            "title": _("Export the dispute register"),
            "form": form,
            "area": area,
            "date_from": start,
            "date_to": end,
            "query": _query(area, start, end),
            "can_unmask": scoping.has_perm_anywhere(user, Perm.ROSTER_UNMASK),
        },
        status=400,
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
