"""/api/v1/mediation/screening: screening rounds (摸排), their coverage, a grid worker's returns
and filing one, and the screening plans (schedules) of areas.

Rounds and coverage need ``mediation.view`` (403 without it anywhere); a round is seen through
its area or through the returns the caller sees, and coverage counts only those. Filing needs
``mediation.report`` at the grid (a return outside is 404). Send the return's ``version``;
send a ``key`` (or an ``Idempotency-Key`` header) to make retries safe: the same filing again is
answered 200 with the filed return, any other second filing is 409 ``screening_already_filed``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.core.params import Day, DbId
from gridgov.mediation.choices import Period, Risk
from gridgov.mediation.models import DisputeType, ScreeningPlan, ScreeningReturn, ScreeningRound
from gridgov.mediation.screening import selectors, services

router = Router()
TAGS = ["mediation: screening"]
_E: dict[Any, Any] = {codes_4xx: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    title: str
    period: str
    area: AreaRef
    starts_on: date
    due_on: date


class CoverageCounts(Schema):
    area: AreaRef | None
    grids: int
    filed: int
    nothing_found: int
    with_disputes: int
    disputes: int = Field(description="Disputes registered by the filed returns")
    pending: int
    late: int = Field(description="Returns filed after the due date")
    overdue: int = Field(description="Returns still pending after the due date")
    rate: int = Field(description="Percentage of grids filed")


class ReturnOut(Schema):
    id: int
    round: RoundOut
    area: AreaRef
    version: int
    status: str = Field(description="pending or filed")
    filed_at: datetime | None
    filed_by: str
    nothing_found: bool
    late: bool
    overdue: bool = Field(description="Pending after the round's due date")
    note: str
    disputes: list[int]


class CoverageOut(Schema):
    round: RoundOut
    total: CoverageCounts
    streets: list[CoverageCounts]
    communities: list[CoverageCounts]
    missing: list[ReturnOut] = Field(description="Grids whose return is still pending")


class DisputeFound(Schema):
    type: DbId = Field(description="Dispute type id (GET the types of the dispute register)")
    title: str = Field(max_length=200)
    party_name: str = Field(max_length=50)
    party_phone: str = Field("", max_length=20)
    risk: Risk = Risk.GREEN
    summary: str = Field("", max_length=2000)
    place: str = Field("", max_length=200)


class FileIn(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    nothing_found: bool = False
    note: str = Field("", max_length=2000)
    disputes: list[DisputeFound] = Field(default_factory=list, max_length=services.MAX_DISPUTES)
    key: str = Field("", max_length=services.KEY_MAX, description="The client's key of this filing")


class PlanOut(Schema):
    id: int
    area: AreaRef
    period: str
    active: bool
    version: int


class PlanIn(Schema):
    area_id: DbId
    period: Period
    active: bool = True


class RoundIn(Schema):
    area_id: DbId
    period: Period
    starts_on: Day | None = Field(None, description="A day of the period; default today")


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _need_anywhere(actor: Any, perm: str, what: str) -> None:
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _return_out(ret: ScreeningReturn, today: date) -> dict[str, Any]:
    ids = getattr(ret, "dispute_ids", None)
    if ids is None:
        ids = list(ret.disputes.order_by("pk").values_list("pk", flat=True))
    return {
        "id": ret.pk,
        "round": ret.round,
        "area": ret.area,
        "version": ret.version,
        "status": "filed" if ret.filed_at else "pending",
        "filed_at": ret.filed_at,
        "filed_by": str(ret.filed_by) if ret.filed_by_id and ret.filed_by else "",
        "nothing_found": ret.nothing_found,
        "late": ret.late,
        "overdue": ret.filed_at is None and today > ret.round.due_on,
        "note": ret.note,
        "disputes": ids,
    }


def _types(ids: set[int]) -> dict[int, DisputeType]:
    found = DisputeType.objects.in_bulk(ids)
    missing = sorted(ids - set(found))
    if missing:
        msg = _("Unknown dispute type.")
        raise ValidationFailed(msg, fields={"disputes.type": msg})
    return found


# --- Rounds -----------------------------------------------------------------------------------


@router.get("/screening/rounds", response={200: list[RoundOut], **_E}, tags=TAGS)
def screening_round_list(request: HttpRequest, area: DbId | None = None) -> Any:
    """Screening rounds you see, newest first (at most 100): opened at an area of yours or with
    returns of your grids. `area`: only rounds with returns under that area."""
    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_VIEW, "screening rounds")
    under = None
    if area is not None:
        under = scoping.visible_areas(actor, Perm.MEDIATION_VIEW).filter(pk=area).first()
        if under is None:
            raise NotFound(_("Not found, or outside your jurisdiction."))
    return list(selectors.round_list(actor, area=under)[:100])


@router.post("/screening/rounds", response={201: RoundOut, **_E}, tags=TAGS)
def screening_round_create(request: HttpRequest, payload: RoundIn) -> Any:
    """Open the round of a period now (`mediation.manage` at the area), with a pending return
    for each grid under it; opening one that exists adds only the returns of new grids."""
    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_MANAGE, "screening round")
    area = selectors.plan_area_get(actor, payload.area_id)

    round_ = services.screening_round_open(
        actor=actor,
        area=area,
        period=payload.period,
        starts_on=payload.starts_on or timezone.localdate(),
    )
    return 201, round_


@router.get(
    "/screening/rounds/{int:round_id}/coverage", response={200: CoverageOut, **_E}, tags=TAGS
)
def screening_round_coverage(request: HttpRequest, round_id: int) -> Any:
    """How the grids you see stand in a round: in total, per street and per community, and the
    grids still owing their return."""

    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_VIEW, "screening coverage")
    round_: ScreeningRound = selectors.round_get(actor, round_id)
    cov = selectors.round_coverage(actor, round_)
    today = timezone.localdate()
    return {
        "round": round_,
        "total": cov.total.as_dict(),
        "streets": [r.as_dict() for r in cov.streets],
        "communities": [r.as_dict() for r in cov.communities],
        "missing": [_return_out(r, today) for r in cov.missing],
    }


# --- Returns ----------------------------------------------------------------------------------


@router.get("/screening/returns/mine", response={200: list[ReturnOut], **_E}, tags=TAGS)
def screening_my_returns(request: HttpRequest, pending: bool = True) -> Any:
    """The returns of the grids where you file them (`mediation.report`): by default only the
    pending ones; `pending=false` for the last 50 of every state."""

    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_REPORT, "screening returns")
    today = timezone.localdate()
    rows = list(selectors.my_returns(actor, pending_only=pending)[:50])
    return [_return_out(r, today) for r in rows]


@router.post("/screening/returns/{int:return_id}/file", response={200: ReturnOut, **_E}, tags=TAGS)
def screening_return_file(request: HttpRequest, return_id: int, payload: FileIn) -> Any:
    """File a grid's return: `nothing_found: true`, or the `disputes` found (each registered in
    the dispute register, source screening) — not both, not neither. 409 `stale_version` when
    the return changed since your `version`; 409 `screening_already_filed` when it was filed
    (200 with the filed return when you send the same `key` again)."""

    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_REPORT, "screening return")
    ret = selectors.return_get(actor, return_id, Perm.MEDIATION_REPORT)
    types = _types({d.type for d in payload.disputes})
    disputes = [
        services.DisputeIn(
            type=types[d.type],
            title=d.title,
            party_name=d.party_name,
            party_phone=d.party_phone,
            risk=d.risk,
            summary=d.summary,
            place=d.place,
        )
        for d in payload.disputes
    ]
    key = payload.key or (request.headers.get("Idempotency-Key") or "")
    ret = services.screening_return_file(
        actor=actor,
        screening_return=ret,
        version=payload.version,
        nothing_found=payload.nothing_found,
        note=payload.note,
        disputes=disputes,
        key=key,
    )
    ret = selectors.return_get(actor, ret.pk, Perm.MEDIATION_REPORT)
    return _return_out(ret, timezone.localdate())


# --- Plans ------------------------------------------------------------------------------------


@router.get("/screening/plans", response={200: list[PlanOut], **_E}, tags=TAGS)
def screening_plan_list(request: HttpRequest) -> Any:
    """The screening schedules of the areas you manage (`mediation.manage`)."""
    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_MANAGE, "screening plans")
    return list(selectors.plan_list(actor))


@router.put("/screening/plans", response={200: PlanOut, **_E}, tags=TAGS)
def screening_plan_put(request: HttpRequest, payload: PlanIn) -> ScreeningPlan:
    """Set an area's screening schedule (created on first use): weekly or monthly, active or
    paused. The worker opens each period's round for every active plan."""
    actor = _actor(request)
    _need_anywhere(actor, Perm.MEDIATION_MANAGE, "screening plan")
    area = selectors.plan_area_get(actor, payload.area_id)
    return services.screening_plan_set(
        actor=actor, area=area, period=payload.period, active=payload.active
    )
