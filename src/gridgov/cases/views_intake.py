"""Reporting pages: the public resident report with its receipt, the grid worker's quick
report, staff entry (phone, visit, hall …), the 12345 import, and "my reports".

Each form carries a hidden idempotency key (a fresh uuid4 per rendering) passed to the service
with the scope ``web:user:<id>`` or ``web:session:<key>``: a double click or a refreshed POST
returns the case already made instead of a second one.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import grids_with_geometry
from gridgov.cases import selectors
from gridgov.cases.forms_intake import (
    HotlineImportForm,
    QuickReportForm,
    ResidentReportForm,
    StaffEntryForm,
)
from gridgov.cases.importers import hotline
from gridgov.cases.models import Case
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Action, Source
from gridgov.core import errors
from gridgov.core.views import add_domain_error, domain_errors

GRID_FEATURES_MAX = 5000
AREA_PICKER_MAX = 1000
# Timeline entries a receipt shows (no names, notes or personal data; just what happened when).
PUBLIC_ACTIONS = {
    Action.REPORT,
    Action.ACCEPT,
    Action.REJECT,
    Action.MERGE,
    Action.DISPATCH,
    Action.SIGN,
    Action.REPLY,
    Action.VERIFY_PASS,
    Action.VERIFY_FAIL,
    Action.RATE,
    Action.REOPEN,
}


def _scope(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"web:user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"web:session:{request.session.session_key}"


def _detail_url(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return reverse("cases:receipt", args=[case.token])


def _report(request: HttpRequest, form: Any, **extra: Any) -> Case | None:
    """Call the service with the form's common fields; errors go onto the form."""
    d = form.cleaned_data
    try:
        result = case_report(
            actor=request.user,
            category=d["category"],
            title=d["title"],
            description=d["description"],
            lon=d.get("lon"),
            lat=d.get("lat"),
            address=d["address"],
            photos=d["photos"],
            idempotency_scope=_scope(request),
            idempotency_key=d["idempotency_key"],
            **extra,
        )
    except errors.PermissionDenied as exc:
        raise HttpPermissionDenied(exc.message) from exc
    except errors.DomainError as exc:
        add_domain_error(form, exc, rename={"location": "address"})
        return None
    return result.case


# --- Resident report (public) -----------------------------------------------------------------


@never_cache
def report(request: HttpRequest) -> HttpResponse:
    """上报: anyone, signed in or not, anonymously or with a name and phone number."""
    form = ResidentReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = _report(
            request,
            form,
            source=Source.RESIDENT,
            reporter_name=d["reporter_name"],
            reporter_phone=d["reporter_phone"],
            anonymous=d["anonymous"],
        )
        if case is not None:
            messages.success(
                request, _("Thank you. Your report number is %(number)s.") % {"number": case.number}
            )
            return redirect("cases:receipt", token=case.token)
    return render(
        request,
        "cases/intake/report.html",
        {"form": form, "title": _("Report a problem"), "grids_url": reverse("cases:report_grids")},
    )


def report_grids(request: HttpRequest) -> JsonResponse:
    """Grid outlines (name and boundary only, public information) for the report map."""
    rows = grids_with_geometry().order_by("code").values("name", "code", "geometry")
    rows = rows[: GRID_FEATURES_MAX + 1]
    items = list(rows)
    features = [
        {
            "type": "Feature",
            "geometry": r["geometry"],
            "properties": {"name": r["name"], "code": r["code"]},
        }
        for r in items[:GRID_FEATURES_MAX]
    ]
    data = {
        "type": "FeatureCollection",
        "features": features,
        "truncated": len(items) > GRID_FEATURES_MAX,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """回执: status and the public timeline of a report, found by its receipt token."""
    case = get_object_or_404(Case.objects.select_related("category"), token=token)
    events = [
        e
        for e in case.events.order_by("at", "id").only("at", "action", "to_status")
        if e.action in PUBLIC_ACTIONS
    ]
    return render(
        request,
        "cases/intake/receipt.html",
        {
            "case": case,
            "events": events,
            "title": _("Report %(number)s") % {"number": case.number},
            "receipt_url": request.build_absolute_uri(),
        },
    )


# --- Grid worker quick report -----------------------------------------------------------------


@login_required
@never_cache
def quick(request: HttpRequest) -> HttpResponse:
    """随手拍: a grid worker's report from the spot, optionally resolved on the spot."""
    if not scoping.has_perm_anywhere(request.user, Perm.CASE_REPORT):
        raise HttpPermissionDenied(_("You may not report cases."))
    form = QuickReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        case = _report(
            request,
            form,
            source=Source.PATROL,
            resolved_on_spot=d["resolved_on_spot"],
            on_spot_reply=d["on_spot_reply"],
        )
        if case is not None:
            messages.success(request, _("Case %(number)s is reported.") % {"number": case.number})
            return redirect(_detail_url(case))
    return render(
        request,
        "cases/intake/quick.html",
        {"form": form, "title": _("Quick report"), "grids_url": reverse("cases:report_grids")},
    )


# --- Staff entry ------------------------------------------------------------------------------


def _area_choices(user: Any) -> list[tuple[str, str]]:
    qs = scoping.visible_areas(user, Perm.CASE_REPORT).filter(
        is_active=True, level__gte=Level.COUNTY, level__lte=Level.GRID
    )
    rows = qs.order_by("code").values_list("pk", "name", "code", "depth")[:AREA_PICKER_MAX]
    return [
        (str(pk), f"{'· ' * max(0, depth - 2)}{name} ({code})") for pk, name, code, depth in rows
    ]


@login_required
@never_cache
def new(request: HttpRequest) -> HttpResponse:
    """登记: staff record a case from a call, a visit, the service hall or a higher level."""
    if not scoping.has_perm_anywhere(request.user, Perm.CASE_REPORT):
        raise HttpPermissionDenied(_("You may not report cases."))
    form = StaffEntryForm(
        request.POST or None, request.FILES or None, areas=_area_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        area = Area.objects.filter(pk=int(d["area"])).first() if d["area"] else None
        case = _report(
            request,
            form,
            source=d["source"],
            area=area,
            reporter_name=d["reporter_name"],
            reporter_phone=d["reporter_phone"],
            anonymous=d["anonymous"],
        )
        if case is not None:
            messages.success(request, _("Case %(number)s is recorded.") % {"number": case.number})
            return redirect(_detail_url(case))
    return render(request, "cases/intake/new.html", {"form": form, "title": _("Record a case")})


# --- 12345 import -----------------------------------------------------------------------------


def _import_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "private" / "hotline-errors"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_import(request: HttpRequest) -> None:
    try:
        hotline.require_importer(request.user)
    except errors.PermissionDenied as exc:
        raise HttpPermissionDenied(exc.message) from exc


@login_required
@never_cache
@domain_errors
def import_page(request: HttpRequest) -> HttpResponse:
    """12345 工单导入: upload, choose the mode, see every problem, download the error sheet."""
    _require_import(request)
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    result = None
    error_token = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > hotline.MAX_FILE_BYTES:
                raise errors.ValidationFailed(
                    _("The file is too large."), fields={"file": _("The file is too large.")}
                )
            result = hotline.import_hotline(
                actor=request.user, data=upload.read(), mode=form.cleaned_data["mode"]
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        if result is not None and result.errors:
            error_token = secrets.token_urlsafe(16)
            (_import_dir() / f"{error_token}.xlsx").write_bytes(hotline.error_report(result))
            request.session["hotline_error_token"] = error_token
    return render(
        request,
        "cases/intake/import.html",
        {
            "form": form,
            "result": result,
            "error_token": error_token,
            "title": _("Import 12345 work orders"),
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    response = HttpResponse(hotline.build_template(), content_type=_XLSX)
    response["Content-Disposition"] = 'attachment; filename="12345-template.xlsx"'
    return response


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_errors(request: HttpRequest, token: str) -> FileResponse:
    """The error sheet of the user's last import (only from the session that made it)."""
    _require_import(request)
    if not token or request.session.get("hotline_error_token") != token:
        raise Http404
    file = _import_dir() / f"{token}.xlsx"
    if not file.is_file():
        raise Http404
    return FileResponse(
        file.open("rb"), as_attachment=True, filename="12345-errors.xlsx", content_type=_XLSX
    )


# --- My reports -------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的上报: the signed-in user's reports with status and rating."""
    cases = list(selectors.my_reports(actor=request.user).select_related("category")[:100])
    rows = [{"case": c, "url": _detail_url(c)} for c in cases]
    return render(request, "cases/intake/mine.html", {"rows": rows, "title": _("My reports")})


urlpatterns: list[URLPattern] = [
    path("report/", report, name="report"),
    path("report/grids.geojson", report_grids, name="report_grids"),
    path("receipt/<str:token>/", receipt, name="receipt"),
    path("quick/", quick, name="quick"),
    path("new/", new, name="new"),
    path("import/", import_page, name="import"),
    path("import/template/", import_template, name="import_template"),
    path("import/errors/<str:token>/", import_errors, name="import_errors"),
    path("mine/", mine, name="mine"),
]
