"""/api/v1/mediation: committees, mediation rooms, mediators and dispute types.

Reads need ``mediation.view`` (without it anywhere: 403; a row or area filter outside the
jurisdiction: 404); writes ``mediation.manage`` at the row's area (403 without it anywhere, 404
outside). Dispute types are one list for the installation: ``mediation.manage`` anywhere edits
it. A mediator's phone number appears only masked. Linking a mediator to an account grants the
account the ``mediator`` role at the mediator's area (needs ``users.manage`` there as well).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_get_for
from gridgov.core.errors import NotFound
from gridgov.core.pagination import paged
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut
from gridgov.mediation.choices import MediatorKind
from gridgov.mediation.models import Committee, DisputeType, MediationRoom, Mediator
from gridgov.mediation.orgs import selectors, services
from gridgov.mediation.orgs.services import KEEP, MAX_DEADLINE_DAYS
from gridgov.rosters.models import Resident

router = Router(tags=["mediation"])


# --- Schemas ----------------------------------------------------------------------------------


class CommitteeOut(Schema):
    id: int
    name: str
    area_id: int
    area_name: str
    active: bool

    @staticmethod
    def resolve_area_name(obj: Committee) -> str:
        return obj.area.name


class CommitteeIn(Schema):
    name: str = Field(max_length=100)
    area_id: DbId


class CommitteePatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    active: bool | None = None


class MediationRoomOut(Schema):
    id: int
    name: str
    area_id: int
    area_name: str
    committee_id: int | None
    address: str
    description: str
    active: bool

    @staticmethod
    def resolve_area_name(obj: MediationRoom) -> str:
        return obj.area.name


class MediationRoomIn(Schema):
    name: str = Field(max_length=100)
    area_id: DbId
    committee_id: DbId | None = None
    address: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)


class RoomPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    committee_id: DbId | None = Field(None, description="null: no committee; omit to keep.")
    address: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None


class MediatorOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    area_id: int
    area_name: str
    committee_id: int | None
    room_id: int | None
    user_id: int | None
    resident_id: int | None
    phone_masked: str
    specialty: str
    active: bool

    @staticmethod
    def resolve_kind_label(obj: Mediator) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_area_name(obj: Mediator) -> str:
        return obj.area.name


class MediatorIn(Schema):
    name: str = Field("", max_length=50, description="Empty: the resident's name.")
    kind: MediatorKind = MediatorKind.PEOPLE
    area_id: DbId
    committee_id: DbId | None = None
    room_id: DbId | None = None
    phone: str = Field("", max_length=20)
    specialty: str = Field("", max_length=100)
    user_id: DbId | None = Field(None, description="The account to link: it becomes a mediator.")
    resident_id: DbId | None = None


class MediatorPatchIn(Schema):
    name: str | None = Field(None, max_length=50)
    kind: MediatorKind | None = None
    committee_id: DbId | None = Field(None, description="null: none; omit to keep.")
    room_id: DbId | None = Field(None, description="null: none; omit to keep.")
    phone: str | None = Field(None, max_length=20, description='"": clear; omit to keep.')
    specialty: str | None = Field(None, max_length=100)
    user_id: DbId | None = Field(None, description="null: unlink; omit to keep.")
    resident_id: DbId | None = Field(None, description="null: unlink; omit to keep.")
    active: bool | None = None


class DisputeTypeOut(Schema):
    id: int
    code: str
    name: str
    deadline_days: int
    sensitive: bool
    active: bool
    sort: int


class DisputeTypeIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=50)
    deadline_days: int = Field(30, ge=1, le=MAX_DEADLINE_DAYS)
    sensitive: bool = False
    sort: int = Field(0, ge=0, le=32767)


class DisputeTypePatchIn(Schema):
    name: str | None = Field(None, max_length=50)
    deadline_days: int | None = Field(None, ge=1, le=MAX_DEADLINE_DAYS)
    sensitive: bool | None = None
    active: bool | None = None
    sort: int | None = Field(None, ge=0, le=32767)


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _area(actor: Any, pk: int | None) -> Area | None:
    return area_get_for(actor=actor, pk=pk) if pk is not None else None


def _given(payload: Schema, name: str) -> bool:
    return name in payload.model_fields_set


def _committee(actor: Any, pk: int | None) -> Committee | None:
    return selectors.committee_get(actor, pk) if pk is not None else None


def _room(actor: Any, pk: int | None) -> MediationRoom | None:
    return selectors.room_get(actor, pk) if pk is not None else None


def _user(pk: int | None) -> User | None:
    if pk is None:
        return None
    from django.utils.translation import gettext as _

    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return user


def _resident(actor: Any, pk: int | None) -> Resident | None:
    return Resident.objects.get_visible(actor, "view", pk) if pk is not None else None


# --- Committees -------------------------------------------------------------------------------


@router.get(
    "/committees", response={200: list[CommitteeOut], codes_4xx: ErrorOut}, summary="Committees"
)
@paged
def committee_list(
    request: HttpRequest, area: DbId | None = None, active: bool | None = None, q: str = ""
) -> QuerySet[Committee]:
    """The mediation committees of the jurisdiction; ``area`` includes the areas below it."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_VIEW, "mediation_committee_list")
    return selectors.committee_list(actor, area=_area(actor, area), active=active, q=q[:50])


@router.post(
    "/committees",
    response={201: CommitteeOut, codes_4xx: ErrorOut},
    summary="Create a mediation committee",
)
def committee_create(request: HttpRequest, payload: CommitteeIn) -> tuple[int, Committee]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediation_committee_create")
    area = area_get_for(actor=actor, pk=payload.area_id)
    return 201, services.committee_create(actor=actor, name=payload.name, area=area)


@router.patch(
    "/committees/{committee_id}",
    response={200: CommitteeOut, codes_4xx: ErrorOut},
    summary="Edit a mediation committee",
)
def committee_update(
    request: HttpRequest, committee_id: int, payload: CommitteePatchIn
) -> Committee:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediation_committee_update")
    return services.committee_update(
        actor=actor,
        committee=selectors.committee_get(actor, committee_id),
        name=payload.name,
        active=payload.active,
    )


# --- Rooms ------------------------------------------------------------------------------------


@router.get("/rooms", response={200: list[MediationRoomOut], codes_4xx: ErrorOut}, summary="Rooms")
@paged
def room_list(
    request: HttpRequest,
    area: DbId | None = None,
    committee: DbId | None = None,
    active: bool | None = None,
    q: str = "",
) -> QuerySet[MediationRoom]:
    """The named mediation rooms of the jurisdiction."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_VIEW, "mediation_room_list")
    return selectors.room_list(
        actor,
        area=_area(actor, area),
        committee=_committee(actor, committee),
        active=active,
        q=q[:50],
    )


@router.post(
    "/rooms",
    response={201: MediationRoomOut, codes_4xx: ErrorOut},
    summary="Create a mediation room",
)
def room_create(request: HttpRequest, payload: MediationRoomIn) -> tuple[int, MediationRoom]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediation_room_create")
    room = services.room_create(
        actor=actor,
        name=payload.name,
        area=area_get_for(actor=actor, pk=payload.area_id),
        committee=_committee(actor, payload.committee_id),
        address=payload.address,
        description=payload.description,
    )
    return 201, room


@router.patch(
    "/rooms/{room_id}", response={200: MediationRoomOut, codes_4xx: ErrorOut}, summary="Edit a room"
)
def room_update(request: HttpRequest, room_id: int, payload: RoomPatchIn) -> MediationRoom:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediation_room_update")
    room = selectors.room_get(actor, room_id)
    committee = _committee(actor, payload.committee_id) if _given(payload, "committee_id") else KEEP
    return services.room_update(
        actor=actor,
        room=room,
        name=payload.name,
        committee=committee,
        address=payload.address,
        description=payload.description,
        active=payload.active,
    )


# --- Mediators --------------------------------------------------------------------------------


@router.get(
    "/mediators", response={200: list[MediatorOut], codes_4xx: ErrorOut}, summary="Mediators"
)
@paged
def mediator_list(
    request: HttpRequest,
    area: DbId | None = None,
    committee: DbId | None = None,
    room: DbId | None = None,
    kind: MediatorKind | None = None,
    active: bool | None = None,
    q: str = "",
) -> QuerySet[Mediator]:
    """The mediators of the jurisdiction (phone numbers masked)."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_VIEW, "mediator_list")
    return selectors.mediator_list(
        actor,
        area=_area(actor, area),
        committee=_committee(actor, committee),
        room=_room(actor, room),
        kind=kind or "",
        active=active,
        q=q[:50],
    )


@router.post(
    "/mediators", response={201: MediatorOut, codes_4xx: ErrorOut}, summary="Register a mediator"
)
def mediator_create(request: HttpRequest, payload: MediatorIn) -> tuple[int, Mediator]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediator_create")
    mediator = services.mediator_create(
        actor=actor,
        name=payload.name,
        kind=payload.kind,
        area=area_get_for(actor=actor, pk=payload.area_id),
        committee=_committee(actor, payload.committee_id),
        room=_room(actor, payload.room_id),
        phone=payload.phone,
        specialty=payload.specialty,
        user=_user(payload.user_id),
        resident=_resident(actor, payload.resident_id),
    )
    return 201, mediator


@router.patch(
    "/mediators/{mediator_id}",
    response={200: MediatorOut, codes_4xx: ErrorOut},
    summary="Edit a mediator",
)
def mediator_update(request: HttpRequest, mediator_id: int, payload: MediatorPatchIn) -> Mediator:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "mediator_update")
    mediator = selectors.mediator_get(actor, mediator_id)
    given = payload.model_fields_set
    return services.mediator_update(
        actor=actor,
        mediator=mediator,
        name=payload.name,
        kind=payload.kind,
        committee=_committee(actor, payload.committee_id) if "committee_id" in given else KEEP,
        room=_room(actor, payload.room_id) if "room_id" in given else KEEP,
        phone=payload.phone,
        specialty=payload.specialty,
        user=_user(payload.user_id) if "user_id" in given else KEEP,
        resident=_resident(actor, payload.resident_id) if "resident_id" in given else KEEP,
        active=payload.active,
    )


# --- Dispute types ----------------------------------------------------------------------------


@router.get(
    "/dispute-types",
    response={200: list[DisputeTypeOut], codes_4xx: ErrorOut},
    summary="Dispute types",
)
def dispute_type_list(request: HttpRequest, active: bool | None = None) -> QuerySet[DisputeType]:
    _require_anywhere(_actor(request), Perm.MEDIATION_VIEW, "dispute_type_list")
    return selectors.dispute_type_list(active=active)


@router.post(
    "/dispute-types",
    response={201: DisputeTypeOut, codes_4xx: ErrorOut},
    summary="Create a dispute type",
)
def dispute_type_create(request: HttpRequest, payload: DisputeTypeIn) -> tuple[int, DisputeType]:
    dtype = services.dispute_type_create(
        actor=_actor(request),
        code=payload.code,
        name=payload.name,
        deadline_days=payload.deadline_days,
        sensitive=payload.sensitive,
        sort=payload.sort,
    )
    return 201, dtype


@router.patch(
    "/dispute-types/{type_id}",
    response={200: DisputeTypeOut, codes_4xx: ErrorOut},
    summary="Edit a dispute type",
)
def dispute_type_update(
    request: HttpRequest, type_id: int, payload: DisputeTypePatchIn
) -> DisputeType:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MEDIATION_MANAGE, "dispute_type_update")
    return services.dispute_type_update(
        actor=actor,
        dispute_type=selectors.dispute_type_get(type_id),
        name=payload.name,
        deadline_days=payload.deadline_days,
        sensitive=payload.sensitive,
        active=payload.active,
        sort=payload.sort,
    )
