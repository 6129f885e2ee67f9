"""/api/v1/mediation: the dispute register (矛盾纠纷台账) and the high-risk board.

Reads go through :mod:`gridgov.mediation.disputes.selectors` (a dispute outside your
jurisdiction, or a sensitive one without ``mediation.sensitive`` there, is 404 as if it did not
exist). Every change goes through ``POST /disputes/{id}/actions/{action}``, dispatched from
:data:`gridgov.mediation.disputes.actions.ACTIONS`: send the ``version`` you saw — if someone
acted in between, the answer is 409 ``stale_version``; 409 ``action_not_allowed`` when the
dispute's state does not allow the action. Parties' names, ID and phone numbers are masked, and
so are phone and ID numbers typed into titles, summaries and notes.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.areas.models import Area
from gridgov.core import pii
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.core.pagination import CappedPagination
from gridgov.core.params import DbId, Moment, Version
from gridgov.kernel.workflow import ActionCall
from gridgov.mediation import choices
from gridgov.mediation.disputes import selectors
from gridgov.mediation.disputes import services as svc
from gridgov.mediation.disputes.actions import ACTIONS
from gridgov.mediation.models import Dispute, DisputeType

router = Router(tags=["mediation"])


# --- Schemas ----------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class TypeRef(Ref):
    code: str


class DisputeOut(Schema):
    id: int
    number: str
    status: str
    status_label: str
    version: int
    type: TypeRef
    title: str
    area: AreaRef
    risk: str
    risk_label: str
    source: str
    sensitive: bool
    registered_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    overdue: bool
    deadline_provisional: bool
    outcome: str
    room: Ref | None
    mediator: Ref | None

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj["status_label"]) if isinstance(obj, dict) else obj.get_status_display()

    @staticmethod
    def resolve_risk_label(obj: Any) -> str:
        return str(obj["risk_label"]) if isinstance(obj, dict) else obj.get_risk_display()

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj["title"]) if isinstance(obj, dict) else pii.mask_text(obj.title)


class PartyOut(Schema):
    id: int
    role: str
    name: str = Field(description="Masked, e.g. 张*")
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked")
    address: str
    resident_id: int | None


class SessionOut(Schema):
    id: int
    held_at: datetime
    place: str
    attendees: str
    minutes: str


class FollowUpOut(Schema):
    id: int
    visited_at: datetime
    performance: str
    note: str


class DisputeEventOut(Schema):
    id: int
    at: datetime
    action: str
    action_label: str
    actor_name: str
    who: str
    from_status: str
    to_status: str
    note: str
    data: dict[str, Any]


class DisputeDetail(DisputeOut):
    summary: str
    place: str
    amount: Decimal | None
    risk_reasons: str
    assigned_at: datetime | None
    outcome_at: datetime | None
    outcome_note: str
    referred_to: str
    referred_body: str
    performance: str
    closed_at: datetime | None
    pending_extension: dict[str, Any]
    extended_days: int
    urge_count: int
    from_case: int | None
    parties: list[PartyOut]
    sessions: list[SessionOut]
    follow_ups: list[FollowUpOut]
    timeline: list[DisputeEventOut]
    allowed_actions: list[str] = Field(description="The actions you may take now")


class PartyIn(Schema):
    name: str = Field("", max_length=50)
    role: str = Field("applicant", description="applicant, respondent or other")
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)


class RegisterIn(Schema):
    area_id: DbId
    type: str = Field(description="The dispute type's id or code")
    title: str = Field(max_length=200)
    summary: str = Field("", max_length=4000)
    place: str = Field("", max_length=200)
    amount: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"))
    risk: str = Field("green", description="red, yellow or green")
    risk_reasons: str = Field("", max_length=2000, description="Required for red")
    source: str = Field(description="screening, walk_in, case, hotline, court, police or other")
    sensitive: bool | None = Field(None, description="Default: the type's")
    parties: list[PartyIn] = Field([], max_length=50)


class DisputeActionIn(Schema):
    version: Version | None = Field(None, description="The dispute version you saw (required)")
    note: str = Field("", max_length=4000)
    reason: str = Field("", max_length=2000)
    message: str = Field("", max_length=2000)
    referred_to: str = Field("", description="refer, fail: litigation, arbitration, petition …")
    referred_body: str = Field("", max_length=100)
    mediator: DbId | None = Field(None, description="assign: the mediator's id")
    room: DbId | None = Field(None, description="assign: the room's id (default the mediator's)")
    held_at: Moment | None = Field(None, description="session")
    place: str = Field("", max_length=200)
    attendees: str = Field("", max_length=4000)
    minutes: str = Field("", max_length=4000)
    outcome: str = Field("", description="outcome: agreement, no_agreement or withdrawn")
    visited_at: Moment | None = Field(None, description="follow_up")
    performance: str = Field("", description="follow_up: full, partial or none")
    risk: str = Field("", description="set_risk: red, yellow or green")
    reasons: str = Field("", max_length=2000)
    days: int | None = Field(None, ge=0, le=1000, description="request_extension: 1–30")
    approve: bool | None = Field(None, description="decide_extension")
    party: PartyIn | None = Field(None, description="add_party")


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    """403 (audited) for a caller who holds ``perm`` nowhere."""
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def detail(actor: Any, dispute: Dispute) -> dict[str, Any]:
    """The dispute as answered: personal data masked, typed-in numbers masked."""
    data = {f: getattr(dispute, f) for f in DisputeDetail.model_fields if hasattr(dispute, f)}
    for field in ("title", "summary", "place", "risk_reasons", "outcome_note"):
        data[field] = pii.mask_text(getattr(dispute, field))
    pending = {k: v for k, v in (dispute.pending_extension or {}).items() if k != "by"}
    if isinstance(pending.get("reason"), str):
        pending["reason"] = pii.mask_text(pending["reason"])
    data.update(
        status_label=str(dispute.get_status_display()),
        risk_label=str(dispute.get_risk_display()),
        type={"id": dispute.type.pk, "code": dispute.type.code, "name": dispute.type.name},
        area=dispute.area,
        room=_ref(dispute.room),
        mediator=_ref(dispute.mediator),
        from_case=dispute.from_case_id,
        pending_extension=pending,
        parties=[
            {
                "id": p.pk,
                "role": p.role,
                "name": pii.mask_name(p.name),
                "id_number": p.id_number_masked,
                "phone": p.phone_masked,
                "address": pii.mask_text(p.address),
                "resident_id": p.resident_id,
            }
            for p in dispute.parties.all()
        ],
        sessions=[
            {
                "id": s.pk,
                "held_at": s.held_at,
                "place": pii.mask_text(s.place),
                "attendees": pii.mask_text(s.attendees),
                "minutes": pii.mask_text(s.minutes),
            }
            for s in dispute.sessions.all()
        ],
        follow_ups=[
            {
                "id": f.pk,
                "visited_at": f.visited_at,
                "performance": f.performance,
                "note": pii.mask_text(f.note),
            }
            for f in dispute.follow_ups.all()
        ],
        timeline=[row.as_api() for row in selectors.dispute_timeline(actor, dispute)],
        allowed_actions=selectors.dispute_actions(actor, dispute),
    )
    return data


def _type(value: str) -> DisputeType:
    text = (value or "").strip()
    qs = DisputeType.objects.filter(active=True)
    found = qs.filter(pk=int(text)).first() if text.isdigit() else None
    found = found or qs.filter(code=text).first()
    if found is None:
        msg = _("Choose a dispute type in use.")
        raise ValidationFailed(msg, code=Code.UNKNOWN_DISPUTE_TYPE, fields={"type": msg})
    return found


def _statuses(status: str) -> list[str] | None:
    values = [s.strip() for s in status.split(",") if s.strip()]
    unknown = [s for s in values if s not in choices.Status.values]
    if unknown:
        msg = _("Unknown status: %(status)s.") % {"status": ", ".join(unknown)}
        raise ValidationFailed(msg, fields={"status": msg})
    return values or None


# --- Endpoints --------------------------------------------------------------------------------


@router.post("/disputes", response={200: DisputeDetail, 201: DisputeDetail, codes_4xx: ErrorOut})
def dispute_register(request: HttpRequest, payload: RegisterIn) -> tuple[int, dict[str, Any]]:
    """Register a dispute (mediation.report at its area). Send ``Idempotency-Key`` to make
    retries safe: 201 first, 200 with the same dispute on a retry, 409
    ``idempotency_key_reused`` for the same key with another body. A red dispute (with
    ``risk_reasons``) alerts the 综治中心 at once."""
    actor = _actor(request)
    area = Area.objects.filter(pk=payload.area_id, is_active=True).first()
    if area is None:
        raise ValidationFailed(_("Unknown area."), fields={"area_id": _("Unknown area.")})
    key = (request.headers.get("Idempotency-Key") or "").strip()
    dispute = svc.dispute_register(
        actor=actor,
        area=area,
        type=_type(payload.type),
        title=payload.title,
        summary=payload.summary,
        place=payload.place,
        amount=payload.amount,
        risk=payload.risk,
        risk_reasons=payload.risk_reasons,
        source=payload.source,
        sensitive=payload.sensitive,
        parties=[
            svc.PartyIn(
                name=p.name, role=p.role, id_number=p.id_number, phone=p.phone, address=p.address
            )
            for p in payload.parties
        ],
        key=key,
    )
    replayed = bool(getattr(dispute, "replayed", False))
    return (200 if replayed else 201), detail(actor, dispute)


@router.get("/disputes", response={200: list[DisputeOut], codes_4xx: ErrorOut})
@paginate(CappedPagination)
def dispute_list(
    request: HttpRequest,
    status: str = "",
    risk: str = "",
    type: DbId | None = None,
    area: DbId | None = None,
    q: str = "",
    mine: bool = False,
    overdue: bool | None = None,
) -> QuerySet[Dispute]:
    """Disputes in your jurisdiction, newest first (sensitive ones only with
    mediation.sensitive). ``status`` is a comma-separated list; ``q`` an exact dispute number or
    part of the title or place; ``mine``: assigned to you as mediator or registered by you."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_VIEW, "dispute_list")
    statuses = _statuses(status)
    if len(q) > 100:
        msg = _("At most %(n)d characters.") % {"n": 100}
        raise ValidationFailed(msg, code=Code.TOO_LONG, fields={"q": msg})
    if risk and risk not in choices.Risk.values:
        msg = _("Unknown risk level.")
        raise ValidationFailed(msg, fields={"risk": msg})
    area_obj = None
    if area is not None:
        area_obj = scoping.visible_areas(actor, Perm.MEDIATION_VIEW).filter(pk=area).first()
        if area_obj is None:
            raise NotFound(_("Not found, or outside your jurisdiction."))
    return selectors.dispute_list(
        actor,
        status=statuses,
        risk=risk or None,
        type=type,
        q=q,
        mine=mine,
        area=area_obj,
        overdue=overdue,
    )


@router.get("/disputes/{int:dispute_id}", response={200: DisputeDetail, codes_4xx: ErrorOut})
def dispute_detail(request: HttpRequest, dispute_id: int) -> dict[str, Any]:
    """One dispute with its parties (masked), sessions, follow-up visits, timeline and the
    actions you may take on it now."""
    actor = _actor(request)
    return detail(actor, selectors.dispute_get(actor, dispute_id))


@router.post(
    "/disputes/{int:dispute_id}/actions/{action}",
    response={200: DisputeDetail, codes_4xx: ErrorOut},
)
def dispute_action(
    request: HttpRequest, dispute_id: int, action: str, payload: DisputeActionIn
) -> dict[str, Any]:
    """Take an action: accept, refer (``referred_to``, ``referred_body``, ``reason``), assign
    (``mediator``, ``room``), session (``held_at``, ``place``, ``attendees``, ``minutes``),
    agree, fail (``referred_to``, ``referred_body``), withdraw, outcome (``outcome``),
    follow_up (``visited_at``, ``performance``), close, set_risk (``risk``, ``reasons``),
    add_party (``party``), request_extension (``days``, ``reason``), approve_extension,
    deny_extension (``note``), decide_extension (``approve``), urge (``message``). 409
    ``stale_version`` when the dispute changed since the ``version`` you send; 409
    ``action_not_allowed`` when its state does not allow the action."""
    actor = _actor(request)
    dispute = selectors.dispute_get(actor, dispute_id)
    ACTIONS.run_api(ActionCall(action, dispute, actor, payload=payload))
    return detail(actor, selectors.dispute_get(actor, dispute.pk))


@router.get("/board/high-risk", response={200: list[DisputeOut], codes_4xx: ErrorOut})
@paginate(CappedPagination)
def high_risk_board(request: HttpRequest) -> QuerySet[Dispute]:
    """The high-risk board: open red disputes of your jurisdiction, oldest first; each stays
    until its risk is lowered or it ends."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_VIEW, "high_risk_board")
    return selectors.high_risk_board(actor)
