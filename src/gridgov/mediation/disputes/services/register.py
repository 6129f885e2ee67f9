"""Registering a dispute (登记) and adding parties.

Dispute numbers are ``TJ`` + the local date + a 4-digit per-day sequence (``TJ202612070001``),
taken from :class:`~gridgov.mediation.models.DisputeSequence` inside the registering
transaction: ``UPDATE … SET last = last + 1`` holds the day's row until commit, so two
registrations never get the same number; the first of a day creates the row (a concurrent
creator's ``IntegrityError`` falls back to the update).

With a ``key`` a retried registration returns the first dispute (``dispute.replayed`` is then
True); the same key with a different request is a 409 ``idempotency_key_reused``. Two
concurrent requests with one key make one dispute: the unique ``(scope, key)`` refuses the
second, its transaction rolls back and the first answer is read back.

Parties: a name (required), an ID number checked with python-stdnum (GB 11643) and a phone
number, both stored encrypted, hashed and masked (:func:`gridgov.core.pii.protect`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import pii
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.kernel.workflow import record_entry
from gridgov.mediation import choices
from gridgov.mediation.disputes import notify as notes
from gridgov.mediation.disputes.services.common import (
    MAX_TEXT,
    PartyIn,
    choice,
    clean_text,
    guard,
    now_or,
)
from gridgov.mediation.disputes.states import Action
from gridgov.mediation.disputes.workflow import DISPUTES
from gridgov.mediation.models import Dispute, DisputeKey, DisputeParty, DisputeSequence

MAX_KEY = 200
MAX_AMOUNT = Decimal("999999999999.99")
NUMBER_PREFIX = "TJ"


# --- Numbering --------------------------------------------------------------------------------


def _bump(day: date) -> int | None:
    if not DisputeSequence.objects.filter(day=day).update(last=F("last") + 1):
        return None
    return int(DisputeSequence.objects.filter(day=day).values_list("last", flat=True).get())


def next_dispute_number(day: date) -> str:
    """Take the next number of ``day``; call inside the registering transaction."""
    last = _bump(day)
    if last is None:
        try:
            with transaction.atomic():
                DisputeSequence.objects.create(day=day, last=1)
            last = 1
        except IntegrityError:
            last = _bump(day)  # another registration created the day's row first
    assert last is not None
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{last:04d}"


# --- Parties ----------------------------------------------------------------------------------


def _field(index: int | None, name: str) -> str:
    return name if index is None else f"parties[{index}].{name}"


def party_values(party: PartyIn, index: int | None = None) -> dict[str, Any]:
    """The stored columns of a party, checked: a name, a known role, a valid ID number and
    phone (encrypted, hashed, masked). Raises :class:`ValidationFailed` naming the field."""
    from gridgov.rosters import idnumbers

    name = (party.name or "").strip()
    if not name and party.resident is not None:
        name = party.resident.name
    if not name:
        msg = _("Enter the party's name.")
        raise ValidationFailed(msg, code=Code.NAME_REQUIRED, fields={_field(index, "name"): msg})
    name = clean_text(name, _field(index, "name"), limit=50)
    role = choice(party.role or "applicant", _field(index, "role"), choices.PartyRole.values)
    values: dict[str, Any] = {
        "name": name,
        "role": role,
        "resident": party.resident,
        "address": clean_text(party.address, _field(index, "address"), limit=200),
    }
    if (party.id_number or "").strip():
        try:
            facts = idnumbers.parse_id(party.id_number.strip(), field=_field(index, "id_number"))
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, code=Code.INVALID_ID_NUMBER, fields=exc.fields
            ) from None
        values.update(pii.protect(facts.number, pii.Kind.ID_NUMBER))
    if (party.phone or "").strip():
        try:
            phone = idnumbers.normalise_phone(party.phone, field=_field(index, "phone"))
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, code=Code.INVALID_PHONE, fields=exc.fields
            ) from None
        values.update(pii.protect(phone, pii.Kind.PHONE))
    return values


# --- Registration -----------------------------------------------------------------------------


def _fingerprint(data: dict[str, Any]) -> str:
    """A keyed hash of the request (it holds ID and phone numbers: never a plain hash)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return pii.keyed_hash(text)


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not Decimal(0) <= amount <= MAX_AMOUNT:
        msg = _("Enter an amount between 0 and %(max)s yuan.") % {"max": MAX_AMOUNT}
        raise ValidationFailed(msg, code=Code.OUT_OF_RANGE, fields={"amount": msg})
    return amount


def _check_type(dispute_type: Any) -> None:
    if dispute_type is None or dispute_type.pk is None or not dispute_type.active:
        msg = _("Choose a dispute type in use.")
        raise ValidationFailed(msg, code=Code.UNKNOWN_DISPUTE_TYPE, fields={"type": msg})


class _KeyTaken(Exception):
    """A concurrent registration stored the same key first."""


def _replay(scope: str, key: str, fingerprint: str) -> Dispute | None:
    record = DisputeKey.objects.filter(scope=scope, key=key).select_related("dispute").first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise Conflict(
            _("This key was already used for another registration."),
            code=Code.IDEMPOTENCY_KEY_REUSED,
        )
    dispute = record.dispute
    dispute.replayed = True  # type: ignore[attr-defined]
    return dispute


def dispute_register(
    *,
    actor: Any,
    area: Any,
    type: Any,
    title: str,
    summary: str = "",
    place: str = "",
    amount: Any = None,
    risk: str = "green",
    risk_reasons: str = "",
    source: str,
    sensitive: bool | None = None,
    parties: list[PartyIn],
    screening_return: Any = None,
    from_case: Any = None,
    key: str = "",
    now: datetime | None = None,
) -> Dispute:
    """登记: a new dispute at ``area`` (REGISTERED, with its ``register`` entry). The actor
    needs ``mediation.report`` there (``actor=None``: the system — demo, imports). A red
    dispute alerts the 综治中心 at once. ``sensitive=None`` takes the type's default."""
    now = now_or(now)
    scoping.require_unless_system(actor, Perm.MEDIATION_REPORT, area, what="dispute_register")
    _check_type(type)
    title = clean_text(title, "title", required=True, limit=200)
    summary = clean_text(summary, "summary", limit=MAX_TEXT)
    place = clean_text(place, "place", limit=200)
    value = _amount(amount)
    risk = choice(risk or "green", "risk", choices.Risk.values)
    risk_reasons = clean_text(risk_reasons, "risk_reasons", required=risk == "red")
    source = choice(source, "source", choices.Source.values)
    key = clean_text(key, "key", limit=MAX_KEY)
    rows = [party_values(p, i) for i, p in enumerate(parties or [])]
    is_sensitive = bool(type.sensitive) if sensitive is None else bool(sensitive)
    scope = f"user:{actor.pk}" if getattr(actor, "pk", None) else "system"
    fingerprint = _fingerprint(
        {
            "area": area.pk,
            "type": type.pk,
            "title": title,
            "summary": summary,
            "place": place,
            "amount": value,
            "risk": risk,
            "source": source,
            "sensitive": is_sensitive,
            "parties": [
                [p.name, p.role, p.id_number, p.phone, p.address, getattr(p.resident, "pk", None)]
                for p in parties or []
            ],
        }
    )
    if key:
        found = _replay(scope, key, fingerprint)
        if found is not None:
            return found
    try:
        with transaction.atomic():
            dispute = _write(
                actor=actor,
                area=area,
                type=type,
                title=title,
                summary=summary,
                place=place,
                amount=value,
                risk=risk,
                risk_reasons=risk_reasons,
                source=source,
                sensitive=is_sensitive,
                parties=rows,
                screening_return=screening_return,
                from_case=from_case,
                now=now,
            )
            if key:
                try:
                    with transaction.atomic():
                        DisputeKey.objects.create(
                            scope=scope, key=key, fingerprint=fingerprint, dispute=dispute
                        )
                except IntegrityError:
                    raise _KeyTaken from None
    except _KeyTaken:
        found = _replay(scope, key, fingerprint)
        assert found is not None
        return found
    dispute.replayed = False  # type: ignore[attr-defined]
    return dispute


def _write(
    *,
    actor: Any,
    area: Any,
    type: Any,
    title: str,
    summary: str,
    place: str,
    amount: Decimal | None,
    risk: str,
    risk_reasons: str,
    source: str,
    sensitive: bool,
    parties: list[dict[str, Any]],
    screening_return: Any,
    from_case: Any,
    now: datetime,
) -> Dispute:
    user = actor if getattr(actor, "is_authenticated", False) else None
    dispute = Dispute.objects.create(
        number=next_dispute_number(timezone.localdate(now)),
        type=type,
        title=title,
        summary=summary,
        place=place,
        amount=amount,
        risk=risk,
        risk_reasons=risk_reasons,
        source=source,
        sensitive=sensitive,
        area=area,
        registered_by=user,
        screening_return=screening_return,
        from_case=from_case,
        registered_at=now,
    )
    DisputeParty.objects.bulk_create(
        [DisputeParty(dispute=dispute, area_path=dispute.area_path, **row) for row in parties]
    )
    record_entry(
        workflow=DISPUTES,
        obj=dispute,
        action=Action.REGISTER,
        actor=actor,
        from_state="",
        to_state=dispute.status,
        data={"source": source, "risk": risk, "parties": len(parties)},
        at=now,
    )
    if risk == "red":
        notes.high_risk(dispute, actor=actor, reasons=risk_reasons)
    return dispute


def dispute_party_add(
    *, actor: Any, dispute: Dispute, version: int, party: PartyIn, now: datetime | None = None
) -> DisputeParty:
    """增加当事人 before the outcome (the timeline names the party's role, not their data)."""
    from gridgov.mediation.disputes.services.common import apply

    now = now_or(now)
    guard(dispute, actor, Action.ADD_PARTY, version, now)
    row = party_values(party)
    with transaction.atomic():
        created = DisputeParty.objects.create(dispute=dispute, area_path=dispute.area_path, **row)
        apply(
            dispute=dispute,
            action=Action.ADD_PARTY,
            actor=actor,
            version=version,
            data={"party": created.pk, "role": created.role},
            at=now,
        )
    return created
