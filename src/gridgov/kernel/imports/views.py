"""The import job pages every sheet kind shares: the job (progress while the worker runs it,
polled by htmx every 2 s; the counts and the error sheet when done), the error sheet download,
"try again" for a failed job and the template of a kind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.core import errors
from gridgov.core.excel import XLSX
from gridgov.core.views import domain_errors
from gridgov.kernel.imports import registry, selectors, services
from gridgov.kernel.imports.models import ImportJob


def xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def job_context(job: ImportJob, *, status_url: str = "", errors_url: str = "") -> dict[str, Any]:
    """What the job page and its status fragment show (``status_url``/``errors_url`` let an
    app keep its own addresses for them)."""
    try:
        kind = registry.get(job.kind)
        label, back = kind.label, kind.back_url
    except errors.NotFound:
        label, back = job.kind, ""
    return {
        "job": job,
        "label": label,
        "percent": job.percent,
        "running": job.running,
        "not_imported": job.not_imported,
        "status_url": status_url or reverse("imports:job", args=[job.pk]),
        "errors_url": errors_url or reverse("imports:errors", args=[job.pk]),
        "retry_url": reverse("imports:retry", args=[job.pk]),
        "back_url": reverse(back) if back else "",
    }


def render_job(
    request: HttpRequest, job: ImportJob, *, status_url: str = "", errors_url: str = ""
) -> HttpResponse:
    """The job page, or with ``HX-Request`` only its status fragment."""
    context = job_context(job, status_url=status_url, errors_url=errors_url)
    if request.headers.get("HX-Request"):
        return render(request, "imports/_job_status.html", context)
    return render(
        request,
        "imports/job.html",
        {**context, "title": _("Import %(file)s") % {"file": job.filename}},
    )


@login_required
@never_cache
@domain_errors
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render_job(request, selectors.job_get_for(actor=request.user, pk=pk))


@login_required
@never_cache
@domain_errors
def job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows with problems as uploaded, with row, column and reason (own jobs only)."""
    return xlsx(selectors.job_error_sheet(actor=request.user, pk=pk), f"import-{pk}-errors.xlsx")


@login_required
@require_POST
@domain_errors
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = services.job_retry(actor=request.user, pk=pk)
    return redirect("imports:job", pk=job.pk)


@login_required
@domain_errors
def template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = registry.get(kind)
    spec.require(request.user, None, {})
    return xlsx(spec.template(), spec.template_name)


app_name = "imports"
urlpatterns: list[URLPattern] = [
    path("<int:pk>/", job_page, name="job"),
    path("<int:pk>/errors/", job_errors, name="errors"),
    path("<int:pk>/retry/", job_retry, name="retry"),
    path("templates/<slug:kind>/", template, name="template"),
]
