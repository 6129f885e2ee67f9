"""Web pages of the mediation documents: a dispute's documents (generate, file the signed scan
back, open a case for a department), the templates, and "转人民调解" from a case's page.

Thin views: a form, one service call, a typed error on the form (or as a message), the answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import errors
from gridgov.core.views import add_domain_error, domain_errors, first_error
from gridgov.kernel.attachments.checks import DOCX
from gridgov.mediation.choices import DocumentKind
from gridgov.mediation.documents import generate, links, selectors, services
from gridgov.mediation.documents.forms import (
    AgreementForm,
    CaseToMediationForm,
    OpenCaseForm,
    SessionRecordForm,
    SignedUploadForm,
    TemplateUploadForm,
)
from gridgov.mediation.models import Dispute, DocumentTemplate


def docx_response(document: services.GeneratedDocument) -> HttpResponse:
    """The generated DOCX as a download (never cached: the agreement holds ID numbers)."""
    response = HttpResponse(document.content, content_type=DOCX)
    response["Content-Disposition"] = _disposition(document.file_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"document.docx\"; filename*=UTF-8''{quote(name)}"


def _kind_label(kind: str) -> str:
    return str(DocumentKind(kind).label) if kind in DocumentKind.values else kind


def _dispute_url(dispute: Dispute) -> str:
    return reverse("mediation:documents_dispute", args=[dispute.pk])


def _page(
    request: HttpRequest,
    dispute: Dispute,
    *,
    agreement: AgreementForm | None = None,
    record: SessionRecordForm | None = None,
    signed: SignedUploadForm | None = None,
    open_case: OpenCaseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_work = services.may_work_on(user, dispute)
    can_open_case = (
        dispute.opened_case_id is None
        and services.may_triage(user, dispute)
        and scoping.can(user, Perm.CASE_REPORT, dispute.area)
    )
    context: dict[str, Any] = {
        "title": _("Documents of dispute %(number)s") % {"number": dispute.number},
        "dispute": dispute,
        "parties": list(dispute.parties.all()),
        "sessions": list(dispute.sessions.order_by("held_at", "id")),
        "can_work": can_work,
        "agreement_form": agreement or AgreementForm(),
        "record_form": record or SessionRecordForm(dispute=dispute),
        "signed_form": (signed or SignedUploadForm(initial={"kind": DocumentKind.AGREEMENT}))
        if can_work
        else None,
        "open_case_form": (open_case or OpenCaseForm(initial={"version": dispute.version}))
        if can_open_case
        else None,
        "signed_documents": [
            {"file": a, "label": _kind_label(a.document_kind)}
            for a in services.signed_documents(dispute)
        ],
        "dispute_url": links.dispute_url(dispute.pk),
        "templates": {row["kind"]: row["template"] for row in selectors.templates_in_use()},
        "kinds": DocumentKind,
    }
    return render(request, "mediation/documents/dispute.html", context, status=status)


@never_cache
@login_required
@domain_errors
def dispute_documents(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.dispute_for(request.user, pk))


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
@domain_errors
def generate_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Fill the template of ``kind`` with the dispute and answer the DOCX; problems come back on
    the page (status 400) or as a message (a conflict: no parties, no session). The application
    and the session record (masked) are reads: GET; the agreement is an audited reveal: POST."""
    if kind not in DocumentKind.values:
        raise Http404(_("Unknown document."))
    if kind == DocumentKind.AGREEMENT and request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    dispute = selectors.dispute_for(request.user, pk)
    extra: dict[str, Any] = {}
    agreement: AgreementForm | None = None
    record: SessionRecordForm | None = None
    if kind == DocumentKind.AGREEMENT:
        agreement = AgreementForm(request.POST)
        if not agreement.is_valid():
            return _page(request, dispute, agreement=agreement, status=400)
        extra = agreement.cleaned_data
    elif kind == DocumentKind.SESSION_RECORD:
        record = SessionRecordForm(request.GET or request.POST, dispute=dispute)
        if not record.is_valid():
            return _page(request, dispute, record=record, status=400)
        extra = record.cleaned_data
    try:
        document = services.document_generate(
            actor=request.user, dispute=dispute, kind=kind, **extra
        )
    except errors.PermissionDenied:
        raise
    except errors.Conflict as exc:
        messages.error(request, exc.message)
        return redirect(_dispute_url(dispute))
    except errors.DomainError as exc:
        form = agreement or record
        if form is None:
            messages.error(request, exc.message)
            return redirect(_dispute_url(dispute))
        add_domain_error(form, exc)
        return _page(request, dispute, agreement=agreement, record=record, status=400)
    return docx_response(document)


@require_POST
@login_required
@domain_errors
def upload_signed(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = selectors.dispute_for(request.user, pk)
    form = SignedUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_attach_signed(
                actor=request.user,
                dispute=dispute,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The signed scan was filed."))
            return redirect(_dispute_url(dispute))
    return _page(request, dispute, signed=form, status=400)


@require_POST
@login_required
@domain_errors
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case for a department from the dispute."""
    dispute = selectors.dispute_for(request.user, pk)
    form = OpenCaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = links.dispute_open_case(
                actor=request.user,
                dispute=dispute,
                version=data["version"],
                category=int(data["category"]),
                title=data["title"],
                description=data["description"],
                note=data["note"],
            )
        except errors.PermissionDenied:
            raise
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect(_dispute_url(dispute))
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Case %(number)s was opened for a department.") % {"number": case.number}
            )
            return redirect(_dispute_url(dispute))
    return _page(request, dispute, open_case=form, status=400)


# --- "转人民调解" from a case -----------------------------------------------------------------


@require_POST
@login_required
@domain_errors
def case_to_mediation(request: HttpRequest, case_pk: int) -> HttpResponse:
    from gridgov.cases.selectors import case_get_for

    case = case_get_for(actor=request.user, pk=case_pk)
    back = reverse("cases:detail", args=[case.pk])
    form = CaseToMediationForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    data = form.cleaned_data
    try:
        dispute = links.case_to_mediation(
            actor=request.user,
            case=case,
            version=data["version"],
            type=data["type"],
            title=data["title"],
            risk=data["risk"],
            risk_reasons=data["risk_reasons"],
            note=data["note"],
        )
    except errors.PermissionDenied:
        raise
    except errors.DomainError as exc:
        text = exc.message
        if exc.fields:
            text = f"{text} {' '.join(str(v) for v in exc.fields.values())}"
        messages.error(request, text)
        return redirect(back)
    messages.success(
        request,
        _("The case was turned into people's mediation: dispute %(number)s.")
        % {"number": dispute.number},
    )
    return redirect(back)


# --- Templates ----------------------------------------------------------------------------------


def _require_manage(request: HttpRequest) -> None:
    if not scoping.has_perm_anywhere(request.user, Perm.MEDIATION_MANAGE):
        raise HttpPermissionDenied(_("You do not have permission to do this."))


@never_cache
@login_required
@domain_errors
def templates(request: HttpRequest) -> HttpResponse:
    """The templates in use (built-in or uploaded), the upload form and the history."""
    _require_manage(request)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                row = services.template_upload(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    name=form.cleaned_data["name"],
                    file=form.cleaned_data["file"],
                )
            except errors.PermissionDenied:
                raise
            except errors.DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The template “%(name)s” is now used for the %(kind)s.")
                    % {"name": row.name, "kind": row.get_kind_display()},
                )
                return redirect("mediation:documents_templates")
        status = 400
    context = {
        "title": _("Document templates"),
        "in_use": selectors.templates_in_use(),
        "history": selectors.template_history(),
        "form": form,
        "required": {k: sorted(v) for k, v in generate.REQUIRED.items()},
    }
    return render(request, "mediation/documents/templates.html", context, status=status)


@require_POST
@login_required
@domain_errors
def template_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    row = DocumentTemplate.objects.filter(pk=pk).first()
    if row is None:
        raise Http404(_("No such template."))
    services.template_deactivate(actor=request.user, template=row)
    messages.success(request, _("The built-in template is used again."))
    return redirect("mediation:documents_templates")


@never_cache
@login_required
@domain_errors
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    """The template of ``kind`` in use, to edit it in Word and upload it again."""
    _require_manage(request)
    if kind not in DocumentKind.values:
        raise Http404(_("Unknown document."))
    data, _name = services.template_bytes(kind)
    title = generate.FILE_TITLES[DocumentKind(kind)]
    return docx_response(
        services.GeneratedDocument(
            kind=kind, file_name=f"{title}-模板.docx", content=data, template=_name
        )
    )
