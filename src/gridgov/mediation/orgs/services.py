"""Writes for who mediates: committees (人民调解委员会), named rooms (调解室), mediators and the
dispute types.

Rules: committees, rooms and mediators live at an active area; MEDIATION_MANAGE at that area
(and at the committee's or room's area they hang under). A room or mediator lies inside its
committee's area, a mediator inside its room's. Names are unique among the active committees
(rooms) of an area. A mediator's phone number is personal data (encrypted, hashed, masked). A
mediator linked to an account makes that account a mediator: a ``mediator`` role grant at the
mediator's area through :func:`gridgov.accounts.services.role_grant` (so the actor also needs
``users.manage`` there, unless the account already holds the role over that area). Nothing is
deleted: committees, rooms, mediators and types are deactivated.

Dispute types are one list for the whole installation: MEDIATION_MANAGE anywhere.
Every change writes a ``config_changed`` audit entry naming the fields (never the values).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import ROLE_LEVELS, Perm, Role
from gridgov.accounts.services import role_grant
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import pii
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.mediation.choices import MediatorKind
from gridgov.mediation.models import Committee, DisputeType, MediationRoom, Mediator
from gridgov.rosters.idnumbers import normalise_phone
from gridgov.rosters.models import Resident

KEEP: Any = object()  # "leave this field as it is" for the optional foreign keys of an update

MAX_DEADLINE_DAYS = 365
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")

require = scoping.require_unless_system


# --- Small checks -----------------------------------------------------------------------------


def _required(value: str | None, *, field: str, max_length: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationFailed(
            _("This field is required."), code=Code.REQUIRED, fields={field: _("Required.")}
        )
    if len(text) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise ValidationFailed(msg, code=Code.TOO_LONG, fields={field: msg})
    return text


def _optional(value: str | None, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        msg = _("At most %(n)d characters.") % {"n": max_length}
        raise ValidationFailed(msg, code=Code.TOO_LONG, fields={field: msg})
    return text


def _active_area(area: Area) -> None:
    if not area.is_active:
        msg = _("The area is no longer active.")
        raise ValidationFailed(msg, fields={"area": msg})


def _inside(area: Area, parent_path: str, *, field: str, msg: str) -> None:
    if not area.path.startswith(parent_path):
        raise ValidationFailed(msg, code=Code.AREA_OUTSIDE_PARENT, fields={field: msg})


def _audit(actor: Any, obj: Any, area: Area | None, detail: dict[str, Any]) -> None:
    audit_record(
        event=Event.CONFIG_CHANGED,
        actor=actor,
        actor_name="" if actor is not None else "system",
        target=obj,
        area=area,
        detail={"what": obj._meta.label_lower, **detail},
    )


def _unique_name(
    model: type[Committee] | type[MediationRoom], name: str, area: Area, exclude: int | None
) -> None:
    qs = model.objects.filter(name=name, area=area, active=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        msg = _("Another one here already has this name.")
        raise Conflict(msg, code=Code.DUPLICATE_NAME, fields={"name": msg})


# --- Committees -------------------------------------------------------------------------------


def committee_create(*, actor: Any, name: str, area: Area) -> Committee:
    """A people's mediation committee at ``area`` (a village, community, street …)."""
    require(actor, Perm.MEDIATION_MANAGE, area, what="mediation_committee_create")
    name = _required(name, field="name", max_length=100)
    _active_area(area)
    with transaction.atomic():
        _unique_name(Committee, name, area, None)
        committee = Committee.objects.create(name=name, area=area)
        _audit(actor, committee, area, {"created": True})
    return committee


def committee_update(
    *, actor: Any, committee: Committee, name: str | None = None, active: bool | None = None
) -> Committee:
    """Rename or (de)activate a committee. Deactivating needs no active room under it."""
    require(actor, Perm.MEDIATION_MANAGE, committee.area, what="mediation_committee_update")
    changes: dict[str, Any] = {}
    with transaction.atomic():
        if name is not None:
            name = _required(name, field="name", max_length=100)
            if name != committee.name:
                _unique_name(Committee, name, committee.area, committee.pk)
                changes["name"] = name
        if active is not None and active != committee.active:
            if not active and committee.rooms.filter(active=True).exists():
                raise Conflict(
                    _("Deactivate or move the committee's rooms first."),
                    code=Code.ORG_HAS_CHILDREN,
                )
            if active:
                _unique_name(
                    Committee, changes.get("name", committee.name), committee.area, committee.pk
                )
            changes["active"] = active
        if not changes:
            return committee
        for key, value in changes.items():
            setattr(committee, key, value)
        committee.save(update_fields=list(changes))
        _audit(actor, committee, committee.area, {"fields": sorted(changes)})
    return committee


# --- Rooms ------------------------------------------------------------------------------------


def _check_committee(committee: Committee | None, area: Area, actor: Any, what: str) -> None:
    if committee is None:
        return
    require(actor, Perm.MEDIATION_MANAGE, committee.area, what=what)
    if not committee.active:
        msg = _("The committee is no longer active.")
        raise ValidationFailed(msg, fields={"committee": msg})
    _inside(
        area,
        committee.area_path,
        field="area",
        msg=_("The area must lie inside the committee's area."),
    )


def room_create(
    *,
    actor: Any,
    name: str,
    area: Area,
    committee: Committee | None = None,
    address: str = "",
    description: str = "",
) -> MediationRoom:
    """A named mediation room (马建才调解室, 石榴籽调解室 …) at ``area``."""
    require(actor, Perm.MEDIATION_MANAGE, area, what="mediation_room_create")
    name = _required(name, field="name", max_length=100)
    address = _optional(address, field="address", max_length=200)
    description = _optional(description, field="description", max_length=2000)
    _active_area(area)
    _check_committee(committee, area, actor, "mediation_room_create")
    with transaction.atomic():
        _unique_name(MediationRoom, name, area, None)
        room = MediationRoom.objects.create(
            name=name, area=area, committee=committee, address=address, description=description
        )
        _audit(actor, room, area, {"created": True, "committee": getattr(committee, "pk", None)})
    return room


def room_update(
    *,
    actor: Any,
    room: MediationRoom,
    name: str | None = None,
    committee: Any = KEEP,
    address: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> MediationRoom:
    require(actor, Perm.MEDIATION_MANAGE, room.area, what="mediation_room_update")
    changes: dict[str, Any] = {}
    if address is not None and address.strip() != room.address:
        changes["address"] = _optional(address, field="address", max_length=200)
    if description is not None and description.strip() != room.description:
        changes["description"] = _optional(description, field="description", max_length=2000)
    if committee is not KEEP and getattr(committee, "pk", None) != room.committee_id:
        _check_committee(committee, room.area, actor, "mediation_room_update")
        changes["committee"] = committee
    with transaction.atomic():
        if name is not None:
            name = _required(name, field="name", max_length=100)
            if name != room.name:
                _unique_name(MediationRoom, name, room.area, room.pk)
                changes["name"] = name
        if active is not None and active != room.active:
            if active:
                _unique_name(MediationRoom, changes.get("name", room.name), room.area, room.pk)
            changes["active"] = active
        if not changes:
            return room
        for key, value in changes.items():
            setattr(room, key, value)
        room.save(update_fields=list(changes))
        _audit(actor, room, room.area, {"fields": sorted(changes)})
    return room


# --- Mediators --------------------------------------------------------------------------------


def _check_room(room: MediationRoom | None, area: Area, actor: Any, what: str) -> None:
    if room is None:
        return
    require(actor, Perm.MEDIATION_MANAGE, room.area, what=what)
    if not room.active:
        msg = _("The mediation room is no longer in use.")
        raise ValidationFailed(msg, fields={"room": msg})
    _inside(area, room.area_path, field="area", msg=_("The area must lie inside the room's area."))


def _check_pair(committee: Committee | None, room: MediationRoom | None) -> Committee | None:
    """The committee of a mediator placed in ``room`` (the room's, when none is given)."""
    if room is None or room.committee_id is None:
        return committee
    if committee is None:
        return room.committee
    if committee.pk != room.committee_id:
        msg = _("The room belongs to another committee.")
        raise ValidationFailed(msg, fields={"room": msg})
    return committee


def _check_resident(resident: Resident | None, area: Area) -> None:
    if resident is None:
        return
    if not resident.area_path.startswith(area.path):
        msg = _("The resident does not live in the mediator's area.")
        raise ValidationFailed(msg, code=Code.AREA_OUTSIDE_PARENT, fields={"resident": msg})


def _holds_mediator_role(user: User, area: Area) -> bool:
    return any(
        role == Role.MEDIATOR and area.path.startswith(path)
        for role, path in user.grants.filter(area__is_active=True).values_list("role", "area__path")
    )


def _account_needs_grant(actor: Any, user: User | None, area: Area) -> bool:
    """Check an account to link (before any write): active, and either a mediator over
    ``area`` already or one the actor may make a mediator here (``users.manage``, a level
    where the role can be held). True when the role must be granted."""
    if user is None:
        return False
    if not user.is_active:
        msg = _("This account is deactivated.")
        raise ValidationFailed(msg, fields={"user": msg})
    if _holds_mediator_role(user, area):
        return False
    low, high = ROLE_LEVELS[Role.MEDIATOR]
    if not low <= area.level <= high:
        msg = _("A %(role)s cannot be granted at a %(level)s.") % {
            "role": Role.MEDIATOR.label,
            "level": Level(area.level).label,
        }
        raise ValidationFailed(msg, code=Code.WRONG_LEVEL, fields={"user": msg})
    require(actor, Perm.MANAGE_USERS, area, what="mediator_link_account")
    return True


def _grant(actor: Any, user: User, area: Area) -> None:
    """The ``mediator`` role for ``user`` at ``area`` (inside the caller's transaction)."""
    role_grant(actor=actor, user=user, role=Role.MEDIATOR, area=area)


def _phone_columns(phone: str) -> dict[str, str]:
    phone = normalise_phone(phone)
    if not phone:
        return {"phone_enc": "", "phone_hash": "", "phone_masked": ""}
    return pii.protect(phone, pii.Kind.PHONE)


def _kind(kind: str) -> str:
    if kind not in MediatorKind.values:
        msg = _("Choose a kind of mediator.")
        raise ValidationFailed(msg, fields={"kind": msg})
    return kind


def mediator_create(
    *,
    actor: Any,
    name: str = "",
    kind: str = MediatorKind.PEOPLE,
    area: Area,
    committee: Committee | None = None,
    room: MediationRoom | None = None,
    phone: str = "",
    specialty: str = "",
    user: User | None = None,
    resident: Resident | None = None,
) -> Mediator:
    """A mediator at ``area``, optionally of a committee and a room, linked to an account (who
    then holds the ``mediator`` role at ``area``) and/or a roster resident (whose name is taken
    when ``name`` is empty)."""
    require(actor, Perm.MEDIATION_MANAGE, area, what="mediator_create")
    if not (name or "").strip() and resident is not None:
        name = resident.name
    name = _required(name, field="name", max_length=50)
    kind = _kind(kind)
    specialty = _optional(specialty, field="specialty", max_length=100)
    phone_columns = _phone_columns(phone)
    _active_area(area)
    committee = _check_pair(committee, room)
    _check_committee(committee, area, actor, "mediator_create")
    _check_room(room, area, actor, "mediator_create")
    _check_resident(resident, area)
    granted = _account_needs_grant(actor, user, area)
    with transaction.atomic():
        if granted and user is not None:
            _grant(actor, user, area)
        mediator = Mediator.objects.create(
            name=name,
            kind=kind,
            area=area,
            committee=committee,
            room=room,
            specialty=specialty,
            user=user,
            resident=resident,
            **phone_columns,
        )
        _audit(
            actor,
            mediator,
            area,
            {
                "created": True,
                "user": getattr(user, "pk", None),
                "resident": getattr(resident, "pk", None),
                "role_granted": granted,
            },
        )
    return mediator


def mediator_update(
    *,
    actor: Any,
    mediator: Mediator,
    name: str | None = None,
    kind: str | None = None,
    committee: Any = KEEP,
    room: Any = KEEP,
    phone: str | None = None,
    specialty: str | None = None,
    user: Any = KEEP,
    resident: Any = KEEP,
    active: bool | None = None,
) -> Mediator:
    """Correct a mediator. ``phone=""`` clears the number, ``None`` keeps it; the foreign keys
    keep their value unless given (``None`` unlinks). Unlinking an account does not take its
    role away (that is done on the account's page)."""
    area = mediator.area
    require(actor, Perm.MEDIATION_MANAGE, area, what="mediator_update")
    changes: dict[str, Any] = {}
    if name is not None:
        name = _required(name, field="name", max_length=50)
        if name != mediator.name:
            changes["name"] = name
    if kind is not None and kind != mediator.kind:
        changes["kind"] = _kind(kind)
    if specialty is not None and specialty.strip() != mediator.specialty:
        changes["specialty"] = _optional(specialty, field="specialty", max_length=100)
    if phone is not None:
        columns = _phone_columns(phone)
        if columns["phone_hash"] != mediator.phone_hash:
            changes.update(columns)
    new_committee = mediator.committee if committee is KEEP else committee
    new_room = mediator.room if room is KEEP else room
    if room is not KEEP and getattr(new_room, "pk", None) != mediator.room_id:
        _check_room(new_room, area, actor, "mediator_update")
        changes["room"] = new_room
    if committee is not KEEP or "room" in changes:
        new_committee = _check_pair(new_committee, new_room)
        if getattr(new_committee, "pk", None) != mediator.committee_id:
            _check_committee(new_committee, area, actor, "mediator_update")
            changes["committee"] = new_committee
    if resident is not KEEP and getattr(resident, "pk", None) != mediator.resident_id:
        _check_resident(resident, area)
        changes["resident"] = resident
    if active is not None and active != mediator.active:
        changes["active"] = active
    granted = False
    if user is not KEEP and getattr(user, "pk", None) != mediator.user_id:
        granted = _account_needs_grant(actor, user, area)
        changes["user"] = user
    with transaction.atomic():
        if granted:
            _grant(actor, user, area)
        if not changes:
            return mediator
        for key, value in changes.items():
            setattr(mediator, key, value)
        mediator.save(update_fields=list(changes))
        fields = sorted(
            {k.removesuffix("_enc").removesuffix("_hash").removesuffix("_masked") for k in changes}
        )
        _audit(actor, mediator, area, {"fields": fields, "role_granted": granted})
    return mediator


# --- Dispute types ----------------------------------------------------------------------------


def _require_type_manager(actor: Any, what: str) -> None:
    if actor is not None and not scoping.has_perm_anywhere(actor, Perm.MEDIATION_MANAGE):
        scoping.require(actor, Perm.MEDIATION_MANAGE, None, what=what)


def _deadline(days: int) -> int:
    if not isinstance(days, int) or not 1 <= days <= MAX_DEADLINE_DAYS:
        msg = _("Between 1 and %(max)d working days.") % {"max": MAX_DEADLINE_DAYS}
        raise ValidationFailed(msg, code=Code.OUT_OF_RANGE, fields={"deadline_days": msg})
    return days


def _sort(sort: int) -> int:
    if not isinstance(sort, int) or not 0 <= sort <= 32767:
        msg = _("Between 0 and %(max)d.") % {"max": 32767}
        raise ValidationFailed(msg, code=Code.OUT_OF_RANGE, fields={"sort": msg})
    return sort


def dispute_type_create(
    *,
    actor: Any,
    code: str,
    name: str,
    deadline_days: int = 30,
    sensitive: bool = False,
    sort: int = 0,
) -> DisputeType:
    """A new kind of dispute; ``sensitive`` ones (family matters) are seen only by mediation
    roles; ``deadline_days`` working days to settle a dispute of the type."""
    _require_type_manager(actor, "dispute_type_create")
    code = (code or "").strip()
    if not CODE_RE.match(code):
        msg = _("Letters, digits, “-” and “_” only, at most 20.")
        raise ValidationFailed(msg, fields={"code": msg})
    name = _required(name, field="name", max_length=50)
    deadline_days = _deadline(deadline_days)
    sort = _sort(sort)
    with transaction.atomic():
        if DisputeType.objects.filter(code=code).exists():
            msg = _("This code is already used.")
            raise Conflict(msg, code=Code.DUPLICATE_NAME, fields={"code": msg})
        if DisputeType.objects.filter(name=name).exists():
            msg = _("Another one here already has this name.")
            raise Conflict(msg, code=Code.DUPLICATE_NAME, fields={"name": msg})
        dtype = DisputeType.objects.create(
            code=code, name=name, deadline_days=deadline_days, sensitive=bool(sensitive), sort=sort
        )
        _audit(actor, dtype, None, {"created": True})
    return dtype


def dispute_type_update(
    *,
    actor: Any,
    dispute_type: DisputeType,
    name: str | None = None,
    deadline_days: int | None = None,
    sensitive: bool | None = None,
    active: bool | None = None,
    sort: int | None = None,
) -> DisputeType:
    """Rename a type, change its deadline (for disputes registered from now on), its default
    sensitivity or its place in lists, or take it out of use (existing disputes keep it)."""
    _require_type_manager(actor, "dispute_type_update")
    changes: dict[str, Any] = {}
    if deadline_days is not None and deadline_days != dispute_type.deadline_days:
        changes["deadline_days"] = _deadline(deadline_days)
    if sensitive is not None and bool(sensitive) != dispute_type.sensitive:
        changes["sensitive"] = bool(sensitive)
    if active is not None and bool(active) != dispute_type.active:
        changes["active"] = bool(active)
    if sort is not None and sort != dispute_type.sort:
        changes["sort"] = _sort(sort)
    with transaction.atomic():
        if name is not None:
            name = _required(name, field="name", max_length=50)
            if name != dispute_type.name:
                if DisputeType.objects.filter(name=name).exclude(pk=dispute_type.pk).exists():
                    msg = _("Another one here already has this name.")
                    raise Conflict(msg, code=Code.DUPLICATE_NAME, fields={"name": msg})
                changes["name"] = name
        if not changes:
            return dispute_type
        for key, value in changes.items():
            setattr(dispute_type, key, value)
        dispute_type.save(update_fields=list(changes))
        _audit(actor, dispute_type, None, {"fields": sorted(changes)})
    return dispute_type
