"""Mediation documents: generating the application, the session record and the agreement;
replacing their templates; storing the signed scan.

Who may do what:

* the application and the session record — anyone who may see the dispute (the parties' ID
  and phone numbers in them are masked);
* the agreement (人民调解协议书) — the legal document, so the parties' ID and phone numbers are
  written in full: only holders of ``mediation.handle`` or ``mediation.triage`` at the
  dispute's area, and every generation is an audited reveal (one ``personal_data_viewed`` entry
  per party, :func:`gridgov.core.pii.record_viewed`);
* uploading the signed scan — the same holders of handle/triage;
* a template of one's own — holders of ``mediation.manage`` (it replaces the built-in one of
  its kind everywhere; deactivating it brings the built-in one back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NoReturn

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import pii
from gridgov.core.errors import Code, Conflict, PermissionDenied, ValidationFailed
from gridgov.kernel.attachments.checks import DOCX, check_upload
from gridgov.kernel.attachments.models import Kind
from gridgov.kernel.attachments.services import attachments_add
from gridgov.mediation.choices import DocumentKind
from gridgov.mediation.documents import generate
from gridgov.mediation.models import (
    Dispute,
    DisputeAttachment,
    DocumentTemplate,
    MediationSession,
)

# Who may write the agreement (full ID numbers) and file the signed scan back.
WORK_PERMS = (Perm.MEDIATION_HANDLE, Perm.MEDIATION_TRIAGE)
# The timeline entry of a signed scan filed back (no state change).
SIGNED_ACTION = "document_signed"
MAX_TERMS = 5000
MAX_NAME = 100


@dataclass(frozen=True)
class GeneratedDocument:
    kind: str
    file_name: str
    content: bytes
    template: str  # "built-in" or the uploaded template's name


def may_work_on(user: Any, dispute: Dispute) -> bool:
    """Does ``user`` hold handle or triage at the dispute's area (the agreement, the scan)?
    The disputes workflow's rule (``mediation.sensitive`` too for a sensitive dispute)."""
    from gridgov.mediation.disputes.workflow import in_jurisdiction

    return any(in_jurisdiction(user, perm, dispute) for perm in WORK_PERMS)


def may_triage(user: Any, dispute: Dispute) -> bool:
    """Does ``user`` hold triage at the dispute's area (opening a case for a department)?"""
    from gridgov.mediation.disputes.workflow import in_jurisdiction

    return in_jurisdiction(user, Perm.MEDIATION_TRIAGE, dispute)


def refuse_on_dispute(actor: Any, dispute: Dispute, perm: str, what: str) -> NoReturn:
    """Audit a refused action on ``dispute`` and raise PermissionDenied."""
    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        target=dispute,
        target_repr=dispute.number,
        area=dispute.area,
        detail={"perm": str(perm), "what": what},
    )
    raise PermissionDenied(
        _("Only the dispute's mediators and triage staff may do this."),
        code=Code.PERMISSION_DENIED,
    )


def _require_work(actor: Any, dispute: Dispute, what: str) -> None:
    if not may_work_on(actor, dispute):
        refuse_on_dispute(actor, dispute, Perm.MEDIATION_HANDLE, what)


def _kind(kind: str) -> str:
    if kind not in DocumentKind.values:
        msg = _("Unknown document.")
        raise ValidationFailed(msg, code=Code.UNKNOWN_KIND, fields={"kind": msg})
    return str(kind)


# --- Templates --------------------------------------------------------------------------------


def active_template(kind: str) -> DocumentTemplate | None:
    """The uploaded template in use for ``kind`` (None: the built-in one)."""
    return (
        DocumentTemplate.objects.filter(kind=kind, active=True)
        .order_by("-created_at", "-id")
        .first()
    )


def template_bytes(kind: str) -> tuple[bytes, str]:
    """The template of ``kind`` in use and its name ("built-in" when none was uploaded)."""
    row = active_template(kind)
    if row is not None:
        with row.file.open("rb") as handle:
            return handle.read(), row.name
    return generate.builtin_bytes(kind), "built-in"


def _require_manage(actor: Any, what: str) -> None:
    if scoping.has_perm_anywhere(actor, Perm.MEDIATION_MANAGE):
        return
    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        detail={"perm": str(Perm.MEDIATION_MANAGE), "what": what},
    )
    raise PermissionDenied(_("You do not have permission to do this."))


def template_upload(*, actor: Any, kind: str, name: str, file: Any) -> DocumentTemplate:
    """Upload a DOCX template that replaces the one of ``kind`` in use. Checked by content (a
    real DOCX, no macros) and by its placeholders (:data:`generate.REQUIRED`); a bad upload
    stores nothing (``bad_file`` / ``bad_template`` on ``file``)."""
    _require_manage(actor, "mediation.template_upload")
    kind = _kind(kind)
    name = " ".join((name or "").split())[:MAX_NAME]
    if not name:
        msg = _("Give the template a name.")
        raise ValidationFailed(msg, code=Code.REQUIRED, fields={"name": msg})
    checked = check_upload(file, kinds=(Kind.DOCUMENT,), code=Code.BAD_FILE, field="file")
    if checked.content_type != DOCX:
        msg = _("A template must be a Word document (.docx).")
        raise ValidationFailed(msg, code=Code.BAD_TEMPLATE, fields={"file": msg})
    generate.check_template(kind, checked.content)
    with transaction.atomic():
        DocumentTemplate.objects.filter(kind=kind, active=True).update(active=False)
        row = DocumentTemplate(kind=kind, name=name, uploaded_by=_user(actor))
        row.file.save(f"{kind}.docx", ContentFile(checked.content), save=False)
        row.save()
        audit_record(
            event=Event.CONFIG_CHANGED,
            actor=actor,
            target=row,
            target_repr=name,
            detail={"what": "mediation.template", "kind": kind, "sha256": checked.sha256},
        )
    return row


def template_deactivate(*, actor: Any, template: DocumentTemplate) -> DocumentTemplate:
    """Stop using an uploaded template: the built-in one of its kind is used again."""
    _require_manage(actor, "mediation.template_deactivate")
    with transaction.atomic():
        DocumentTemplate.objects.filter(pk=template.pk).update(active=False)
        template.active = False
        audit_record(
            event=Event.CONFIG_CHANGED,
            actor=actor,
            target=template,
            target_repr=template.name,
            detail={"what": "mediation.template", "kind": template.kind, "active": False},
        )
    return template


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Generating -------------------------------------------------------------------------------


def _parties(dispute: Dispute) -> list[Any]:
    parties = list(dispute.parties.all())
    if not parties:
        raise Conflict(
            _("Dispute %(number)s has no parties yet; add them before writing the document.")
            % {"number": dispute.number},
            code=Code.DOCUMENT_NOT_READY,
        )
    return parties


def _session(dispute: Dispute, session: MediationSession | None) -> tuple[MediationSession, int]:
    sessions = list(dispute.sessions.select_related("recorded_by").order_by("held_at", "id"))
    if not sessions:
        raise Conflict(
            _("No mediation session of dispute %(number)s is recorded yet.")
            % {"number": dispute.number},
            code=Code.DOCUMENT_NOT_READY,
        )
    if session is None:
        return sessions[-1], len(sessions)
    for index, s in enumerate(sessions, start=1):
        if s.pk == session.pk:
            return s, index
    msg = _("The session belongs to another dispute.")
    raise ValidationFailed(msg, code=Code.INVALID, fields={"session": msg})


def _terms(dispute: Dispute, terms: str) -> str:
    terms = (terms or "").strip() or (dispute.outcome_note or "").strip()
    if not terms:
        msg = _("Write down the terms the parties agreed on.")
        raise ValidationFailed(msg, code=Code.REQUIRED, fields={"terms": msg})
    if len(terms) > MAX_TERMS:
        msg = _("The agreed terms are longer than %(n)s characters.") % {"n": MAX_TERMS}
        raise ValidationFailed(msg, code=Code.TOO_LONG, fields={"terms": msg})
    return terms


def document_generate(
    *,
    actor: Any,
    dispute: Dispute,
    kind: str,
    session: MediationSession | None = None,
    terms: str = "",
    performance_method: str = "",
    deadline: date | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> GeneratedDocument:
    """Fill the template of ``kind`` in use with ``dispute`` (which the caller fetched through
    the scoping layer, so the actor may see it).

    The agreement: handle/triage at the dispute's area (else PermissionDenied, audited), the
    agreed ``terms`` (default: the outcome note), how (``performance_method``) and by when
    (``deadline``) they are performed, the parties' ID and phone numbers in full — one
    ``personal_data_viewed`` audit entry per party (``reason``: default the document's title
    and number). The session record: ``session`` (default the latest)."""
    kind = _kind(kind)
    now = now or timezone.now()
    full = kind == DocumentKind.AGREEMENT
    if full:
        _require_work(actor, dispute, "mediation.agreement")
    parties = _parties(dispute)
    context = generate.base_context(dispute, generate.party_lines(parties, full=full), now)
    if kind == DocumentKind.SESSION_RECORD:
        chosen, index = _session(dispute, session)
        context["session"] = generate.session_context(chosen, index)
    if full:
        context.update(
            terms=generate.text(_terms(dispute, terms)),
            performance_method=" ".join((performance_method or "").split())[:200] or generate.BLANK,
            deadline=generate.cn_date(deadline),
            copies=len(parties) + 1,
        )
    data, template_name = template_bytes(kind)
    content = generate.render(data, context)
    if full:
        why = " ".join((reason or "").split())[: pii.MAX_REASON] or (
            f"{generate.FILE_TITLES[DocumentKind.AGREEMENT]} {dispute.number}"
        )
        with transaction.atomic():
            for party in parties:
                pii.record_viewed(
                    actor=actor,
                    target=party,
                    target_repr=f"{dispute.number} {party.name}",
                    area_path=dispute.area_path,
                    fields=("id_number", "phone"),
                    reason=why,
                )
    return GeneratedDocument(
        kind=kind,
        file_name=generate.file_name(kind, dispute.number),
        content=content,
        template=template_name,
    )


# --- The signed scan --------------------------------------------------------------------------


def document_attach_signed(
    *,
    actor: Any,
    dispute: Dispute,
    kind: str,
    file: Any,
    session: MediationSession | None = None,
    note: str = "",
    now: datetime | None = None,
) -> DisputeAttachment:
    """File the signed scan of a generated document back (a photo, PDF or DOCX, checked by its
    content): a :class:`DisputeAttachment` with ``document_kind`` and a timeline entry (no state
    change). Handle/triage at the dispute's area."""
    kind = _kind(kind)
    _require_work(actor, dispute, "mediation.document_signed")
    if session is not None and session.dispute_id != dispute.pk:
        msg = _("The session belongs to another dispute.")
        raise ValidationFailed(msg, code=Code.INVALID, fields={"session": msg})
    checked = check_upload(file, code=Code.BAD_FILE, field="file")  # before anything is written
    note = " ".join((note or "").split())[:500]
    label = generate.FILE_TITLES[DocumentKind(kind)]
    from gridgov.kernel.workflow import record_entry
    from gridgov.mediation.disputes.workflow import DISPUTES

    with transaction.atomic():
        entry = record_entry(
            workflow=DISPUTES,
            obj=dispute,
            action=SIGNED_ACTION,
            actor=actor,
            from_state=dispute.status,
            to_state=dispute.status,
            note=note or _("Signed %(document)s filed.") % {"document": label},
            data={"document_kind": kind},
            at=now,
        )
        [row] = attachments_add(
            model=DisputeAttachment,
            owner=dispute,
            files=[checked],
            actor=actor,
            document_kind=kind,
            session=session,
            event=entry,
        )
    return row


def signed_documents(dispute: Dispute) -> list[DisputeAttachment]:
    """The signed scans filed for ``dispute`` (newest first)."""
    return list(
        DisputeAttachment.objects.filter(dispute=dispute)
        .exclude(document_kind="")
        .order_by("-created_at", "-id")
    )
