"""双报到: an in-service party member (在职党员) registers with the community where they live,
with their workplace, its party organisation and the services they offer. One open
registration per community and phone number."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.party.models import DualReport, PartyMember
from gridgov.party.services._common import (
    event,
    not_future,
    optional_text,
    require,
    required_text,
    user_or_none,
)
from gridgov.rosters import idnumbers


def _duplicate() -> ValidationFailed:
    msg = _("This phone number already has an open registration with this community.")
    return ValidationFailed(msg, code=Code.DUPLICATE_REGISTRATION, fields={"phone": msg})


def dual_report_create(
    *,
    actor: Any,
    community: Area,
    name: str,
    phone: str,
    work_unit: str,
    registered_on: date | None,
    work_org: str = "",
    services: str = "",
) -> DualReport:
    require(actor, Perm.PARTY_MANAGE, community, what="party_dual_report_create")
    if community.level != Level.COMMUNITY or not community.is_active:
        msg = _("Choose an active community or village.")
        raise ValidationFailed(msg, fields={"community": msg})
    name = required_text(name, field="name", max_length=50)
    phone = idnumbers.normalise_phone(phone)
    if not phone:
        raise ValidationFailed(_("This field is required."), fields={"phone": _("Required.")})
    work_unit = required_text(work_unit, field="work_unit", max_length=100)
    work_org = optional_text(work_org, field="work_org", max_length=100)
    services = optional_text(services, field="services", max_length=200)
    if registered_on is None:
        raise ValidationFailed(
            _("This field is required."), fields={"registered_on": _("Required.")}
        )
    not_future(registered_on, field="registered_on")
    protected = idnumbers.protected_phone(phone)
    open_regs = DualReport.objects.filter(
        community=community, phone_hash__in=crypto.keyed_hashes(phone), ended_on__isnull=True
    )
    if open_regs.exists():
        raise _duplicate()
    # The party member with this phone number, when there is exactly one.
    members = list(
        PartyMember.objects.filter(
            phone_hash__in=crypto.keyed_hashes(phone), is_active=True
        ).values_list("pk", flat=True)[:2]
    )
    try:
        with transaction.atomic():
            report = DualReport.objects.create(
                community=community,
                member_id=members[0] if len(members) == 1 else None,
                name=name,
                work_unit=work_unit,
                work_org=work_org,
                services=services,
                registered_on=registered_on,
                created_by=user_or_none(actor),
                **protected,
            )
            event(
                "dual_report_created",
                actor=actor,
                member=report.member,
                detail={"dual_report": report.pk, "community": community.pk},
            )
    except IntegrityError as exc:
        raise _duplicate() from exc
    return report


def dual_report_end(*, actor: Any, report: DualReport, on: date | None) -> DualReport:
    require(actor, Perm.PARTY_MANAGE, report.community, what="party_dual_report_end")
    if report.ended_on is not None:
        raise Conflict(_("This registration has already ended."), code=Code.ALREADY_ENDED)
    if on is None:
        raise ValidationFailed(_("This field is required."), fields={"on": _("Required.")})
    not_future(on, field="on")
    if on < report.registered_on:
        msg = _("The end date is before the registration date.")
        raise ValidationFailed(msg, fields={"on": msg})
    with transaction.atomic():
        updated = DualReport.objects.filter(pk=report.pk, ended_on__isnull=True).update(ended_on=on)
        if not updated:
            raise Conflict(_("This registration has already ended."), code=Code.ALREADY_ENDED)
        event(
            "dual_report_ended",
            actor=actor,
            member=report.member,
            detail={"dual_report": report.pk, "community": report.community_id},
        )
    report.ended_on = on
    return report
