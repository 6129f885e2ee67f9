"""Excel pages of the rosters: templates, upload, the job page with its progress (htmx polls
every 2 s), the error sheet, and the export of the current filtered resident list.

Every upload form carries a fresh client token (uuid4): a double click or a refreshed POST
returns the job already made instead of importing twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import errors
from gridgov.core.excel import XLSX, max_rows
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.kernel.imports import selectors as job_selectors
from gridgov.kernel.imports.views import render_job
from gridgov.rosters.excel import LABELS, SHEETS
from gridgov.rosters.models import TagType
from gridgov.rosters.services import imports

MODE_CHOICES = [
    ("valid", gettext_lazy("Import the valid rows, list the others")),
    ("all", gettext_lazy("All or nothing: import only if every row is valid")),
]
FILTER_KEYS = ("q", "area", "tag", "household_type", "status", "residence_type")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Roster"), choices=[])
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"), choices=MODE_CHOICES, initial="valid", widget=forms.RadioSelect
    )
    client_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    again = forms.BooleanField(
        label=gettext_lazy("Import again, even if this file was imported before"),
        help_text=gettext_lazy(
            "Sending the same file with the same choices again shows the earlier import instead of importing twice; tick this to import it once more (e.g. after correcting the areas or categories it named)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, LABELS[k]) for k in SHEETS]
        if not self.is_bound:
            self.initial["client_token"] = uuid.uuid4().hex


class ExportForm(forms.Form):
    unmask = forms.BooleanField(label=gettext_lazy("Export unmasked"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason (required for an unmasked export)"),
        required=False,
        max_length=200,
    )


def _need_importer(request: HttpRequest) -> None:
    try:
        imports.require_importer(request.user)
    except errors.PermissionDenied as exc:
        raise HttpPermissionDenied(exc.message) from exc


def _file_name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}-{timezone.localdate():%Y%m%d}.xlsx"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@domain_errors
def import_page(request: HttpRequest) -> HttpResponse:
    """台账导入: choose the roster, download its template, upload with a mode."""
    _need_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d["file"]
        try:
            from gridgov.core.excel import max_bytes

            if upload.size and upload.size > max_bytes():
                msg = _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // 1024 // 1024}
                raise errors.ValidationFailed(msg, fields={"file": msg})
            job = imports.import_start(
                actor=request.user,
                kind=d["kind"],
                filename=upload.name or "",
                data=upload.read(),
                mode=d["mode"],
                client_token=d["client_token"],
                again=bool(d.get("again")),
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("rosters:import_job", pk=job.pk)
    recent = list(job_selectors.jobs_for(actor=request.user).filter(kind__in=list(SHEETS))[:10])
    return render(
        request,
        "rosters/import/import.html",
        {
            "form": form,
            "kinds": [(k, LABELS[k]) for k in SHEETS],
            "recent": recent,
            "max_rows": max_rows(),
            "title": _("Import rosters"),
        },
    )


@login_required
@domain_errors
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _need_importer(request)
    if kind not in SHEETS:
        raise errors.NotFound(_("Unknown roster."))
    return _xlsx(imports.template_bytes(kind), f"template-{kind}.xlsx")


@login_required
@never_cache
@domain_errors
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the user's imports on the shared job page (:mod:`gridgov.kernel.imports.views`):
    progress while it runs, the counts when done. With ``HX-Request`` only the status fragment
    (polled every 2 s while running)."""
    job = imports.job_get_for(actor=request.user, pk=pk)
    return render_job(
        request,
        job,
        status_url=reverse("rosters:import_job", args=[job.pk]),
        errors_url=reverse("rosters:import_errors", args=[job.pk]),
    )


@login_required
@domain_errors
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows with problems, as uploaded, with row, column and reason (own imports only)."""
    data = imports.job_error_sheet(actor=request.user, pk=pk)
    return _xlsx(data, f"import-{pk}-errors.xlsx")


FILTER_LABELS = {
    "q": gettext_lazy("Search"),
    "area": gettext_lazy("Area"),
    "tag": gettext_lazy("Special group"),
    "household_type": gettext_lazy("Household type"),
    "status": gettext_lazy("Status"),
    "residence_type": gettext_lazy("Residence type"),
}


def export_filters(user: Any, query: Any) -> dict[str, Any]:
    """The resident list's filters (same parameters as rosters:residents) as the search
    selector takes them; an area or group outside what the user may see is a 404."""
    filters: dict[str, Any] = {}
    for key in ("q", "household_type", "status", "residence_type"):
        value = (query.get(key) or "").strip()[:50]
        if value:
            filters[key] = value
    if query.get("area"):
        try:
            area_pk = int(query["area"])
        except (TypeError, ValueError):
            area_pk = 0
        area = scoping.visible_areas(user, Perm.ROSTER_VIEW).filter(pk=area_pk).first()
        if area is None:
            raise errors.NotFound(_("Unknown area."))
        filters["area"] = area
    if query.get("tag"):
        tag = TagType.objects.filter(code=str(query["tag"])[:40]).first()
        if tag is None:
            raise errors.NotFound(_("Unknown special group."))
        filters["tag"] = tag
    return filters


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@domain_errors
def export(request: HttpRequest) -> HttpResponse:
    """导出: the current filtered resident list (``?kind=`` buildings or tags for those rosters)
    in the template layout. ``?download=1`` gives the masked file at once; the form asks for
    a reason to export unmasked (ROSTER_UNMASK)."""
    user = request.user
    if not scoping.has_perm_anywhere(user, Perm.ROSTER_EXPORT):
        raise HttpPermissionDenied(_("You may not export rosters."))
    kind = request.GET.get("kind") or "residents"
    if kind not in SHEETS:
        raise errors.NotFound(_("Unknown roster."))
    filters = export_filters(user, request.GET)
    form = ExportForm(request.POST or None)
    wants = request.method == "POST" or request.GET.get("download") == "1"
    if wants and (request.method == "GET" or form.is_valid()):
        unmask = bool(request.method == "POST" and form.cleaned_data["unmask"])
        reason = form.cleaned_data["reason"] if request.method == "POST" else ""
        try:
            data = imports.export_sheet(
                actor=user, kind=kind, filters=filters, unmasked=unmask, reason=reason
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            return _xlsx(data, _file_name("export", kind))
    return render(
        request,
        "rosters/import/export.html",
        {
            "form": form,
            "kind": kind,
            "label": LABELS[kind],
            "filters": {
                str(FILTER_LABELS.get(k, k)): getattr(v, "name", v) for k, v in filters.items()
            },
            "query": request.GET.urlencode(),
            "can_unmask": scoping.has_perm_anywhere(user, Perm.ROSTER_UNMASK),
            "title": _("Export rosters"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("import/", import_page, name="import"),
    path("import/template/<slug:kind>/", import_template, name="import_template"),
    path("import/<int:pk>/", import_job, name="import_job"),
    path("import/<int:pk>/errors/", import_errors, name="import_errors"),
    path("export/", export, name="export"),
]
