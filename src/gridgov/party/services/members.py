"""Party members: registration, changes, confirmation as a full member (转正), transfers
between organisations (组织关系转接, kept as :class:`MemberTransfer` history) and leaving.

ID and phone numbers are checked with :mod:`gridgov.rosters.idnumbers` and stored as the three
protected columns (encrypted, keyed hash, mask). One member per ID number (hash). A member is
linked to the roster's resident with the same ID number hash, if there is one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.core import crypto
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.party.models import MemberStatus, MemberTransfer, PartyMember, PartyOrg
from gridgov.party.services._common import (
    event,
    not_future,
    optional_text,
    require,
    required_text,
    user_or_none,
)
from gridgov.rosters import idnumbers
from gridgov.rosters.models import Resident

MIN_AGE = 18  # 党章: 年满十八岁
PROBATION_DAYS = 365  # 预备期为一年
_NO_VALUE: Any = object()


def duplicate_id_error() -> ValidationFailed:
    msg = _("A party member with this ID number is already registered.")
    return ValidationFailed(msg, code=Code.DUPLICATE_ID_NUMBER, fields={"id_number": msg})


def resident_for_hash(id_hash: str) -> int | None:
    """The roster resident with this ID number hash not yet linked to a member, if any."""
    return (
        Resident.objects.filter(id_number_hash=id_hash, party_member__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def check_dates(
    *, birth_date: date, status: str, joined_on: date | None, confirmed_on: date | None
) -> None:
    """The rules for status and dates, with the form field each problem belongs to."""
    if status not in MemberStatus.values:
        msg = _("Choose full or probationary member.")
        raise ValidationFailed(msg, fields={"status": msg})
    if joined_on is None:
        raise ValidationFailed(_("This field is required."), fields={"joined_on": _("Required.")})
    not_future(joined_on, field="joined_on")
    if idnumbers.age_on(birth_date, joined_on) < MIN_AGE:
        msg = _("A member must be at least 18 years old when joining the Party.")
        raise ValidationFailed(msg, code=Code.TOO_YOUNG, fields={"joined_on": msg})
    if status == MemberStatus.PROBATIONARY and confirmed_on is not None:
        msg = _("A probationary member has no date of becoming a full member yet.")
        raise ValidationFailed(msg, fields={"confirmed_on": msg})
    if confirmed_on is not None:
        not_future(confirmed_on, field="confirmed_on")
        if confirmed_on < joined_on + timedelta(days=PROBATION_DAYS):
            msg = _("A member becomes a full member after at least one year of probation.")
            raise ValidationFailed(msg, code=Code.PROBATION_TOO_SHORT, fields={"confirmed_on": msg})


def _active_org(org: PartyOrg, field: str = "org") -> None:
    if not org.is_active:
        msg = _("This organisation is no longer active.")
        raise ValidationFailed(msg, fields={field: msg})


def member_create(
    *,
    actor: Any,
    org: PartyOrg,
    name: str,
    id_number: str,
    status: str,
    joined_on: date | None,
    phone: str = "",
    confirmed_on: date | None = None,
) -> PartyMember:
    require(actor, Perm.PARTY_MANAGE, org.area, what="party_member_create")
    _active_org(org)
    name = required_text(name, field="name", max_length=50)
    facts = idnumbers.parse_id(id_number)
    phone = idnumbers.normalise_phone(phone)
    check_dates(
        birth_date=facts.birth_date, status=status, joined_on=joined_on, confirmed_on=confirmed_on
    )
    assert joined_on is not None  # checked above
    protected = idnumbers.protected_id(facts.number)
    # Under the current key or, during a key rotation, the old one.
    if PartyMember.objects.filter(id_number_hash__in=crypto.keyed_hashes(facts.number)).exists():
        raise duplicate_id_error()
    try:
        with transaction.atomic():
            member = PartyMember.objects.create(
                org=org,
                resident_id=resident_for_hash(protected["id_number_hash"]),
                name=name,
                gender=facts.gender,
                birth_date=facts.birth_date,
                status=status,
                joined_on=joined_on,
                confirmed_on=confirmed_on,
                **protected,
                **(idnumbers.protected_phone(phone) if phone else {}),
            )
            event(
                "member_created",
                actor=actor,
                org=org,
                member=member,
                detail={"status": status, "resident_linked": member.resident_id is not None},
            )
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise duplicate_id_error() from exc
    return member


def _conditional_update(member: PartyMember, version: int, **values: Any) -> None:
    updated = PartyMember.objects.filter(pk=member.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise Conflict(
            _("Someone else changed this member in the meantime. Reload and try again."),
            code=Code.STALE_VERSION,
        )


def member_update(
    *,
    actor: Any,
    member: PartyMember,
    version: int,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    joined_on: date | None = None,
    confirmed_on: Any = _NO_VALUE,
) -> PartyMember:
    """Correct a member's record. The status changes only through :func:`member_confirm`."""
    require(actor, Perm.PARTY_MANAGE, member.org.area, what="party_member_update")
    values: dict[str, Any] = {}
    if name is not None:
        name = required_text(name, field="name", max_length=50)
        if name != member.name:
            values["name"] = name
    birth_date = member.birth_date
    if id_number is not None:
        facts = idnumbers.parse_id(id_number)
        protected = idnumbers.protected_id(facts.number)
        if protected["id_number_hash"] != member.id_number_hash:
            if PartyMember.objects.filter(
                id_number_hash__in=crypto.keyed_hashes(facts.number)
            ).exists():
                raise duplicate_id_error()
            values.update(protected, gender=facts.gender, birth_date=facts.birth_date)
            values["resident_id"] = resident_for_hash(protected["id_number_hash"])
            birth_date = facts.birth_date
    if phone is not None:
        phone = idnumbers.normalise_phone(phone)
        columns = (
            idnumbers.protected_phone(phone)
            if phone
            else {"phone_enc": "", "phone_hash": "", "phone_masked": ""}
        )
        if columns["phone_hash"] != member.phone_hash:
            values.update(columns)
    new_joined = joined_on if joined_on is not None else member.joined_on
    new_confirmed = member.confirmed_on if confirmed_on is _NO_VALUE else confirmed_on
    if new_joined != member.joined_on:
        values["joined_on"] = new_joined
    if new_confirmed != member.confirmed_on:
        if member.status == MemberStatus.PROBATIONARY and new_confirmed is not None:
            msg = _("Use “Confirm as full member” for a probationary member.")
            raise ValidationFailed(msg, fields={"confirmed_on": msg})
        values["confirmed_on"] = new_confirmed
    check_dates(
        birth_date=birth_date,
        status=member.status,
        joined_on=new_joined,
        confirmed_on=new_confirmed,
    )
    if not values:
        return member
    try:
        with transaction.atomic():
            _conditional_update(member, version, **values)
            event(
                "member_updated",
                actor=actor,
                org=member.org,
                member=member,
                detail={"fields": sorted(_field_names(values))},
            )
    except IntegrityError as exc:
        raise duplicate_id_error() from exc
    member.refresh_from_db()
    return member


def _field_names(values: dict[str, Any]) -> set[str]:
    names = set()
    for key in values:
        if key.startswith("id_number_") or key in ("gender", "birth_date"):
            names.add("id_number")
        elif key.startswith("phone_"):
            names.add("phone")
        elif key == "resident_id":
            names.add("resident")
        else:
            names.add(key)
    return names


def member_confirm(*, actor: Any, member: PartyMember, on: date, version: int) -> PartyMember:
    """预备党员转为正式党员 (after at least one year of probation)."""
    require(actor, Perm.PARTY_MANAGE, member.org.area, what="party_member_confirm")
    if member.status != MemberStatus.PROBATIONARY or not member.is_active:
        raise Conflict(
            _("Only an active probationary member can be confirmed."), code=Code.NOT_PROBATIONARY
        )
    if on is None:
        raise ValidationFailed(_("This field is required."), fields={"on": _("Required.")})
    try:
        check_dates(
            birth_date=member.birth_date,
            status=MemberStatus.FULL,
            joined_on=member.joined_on,
            confirmed_on=on,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, fields={"on": exc.message}) from exc
    with transaction.atomic():
        _conditional_update(member, version, status=MemberStatus.FULL, confirmed_on=on)
        event(
            "member_confirmed",
            actor=actor,
            org=member.org,
            member=member,
            detail={"on": on.isoformat()},
        )
    member.refresh_from_db()
    return member


def member_transfer(
    *, actor: Any, member: PartyMember, to_org: PartyOrg, on: date, reason: str = ""
) -> MemberTransfer:
    """Move a member's organisational relationship; needs PARTY_MANAGE at both ends."""
    require(actor, Perm.PARTY_MANAGE, member.org.area, what="party_member_transfer")
    require(actor, Perm.PARTY_MANAGE, to_org.area, what="party_member_transfer")
    if not member.is_active:
        raise Conflict(_("This member is no longer active."), code=Code.MEMBER_INACTIVE)
    _active_org(to_org, "to_org")
    if to_org.pk == member.org_id:
        msg = _("The member already belongs to this organisation.")
        raise ValidationFailed(msg, code=Code.SAME_ORG, fields={"to_org": msg})
    if on is None:
        raise ValidationFailed(_("This field is required."), fields={"on": _("Required.")})
    not_future(on, field="on")
    last = MemberTransfer.objects.filter(member=member).values_list("on", flat=True).first()
    if on < member.joined_on or (last is not None and on < last):
        msg = _("The date is before the member's last transfer or joining.")
        raise ValidationFailed(msg, fields={"on": msg})
    reason = optional_text(reason, field="reason", max_length=200)
    from_org = member.org
    with transaction.atomic():
        _conditional_update(member, member.version, org=to_org, **PartyMember.path_from(to_org))
        transfer = MemberTransfer.objects.create(
            member=member,
            from_org=from_org,
            to_org=to_org,
            on=on,
            reason=reason,
            actor=user_or_none(actor),
        )
        detail = {"from_org": from_org.pk, "to_org": to_org.pk, "on": on.isoformat()}
        event("member_transferred_out", actor=actor, org=from_org, member=member, detail=detail)
        event("member_transferred_in", actor=actor, org=to_org, member=member, detail=detail)
    member.refresh_from_db()
    return transfer


def member_leave(*, actor: Any, member: PartyMember, on: date, reason: str) -> PartyMember:
    """The member leaves the organisation's roster (转出系统外, 去世 …); kept, never deleted."""
    require(actor, Perm.PARTY_MANAGE, member.org.area, what="party_member_leave")
    if not member.is_active:
        raise Conflict(_("This member is no longer active."), code=Code.MEMBER_INACTIVE)
    reason = required_text(reason, field="reason", max_length=200)
    if on is None:
        raise ValidationFailed(_("This field is required."), fields={"on": _("Required.")})
    not_future(on, field="on")
    with transaction.atomic():
        _conditional_update(member, member.version, is_active=False, left_on=on)
        event(
            "member_left",
            actor=actor,
            org=member.org,
            member=member,
            detail={"on": on.isoformat(), "reason": reason},
        )
    member.refresh_from_db()
    return member


def member_link_resident(*, resident: Resident) -> int:
    """Link the party member with the resident's ID number hash to ``resident`` (for the
    roster services after creating a resident or correcting an ID number). System
    bookkeeping, no permission needed; returns the number of members linked (0 or 1)."""
    with transaction.atomic():
        linked = PartyMember.objects.filter(
            id_number_hash=resident.id_number_hash, resident__isnull=True
        ).update(resident=resident)
        if linked:
            member = PartyMember.objects.get(id_number_hash=resident.id_number_hash)
            event("member_resident_linked", actor=None, org=member.org, member=member)
    return linked
