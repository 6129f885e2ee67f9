"""The mediation documents API (under /api/v1/mediation): generating the documents, filing the
signed scan, the templates, and the links with cases. Errors: 4xx JSON ``{code, message,
fields}`` (the services' typed errors)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.params import File
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, NotFound, PermissionDenied, ValidationFailed
from gridgov.core.params import Day, DbId, Version
from gridgov.core.schemas import ErrorOut
from gridgov.mediation.choices import DocumentKind
from gridgov.mediation.documents import links, selectors, services
from gridgov.mediation.documents.views import docx_response
from gridgov.mediation.models import DisputeType, DocumentTemplate, MediationSession

router = Router(tags=["mediation"])


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


class GenerateIn(Schema):
    session_id: DbId | None = Field(
        None, description="session_record: the session (default the latest)"
    )
    terms: str = Field(
        "", max_length=5000, description="agreement: the agreed terms (default the outcome note)"
    )
    performance_method: str = Field(
        "", max_length=200, description="agreement: how it is performed"
    )
    deadline: Day | None = Field(None, description="agreement: performed by")
    reason: str = Field(
        "", max_length=200, description="agreement: the reason written to the audit log"
    )


class SignedOut(Schema):
    id: int
    document_kind: str
    file_name: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str


class TemplateOut(Schema):
    kind: str
    label: str
    id: int | None = None
    name: str = "built-in"
    uploaded_at: datetime | None = None


class CaseToMediationIn(Schema):
    version: Version
    type_id: DbId
    title: str = Field("", max_length=200)
    summary: str = Field("", max_length=4000)
    risk: str = "green"
    risk_reasons: str = Field("", max_length=2000)
    note: str = Field("", max_length=500)


class DisputeRef(Schema):
    id: int
    number: str
    status: str
    case_status: str = ""


class OpenCaseIn(Schema):
    version: Version
    category: DbId
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    note: str = Field("", max_length=500)


class LinkedCaseRef(Schema):
    id: int
    number: str
    status: str
    dispute_version: int


def _signed(row: Any) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": row.pk,
        "document_kind": row.document_kind,
        "file_name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "uploaded_at": row.created_at,
        "url": reverse("attachments:download", args=["mediation.disputeattachment", row.pk]),
    }


def _kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        raise NotFound(_("Unknown document."))
    return kind


@router.post(
    "/disputes/{int:dispute_id}/documents/{kind}",
    response={200: None, codes_4xx: ErrorOut},
    summary="Generate a mediation document (DOCX)",
)
def document_generate(
    request: HttpRequest, dispute_id: int, kind: str, payload: GenerateIn
) -> HttpResponse:
    """The ``application``, ``session_record`` or ``agreement`` of the dispute as DOCX. The
    agreement holds the parties' ID and phone numbers in full: only holders of mediation.handle
    or mediation.triage at the dispute's area (403 otherwise), and every generation writes one
    ``personal_data_viewed`` audit entry per party."""
    actor = _actor(request)
    dispute = selectors.dispute_for(actor, dispute_id)
    _kind(kind)
    session = None
    if payload.session_id is not None:
        session = MediationSession.objects.filter(pk=payload.session_id, dispute=dispute).first()
        if session is None:
            msg = _("Choose a session of this dispute.")
            raise ValidationFailed(msg, code=Code.INVALID, fields={"session_id": msg})
    extra: dict[str, Any] = {}
    if kind == DocumentKind.AGREEMENT:
        extra = {
            "terms": payload.terms,
            "performance_method": payload.performance_method,
            "deadline": payload.deadline,
            "reason": payload.reason,
        }
    document = services.document_generate(
        actor=actor, dispute=dispute, kind=kind, session=session, **extra
    )
    return docx_response(document)


@router.get(
    "/disputes/{int:dispute_id}/signed-documents",
    response={200: list[SignedOut], codes_4xx: ErrorOut},
    summary="Signed scans of a dispute's documents",
)
def signed_list(request: HttpRequest, dispute_id: int) -> list[dict[str, Any]]:
    dispute = selectors.dispute_for(_actor(request), dispute_id)
    return [_signed(row) for row in services.signed_documents(dispute)]


@router.post(
    "/disputes/{int:dispute_id}/signed-documents",
    response={201: SignedOut, codes_4xx: ErrorOut},
    summary="File the signed scan of a document",
)
def signed_upload(
    request: HttpRequest,
    dispute_id: int,
    file: File[UploadedFile],
    kind: Form[str] = DocumentKind.AGREEMENT,
    note: Form[str] = "",
) -> tuple[int, dict[str, Any]]:
    """Multipart ``file`` (a photo, PDF or DOCX, checked by its content), ``kind`` (which
    document it is the signed copy of) and ``note``. Needs mediation.handle or .triage at the
    dispute's area."""
    actor = _actor(request)
    dispute = selectors.dispute_for(actor, dispute_id)
    row = services.document_attach_signed(
        actor=actor, dispute=dispute, kind=kind, file=file, note=note
    )
    return 201, _signed(row)


# --- Templates ----------------------------------------------------------------------------------


def _require_manage(actor: Any) -> None:
    if not scoping.has_perm_anywhere(actor, Perm.MEDIATION_MANAGE):
        audit_record(
            event=Event.PERMISSION_DENIED,
            actor=actor,
            detail={"perm": str(Perm.MEDIATION_MANAGE), "what": "mediation.templates"},
        )
        raise PermissionDenied(_("You do not have permission to do this."))


@router.get(
    "/documents/templates",
    response={200: list[TemplateOut], codes_4xx: ErrorOut},
    summary="Document templates in use",
)
def template_list(request: HttpRequest) -> list[dict[str, Any]]:
    _require_manage(_actor(request))
    out = []
    for row in selectors.templates_in_use():
        t = row["template"]
        item: dict[str, Any] = {"kind": row["kind"], "label": str(row["label"])}
        if t is not None:
            item.update(id=t.pk, name=t.name, uploaded_at=t.created_at)
        out.append(item)
    return out


@router.post(
    "/documents/templates",
    response={201: TemplateOut, codes_4xx: ErrorOut},
    summary="Upload a document template",
)
def template_upload(
    request: HttpRequest, file: File[UploadedFile], kind: Form[str], name: Form[str]
) -> tuple[int, dict[str, Any]]:
    """A DOCX with docxtpl placeholders that replaces the template of ``kind`` in use. Checked by
    content and placeholders (400 ``bad_file`` / ``bad_template``). Needs mediation.manage."""
    actor = _actor(request)
    row = services.template_upload(actor=actor, kind=kind, name=name, file=file)
    return 201, {
        "kind": row.kind,
        "label": str(row.get_kind_display()),
        "id": row.pk,
        "name": row.name,
        "uploaded_at": row.created_at,
    }


@router.post(
    "/documents/templates/{int:template_id}/deactivate",
    response={200: TemplateOut, codes_4xx: ErrorOut},
    summary="Stop using an uploaded template",
)
def template_deactivate(request: HttpRequest, template_id: int) -> dict[str, Any]:
    actor = _actor(request)
    _require_manage(actor)
    row = DocumentTemplate.objects.filter(pk=template_id).first()
    if row is None:
        raise NotFound(_("No such template."))
    services.template_deactivate(actor=actor, template=row)
    return {"kind": row.kind, "label": str(row.get_kind_display()), "id": row.pk, "name": row.name}


@router.get(
    "/documents/templates/{kind}/file",
    response={200: None, codes_4xx: ErrorOut},
    summary="Download the template in use",
)
def template_file(request: HttpRequest, kind: str) -> HttpResponse:
    _require_manage(_actor(request))
    _kind(kind)
    data, name = services.template_bytes(kind)
    return docx_response(
        services.GeneratedDocument(kind=kind, file_name=f"{kind}.docx", content=data, template=name)
    )


# --- Links with cases ---------------------------------------------------------------------------


@router.post(
    "/cases/{int:case_id}/to-mediation",
    response={201: DisputeRef, codes_4xx: ErrorOut},
    summary="Turn a case into a mediation",
)
def case_to_mediation(
    request: HttpRequest, case_id: int, payload: CaseToMediationIn
) -> tuple[int, dict[str, Any]]:
    """Register the case as a dispute (source ``case``) at its area; the case is not accepted
    (a report), replied to (in progress, by its unit) or noted, as the actor may. Needs
    mediation.report at the case's area; 409 ``case_in_mediation`` if converted already."""
    from gridgov.cases.selectors import case_get_for

    actor = _actor(request)
    case = case_get_for(actor=actor, pk=case_id)
    dtype = DisputeType.objects.filter(pk=payload.type_id, active=True).first()
    dispute = links.case_to_mediation(
        actor=actor,
        case=case,
        version=payload.version,
        type=dtype,
        title=payload.title,
        summary=payload.summary,
        risk=payload.risk,
        risk_reasons=payload.risk_reasons,
        note=payload.note,
    )
    case.refresh_from_db(fields=["status"])
    return 201, {
        "id": dispute.pk,
        "number": dispute.number,
        "status": dispute.status,
        "case_status": case.status,
    }


@router.post(
    "/disputes/{int:dispute_id}/open-case",
    response={201: LinkedCaseRef, codes_4xx: ErrorOut},
    summary="Open a case for a department from a dispute",
)
def dispute_open_case(
    request: HttpRequest, dispute_id: int, payload: OpenCaseIn
) -> tuple[int, dict[str, Any]]:
    """Report a case (channel ``higher``) at the dispute's area, stored as the dispute's
    ``opened_case``. Needs mediation.triage and case.report there; 409
    ``case_already_opened``."""
    actor = _actor(request)
    dispute = selectors.dispute_for(actor, dispute_id)
    case = links.dispute_open_case(
        actor=actor,
        dispute=dispute,
        version=payload.version,
        category=payload.category,
        title=payload.title,
        description=payload.description,
        note=payload.note,
    )
    return 201, {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "dispute_version": dispute.version,
    }
