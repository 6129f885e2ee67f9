"""Households and residents: create, change, move out, die, change household.

Every service checks ROSTER_EDIT at the area (before its transaction, so a refusal's audit
entry stays), runs in one ``transaction.atomic()``, and writes RosterEvent rows whose detail
holds field NAMES only — never an ID or phone number. Nobody is deleted: people move out or
die with a date; their membership of a household ends (history in Membership).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.rosters.codes import (
    ETHNICITIES,
    HouseholdType,
    PoliticalStatus,
    Relation,
    ResidenceType,
    ResidentStatus,
)
from gridgov.rosters.idnumbers import normalise_phone, parse_id, protected_id, protected_phone
from gridgov.rosters.models import (
    Household,
    Membership,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    VillageGroup,
)

# The jurisdiction check; ``actor=None`` is the system itself (demo, imports, tests).
require = scoping.require_unless_system


ROSTER_AREA_LEVELS = (Level.GRID, Level.MICRO_GRID)
UPDATABLE = (
    "name",
    "id_number",
    "phone",
    "ethnicity",
    "political_status",
    "residence_type",
    "relation",
    "moved_in_on",
)
_ETHNIC_CODES = {code for code, _name in ETHNICITIES}


# --- helpers -----------------------------------------------------------------------------------


def _invalid(field: str, message: str, code: str = Code.VALIDATION_FAILED) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def record_event(
    *,
    kind: str,
    actor: Any,
    resident: Resident | None = None,
    household: Household | None = None,
    detail: dict[str, Any] | None = None,
) -> RosterEvent:
    """Append one RosterEvent (``detail``: field names and non-personal values only)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return RosterEvent.objects.create(
        kind=str(kind), resident=resident, household=household, actor=user, detail=detail or {}
    )


def check_roster_area(area: Area, field: str = "area") -> None:
    """Roster rows hang off a grid or micro-grid (active)."""
    if area.level not in ROSTER_AREA_LEVELS or not area.is_active:
        raise _invalid(field, _("Choose a grid or a micro-grid."), Code.NOT_A_GRID)


def _choice(value: str, choices: Any, field: str) -> str:
    value = str(value or "")
    if value not in {str(v) for v in choices}:
        raise _invalid(field, _("Select a valid choice."))
    return value


def _name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise _invalid("name", _("Enter the name."))
    if len(name) > 50:
        raise _invalid("name", _("A name has at most 50 characters."))
    return name


def _id_columns(number: str, *, exclude_pk: int | None = None) -> dict[str, Any]:
    facts = parse_id(number)
    cols: dict[str, Any] = protected_id(facts.number)
    # Under the current key or, during a key rotation, the old one.
    dup = Resident.objects.filter(id_number_hash__in=crypto.keyed_hashes(facts.number))
    if exclude_pk is not None:
        dup = dup.exclude(pk=exclude_pk)
    if dup.exists():
        raise _duplicate_id()
    cols.update(gender=facts.gender, birth_date=facts.birth_date)
    return cols


def _duplicate_id() -> ValidationFailed:
    return _invalid(
        "id_number",
        _("A resident with this ID number is already on the roster."),
        Code.DUPLICATE_ID_NUMBER,
    )


def _phone_columns(phone: str) -> dict[str, str]:
    phone = normalise_phone(phone)
    if not phone:
        return {"phone_enc": "", "phone_hash": "", "phone_masked": ""}
    return protected_phone(phone)


def _open_head(household: Household, *, exclude_pk: int | None = None) -> Resident | None:
    qs = Resident.objects.filter(
        household=household, relation=Relation.HEAD, status=ResidentStatus.LIVING
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _check_head_free(household: Household, relation: str, exclude_pk: int | None = None) -> None:
    if relation == Relation.HEAD and _open_head(household, exclude_pk=exclude_pk) is not None:
        raise _invalid("relation", _("This household already has a head."), Code.HEAD_EXISTS)


def _set_head(household: Household, head: Resident | None) -> None:
    Household.objects.filter(pk=household.pk).update(
        head=head, version=F("version") + 1, updated_at=timezone.now()
    )
    household.head = head
    household.version += 1


def _bump(resident: Resident, version: int | None, fields: dict[str, Any]) -> None:
    """Conditional UPDATE … WHERE version = ``version`` (None: any); Conflict when stale."""
    now = timezone.now()
    qs = Resident.objects.filter(pk=resident.pk)
    if version is not None:
        qs = qs.filter(version=version)
    if qs.update(version=F("version") + 1, updated_at=now, **fields) != 1:
        raise Conflict(
            _(
                "This record was changed by someone else since you opened it. Reload it and try again."
            ),
            code=Code.STALE_VERSION,
        )
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.version = (version if version is not None else resident.version) + 1
    resident.updated_at = now


def _end_membership(resident: Resident, on: date) -> None:
    Membership.objects.filter(resident=resident, end_on__isnull=True).update(end_on=on)


def _today() -> date:
    return timezone.localdate()


def _check_day(on: date | None, field: str = "on") -> date:
    day = on or _today()
    if day > _today():
        raise _invalid(field, _("The date cannot be in the future."))
    return day


# --- households --------------------------------------------------------------------------------


def next_household_number(area: Area) -> str:
    """The next free number "H" + area code + 6-digit sequence in ``area``."""
    prefix = f"H{area.code}"
    last = (
        Household.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = 0
    if last:
        tail = last[len(prefix) :]
        seq = int(tail) if tail.isdigit() else 0
    return f"{prefix}{seq + 1:06d}"


def _room_address(room: Room) -> str:
    unit = room.unit
    return f"{unit.building}{unit}{room.number}"


def household_create(
    *,
    actor: Any,
    area: Area,
    household_type: str,
    address: str,
    room: Room | None = None,
    village_group: VillageGroup | None = None,
    number: str = "",
) -> Household:
    """A new household in ``area`` (a grid or micro-grid); ``number`` generated if empty."""
    require(actor, Perm.ROSTER_EDIT, area, what="household_create")
    check_roster_area(area)
    household_type = _choice(household_type, HouseholdType.values, "household_type")
    if room is not None and room.unit.building.area_id != area.pk:
        raise _invalid("room", _("This room is in a building of another grid."))
    if village_group is not None and village_group.area_id != area.pk:
        raise _invalid("village_group", _("This villagers' group belongs to another grid."))
    address = " ".join((address or "").split())
    if not address and room is not None:
        address = _room_address(room)
    if not address:
        raise _invalid("address", _("Enter the address."))
    number = (number or "").strip()
    if number and Household.objects.filter(number=number).exists():
        raise _invalid("number", _("This household number is already used."), Code.DUPLICATE_NUMBER)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                household = Household.objects.create(
                    number=number or next_household_number(area),
                    area=area,
                    household_type=household_type,
                    room=room,
                    village_group=village_group,
                    address=address[:200],
                )
                record_event(
                    kind=RosterEvent.Kind.CREATED,
                    actor=actor,
                    household=household,
                    detail={"fields": ["number", "household_type", "address"]},
                )
            return household
        except IntegrityError:
            if number:
                break
    raise _invalid("number", _("This household number is already used."), Code.DUPLICATE_NUMBER)


# --- residents ---------------------------------------------------------------------------------


def resident_create(
    *,
    actor: Any,
    household: Household,
    name: str,
    id_number: str,
    relation: str,
    residence_type: str,
    ethnicity: str = "01",
    phone: str = "",
    political_status: str = "13",
    moved_in_on: date | None = None,
) -> Resident:
    """Put a new person on the roster as a member of ``household`` (ID number checked and
    refused if already on the roster)."""
    require(actor, Perm.ROSTER_EDIT, household.area, what="resident_create")
    if not household.is_active:
        raise _invalid("household", _("This household is dissolved."), Code.HOUSEHOLD_INACTIVE)
    values: dict[str, Any] = {
        "name": _name(name),
        "relation": _choice(relation, Relation.values, "relation"),
        "residence_type": _choice(residence_type, ResidenceType.values, "residence_type"),
        "ethnicity": _choice(ethnicity or "01", _ETHNIC_CODES, "ethnicity"),
        "political_status": _choice(
            political_status or PoliticalStatus.MASSES, PoliticalStatus.values, "political_status"
        ),
        "moved_in_on": moved_in_on,
    }
    values.update(_id_columns(id_number))
    values.update(_phone_columns(phone))
    start_on = _check_day(moved_in_on, "moved_in_on")
    try:
        with transaction.atomic():
            _check_head_free(household, values["relation"])
            resident = Resident.objects.create(
                household=household,
                **Resident.place_at(household),
                **values,
            )
            Membership.objects.create(
                resident=resident,
                household=household,
                relation=resident.relation,
                start_on=start_on,
            )
            if resident.relation == Relation.HEAD:
                _set_head(household, resident)
            record_event(
                kind=RosterEvent.Kind.CREATED,
                actor=actor,
                resident=resident,
                household=household,
                detail={"fields": sorted(k for k in values if not k.endswith(("_enc", "_hash")))},
            )
            # A party member registered before the person was on the roster is linked now.
            from gridgov.party.services import member_link_resident

            member_link_resident(resident=resident)
    except IntegrityError:
        raise _duplicate_id() from None
    return resident


def resident_update(*, actor: Any, resident: Resident, version: int, **changes: Any) -> Resident:
    """Change some of :data:`UPDATABLE` if the resident still has ``version`` (else Conflict
    ``stale_version``). A new ID number re-derives gender and birth date."""
    require(actor, Perm.ROSTER_EDIT, resident.area, what="resident_update")
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise _invalid(unknown[0], _("This field cannot be changed here."), Code.UNKNOWN_FIELD)
    fields: dict[str, Any] = {}
    changed: list[str] = []
    for key, value in changes.items():
        if key == "name":
            value = _name(value)
            if value != resident.name:
                fields["name"] = value
                changed.append(key)
        elif key == "id_number":
            cols = _id_columns(value, exclude_pk=resident.pk)
            if cols["id_number_hash"] != resident.id_number_hash:
                fields.update(cols)
                changed.append(key)
        elif key == "phone":
            cols = _phone_columns(value)
            if cols["phone_hash"] != resident.phone_hash:
                fields.update(cols)
                changed.append(key)
        elif key == "moved_in_on":
            if value is not None:
                _check_day(value, "moved_in_on")
            if value != resident.moved_in_on:
                fields[key] = value
                changed.append(key)
        else:
            allowed: Any = {
                "ethnicity": _ETHNIC_CODES,
                "political_status": PoliticalStatus.values,
                "residence_type": ResidenceType.values,
                "relation": Relation.values,
            }[key]
            value = _choice(value, allowed, key)
            if value != getattr(resident, key):
                fields[key] = value
                changed.append(key)
    if "relation" in fields and resident.household_id is None:
        raise _invalid("relation", _("This person belongs to no household now."))
    try:
        with transaction.atomic():
            household = resident.household
            if "relation" in fields and household is not None:
                _check_head_free(household, fields["relation"], exclude_pk=resident.pk)
            _bump(resident, version, fields)
            if "relation" in fields and household is not None:
                Membership.objects.filter(resident=resident, end_on__isnull=True).update(
                    relation=fields["relation"]
                )
                if fields["relation"] == Relation.HEAD:
                    _set_head(household, resident)
                elif household.head_id == resident.pk:
                    _set_head(household, None)
            if changed:
                record_event(
                    kind=RosterEvent.Kind.CHANGED,
                    actor=actor,
                    resident=resident,
                    household=household,
                    detail={"fields": sorted(changed)},
                )
    except IntegrityError:
        raise _duplicate_id() from None
    return resident


def _leave(
    *, actor: Any, resident: Resident, on: date, status: str, kind: str, detail: dict[str, Any]
) -> Resident:
    household = resident.household
    fields: dict[str, Any] = {"status": status, "household": None, "relation": ""}
    if status == ResidentStatus.MOVED_OUT:
        fields["moved_out_on"] = on
    else:
        fields["deceased_on"] = on
    with transaction.atomic():
        if (
            Resident.objects.filter(pk=resident.pk, status=ResidentStatus.LIVING).update(
                version=F("version") + 1, updated_at=timezone.now(), **fields
            )
            != 1
        ):
            raise Conflict(_("This person no longer lives here."), code=Code.NOT_LIVING, status=409)
        for name, value in fields.items():
            setattr(resident, name, value)
        resident.version += 1
        _end_membership(resident, on)
        if household is not None and household.head_id == resident.pk:
            _set_head(household, None)
        if status == ResidentStatus.DECEASED:
            from gridgov.rosters.services.tags import refresh_sensitive

            ended = ResidentTag.objects.filter(resident=resident, end_on__isnull=True).update(
                end_on=on, version=F("version") + 1
            )
            if ended:
                detail["tags_ended"] = ended
                refresh_sensitive([resident.pk])
                resident.refresh_from_db(fields=["sensitive"])
        record_event(kind=kind, actor=actor, resident=resident, household=household, detail=detail)
    return resident


def _living(resident: Resident) -> None:
    if resident.status != ResidentStatus.LIVING:
        raise Conflict(_("This person no longer lives here."), code=Code.NOT_LIVING)


def resident_move_out(*, actor: Any, resident: Resident, on: date, note: str = "") -> Resident:
    """The person moved away on ``on``: their membership ends, the record stays."""
    require(actor, Perm.ROSTER_EDIT, resident.area, what="resident_move_out")
    _living(resident)
    day = _check_day(on)
    if resident.moved_in_on and day < resident.moved_in_on:
        raise _invalid("on", _("The date is before the person moved in."))
    detail: dict[str, Any] = {"on": day.isoformat()}
    if note.strip():
        detail["note"] = note.strip()[:200]
    return _leave(
        actor=actor,
        resident=resident,
        on=day,
        status=ResidentStatus.MOVED_OUT,
        kind=RosterEvent.Kind.MOVED_OUT,
        detail=detail,
    )


def resident_died(*, actor: Any, resident: Resident, on: date) -> Resident:
    """The person died on ``on``: membership and open special-group tags end."""
    require(actor, Perm.ROSTER_EDIT, resident.area, what="resident_died")
    _living(resident)
    day = _check_day(on)
    if day < resident.birth_date:
        raise _invalid("on", _("The date is before the person was born."))
    return _leave(
        actor=actor,
        resident=resident,
        on=day,
        status=ResidentStatus.DECEASED,
        kind=RosterEvent.Kind.DECEASED,
        detail={"on": day.isoformat()},
    )


def resident_change_household(
    *, actor: Any, resident: Resident, household: Household, relation: str, on: date
) -> Resident:
    """Move the person into ``household`` (ending the current membership on ``on``); a person
    who had moved out is back on the roster as living here."""
    require(actor, Perm.ROSTER_EDIT, resident.area, what="resident_change_household")
    require(actor, Perm.ROSTER_EDIT, household.area, what="resident_change_household")
    if resident.status == ResidentStatus.DECEASED:
        raise Conflict(_("This person has died."), code=Code.DECEASED)
    if household.pk == resident.household_id:
        raise _invalid("household", _("The person is already a member of this household."))
    if not household.is_active:
        raise _invalid("household", _("This household is dissolved."), Code.HOUSEHOLD_INACTIVE)
    relation = _choice(relation, Relation.values, "relation")
    day = _check_day(on)
    old = resident.household
    with transaction.atomic():
        _check_head_free(household, relation)
        _bump(
            resident,
            None,
            {
                "household": household,
                "relation": relation,
                **Resident.place_at(household),
                "status": ResidentStatus.LIVING,
                "moved_out_on": None,
                "moved_in_on": day,
            },
        )
        resident.area = household.area
        _end_membership(resident, day)
        Membership.objects.create(
            resident=resident, household=household, relation=relation, start_on=day
        )
        ResidentTag.objects.filter(resident=resident).update(**ResidentTag.path_from(household))
        if old is not None and old.head_id == resident.pk:
            _set_head(old, None)
        if relation == Relation.HEAD:
            _set_head(household, resident)
        detail = {
            "from_household": old.pk if old is not None else None,
            "to_household": household.pk,
            "on": day.isoformat(),
        }
        record_event(
            kind=RosterEvent.Kind.HOUSEHOLD_CHANGED,
            actor=actor,
            resident=resident,
            household=household,
            detail=detail,
        )
        if old is not None:
            record_event(
                kind=RosterEvent.Kind.MOVED_OUT,
                actor=actor,
                resident=resident,
                household=old,
                detail=detail,
            )
    return resident
