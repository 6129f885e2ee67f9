"""Reporting pages: the public resident report with its receipt, the grid worker's quick
report, staff entry (phone, visit, hall …), the 12345 import, and "my reports".

Each form carries a hidden idempotency key, made when the empty form is first rendered and kept
by the page (re-rendered with errors, or restored by Back), passed to the service with the
scope ``web:user:<id>`` or ``web:session:<key>``: a double click, a refreshed POST or Back and
submit again returns the case already made instead of a second one; a new form has a new key.
"""

from __future__ import annotations

from collections.abc import Callable
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
from django.views.decorators.cache import cache_control, never_cache

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import grids_with_geometry
from gridgov.cases import public, selectors
from gridgov.cases.exports import hotline as hotline_results
from gridgov.cases.forms_intake import (
    HotlineImportForm,
    HotlineResultsForm,
    QuickReportForm,
    ResidentReportForm,
    StaffEntryForm,
    style,
)
from gridgov.cases.import_kinds import KIND as HOTLINE_KIND
from gridgov.cases.importers import hotline
from gridgov.cases.models import Case
from gridgov.cases.services.intake import (
    IntakeResult,
    case_for_key,
    case_report,
    prepare_report,
)
from gridgov.cases.states import Source
from gridgov.core import errors
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.kernel.imports import selectors as import_selectors
from gridgov.kernel.imports import services as import_jobs

GRID_FEATURES_MAX = 5000
AREA_PICKER_MAX = 1000


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


# Where the service's field errors show on the forms (the map's errors under the map).
_RENAME = {"location": "lon"}
Extra = Callable[[dict[str, Any]], dict[str, Any]]


def _values(request: HttpRequest, form: Any, extra: Extra) -> dict[str, Any]:
    d = form.cleaned_data
    return {
        "actor": request.user,
        "category": d.get("category"),
        "title": d.get("title", ""),
        "description": d.get("description", ""),
        "lon": d.get("lon"),
        "lat": d.get("lat"),
        "address": d.get("address", ""),
        "photos": d.get("photos") or [],
        **extra(d),
    }


def _add_service_errors(form: Any, exc: errors.DomainError) -> None:
    """The service's messages on the fields that have none from the form yet."""
    taken = set(form.errors)
    fields = {k: v for k, v in exc.fields.items() if _RENAME.get(k, k) not in taken}
    if "location" in fields and "area" not in form.fields:
        d = getattr(form, "cleaned_data", {})
        if d.get("lon") is None and d.get("lat") is None:  # no point, and no area to choose
            fields["location"] = _("Mark the place on the map or use your location.")
    if fields or not exc.fields:
        add_domain_error(form, type(exc)(exc.message, code=exc.code, fields=fields), rename=_RENAME)
    style(form)  # mark the fields that have errors now


def submit(request: HttpRequest, form: Any, extra: Extra) -> IntakeResult | None:
    """Report the form's case; None with every problem on the form (the form's own and the
    service's, all at once). A draft submitted already (same key: Back and submit again, a
    double click) answers with the case made the first time (``created`` False), whatever
    the fields hold now."""
    scope = _scope(request)
    earlier = case_for_key(scope=scope, key=str(form.data.get("idempotency_key") or ""))
    if earlier is not None:
        return IntakeResult(case=earlier, created=False)
    if not form.is_valid():
        try:  # the service checks the other fields too; nothing is written
            prepare_report(**_values(request, form, extra), idempotency_key="")
        except errors.ValidationFailed as exc:
            _add_service_errors(form, exc)
        except errors.DomainError:
            pass  # permissions and conflicts are answered once the input is right
        return None
    key = form.draft_key()
    try:
        return case_report(
            **_values(request, form, extra), idempotency_scope=scope, idempotency_key=key
        )
    except errors.PermissionDenied as exc:
        raise HttpPermissionDenied(exc.message) from exc
    except errors.Conflict as exc:
        # The same draft sent again with other content (photos are not kept by Back): the
        # draft was submitted, so its case is the answer.
        earlier = case_for_key(scope=scope, key=key)
        if exc.code == "idempotency_key_reused" and earlier is not None:
            return IntakeResult(case=earlier, created=False)
        add_domain_error(form, exc)
    except errors.DomainError as exc:
        _add_service_errors(form, exc)
    return None


def _answered(request: HttpRequest, result: IntakeResult, created_text: str) -> None:
    number = {"number": result.case.number}
    if result.created:
        messages.success(request, created_text % number)
    else:
        messages.info(
            request,
            _(
                "This report was submitted already as number %(number)s; "
                "it was not recorded a second time."
            )
            % number,
        )


# --- Resident report (public) -----------------------------------------------------------------


def _resident(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": Source.RESIDENT,
        "reporter_name": d.get("reporter_name", ""),
        "reporter_phone": d.get("reporter_phone", ""),
        "anonymous": d.get("anonymous", False),
    }


@cache_control(private=True, no_cache=True, max_age=0)
def report(request: HttpRequest) -> HttpResponse:
    """上报: anyone, signed in or not, anonymously or with a name and phone number.

    The page may be kept by the browser (``no-cache`` without ``no-store``), so that Back
    shows the submitted draft with its key instead of a fresh form."""
    form = ResidentReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        result = submit(request, form, _resident)
        if result is not None:
            _answered(request, result, _("Thank you. Your report number is %(number)s."))
            return redirect("cases:receipt", token=result.case.token)
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
    case = get_object_or_404(
        Case.objects.select_related("category", "assigned_area", "assigned_department"),
        token=token,
    )
    return render(
        request,
        "cases/intake/receipt.html",
        {
            "case": case,
            "public_events": public.public_timeline(case),
            "unit": public.handling_unit(case),
            "title": _("Report %(number)s") % {"number": case.number},
            "receipt_url": request.build_absolute_uri(),
        },
    )


# --- Grid worker quick report -----------------------------------------------------------------


def _patrol(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": Source.PATROL,
        "resolved_on_spot": d.get("resolved_on_spot", False),
        "on_spot_reply": d.get("on_spot_reply", ""),
    }


@login_required
@cache_control(private=True, no_cache=True, max_age=0)
def quick(request: HttpRequest) -> HttpResponse:
    """随手拍: a grid worker's report from the spot, optionally resolved on the spot."""
    if not scoping.has_perm_anywhere(request.user, Perm.CASE_REPORT):
        raise HttpPermissionDenied(_("You may not report cases."))
    form = QuickReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        result = submit(request, form, _patrol)
        if result is not None:
            _answered(request, result, _("Case %(number)s is reported."))
            return redirect(_detail_url(result.case))
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


def _staff(d: dict[str, Any]) -> dict[str, Any]:
    area = Area.objects.filter(pk=int(d["area"])).first() if d.get("area") else None
    return {
        "source": d.get("source") or Source.PHONE,
        "area": area,
        "reporter_name": d.get("reporter_name", ""),
        "reporter_phone": d.get("reporter_phone", ""),
        "anonymous": d.get("anonymous", False),
    }


@login_required
@cache_control(private=True, no_cache=True, max_age=0)
def new(request: HttpRequest) -> HttpResponse:
    """登记: staff record a case from a call, a visit, the service hall or a higher level."""
    if not scoping.has_perm_anywhere(request.user, Perm.CASE_REPORT):
        raise HttpPermissionDenied(_("You may not report cases."))
    form = StaffEntryForm(
        request.POST or None, request.FILES or None, areas=_area_choices(request.user)
    )
    if request.method == "POST":
        result = submit(request, form, _staff)
        if result is not None:
            _answered(request, result, _("Case %(number)s is recorded."))
            return redirect(_detail_url(result.case))
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
    """12345 工单导入: upload and choose the mode; the file is checked at once (not Excel,
    wrong headers, too large: a form error) and imported by the background worker — the answer
    is the job page, which shows the progress, every problem and the error sheet."""
    _require_import(request)
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > hotline.MAX_FILE_BYTES:
                raise hotline.too_large()
            job = import_jobs.job_start(
                actor=request.user,
                kind=HOTLINE_KIND,
                filename=upload.name or "",
                data=upload.read(),
                mode=form.cleaned_data["mode"],
                again=bool(form.cleaned_data.get("again")),
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("imports:job", pk=job.pk)
    return _import_page(request, form=form)


def _import_page(
    request: HttpRequest,
    *,
    form: HotlineImportForm | None = None,
    results_form: HotlineResultsForm | None = None,
    result: Any = None,
    error_token: str = "",
) -> HttpResponse:
    can_unmask = scoping.has_perm_anywhere(request.user, Perm.ROSTER_UNMASK)
    recent = list(import_selectors.jobs_for(actor=request.user, kind=HOTLINE_KIND)[:10])
    return render(
        request,
        "cases/intake/import.html",
        {
            "form": form or HotlineImportForm(),
            "results_form": results_form or HotlineResultsForm(can_unmask=can_unmask),
            "result": result,
            "error_token": error_token,
            "recent": recent,
            "title": _("Import 12345 work orders"),
        },
    )


@login_required
@never_cache
@domain_errors
def import_results(request: HttpRequest) -> HttpResponse:
    """办理结果回传: the handled work orders of a date range as .xlsx (POST from the import
    page); a bad range shows the page again with the errors."""
    _require_import(request)
    if request.method != "POST":
        return redirect("cases:import")
    can_unmask = scoping.has_perm_anywhere(request.user, Perm.ROSTER_UNMASK)
    form = HotlineResultsForm(request.POST, can_unmask=can_unmask)
    if form.is_valid():
        d = form.cleaned_data
        try:
            export = hotline_results.export_results(
                actor=request.user,
                date_from=d["date_from"],
                date_to=d["date_to"],
                unmasked=bool(d.get("unmask")),
                reason=d.get("reason", ""),
            )
        except errors.PermissionDenied as exc:
            raise HttpPermissionDenied(exc.message) from exc
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            response = HttpResponse(export.data, content_type=_XLSX)
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            return response
    return _import_page(request, results_form=form)


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
    path("import/results/", import_results, name="import_results"),
    path("mine/", mine, name="mine"),
]
