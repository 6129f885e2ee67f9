"""The dispute lifecycle: accept … close. One function per action (see
:mod:`gridgov.mediation.disputes.states`).

Every function: :func:`~.common.guard` (the version the actor saw, the state table, the
precondition, the permission at the dispute's area) → input checks → one transaction → the
change through the kernel (:func:`~.common.apply`: a stale ``version`` raises 409
``stale_version`` and changes nothing) → notifications in the same transaction (external
delivery on commit). ``now`` may be passed to fix the clock (imports, tests).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.mediation import choices
from gridgov.mediation.disputes import notify as notes
from gridgov.mediation.disputes.services.common import (
    MAX_TEXT,
    apply,
    choice,
    clean_text,
    guard,
    now_or,
)
from gridgov.mediation.disputes.states import ACTION_OF_OUTCOME, Action
from gridgov.mediation.models import Dispute, FollowUp, MediationRoom, MediationSession, Mediator
from gridgov.workcal import selectors as workcal

# A record dated a little ahead of the server's clock (a phone's clock) is still "now".
CLOCK_SLACK = timedelta(minutes=10)


def deadline_changes(dispute: Dispute, due_at: datetime) -> dict[str, Any]:
    """The deadline fields for ``due_at``: the sweep's next look, no overdue mark, and
    ``deadline_provisional`` when it is counted over a year without an official schedule."""
    return {
        "due_at": due_at,
        "watch_at": due_at,
        "overdue": False,
        "deadline_provisional": bool(
            workcal.unscheduled_years_between(dispute.accepted_at or due_at, due_at)
        ),
    }


def _referral(referred_to: str, referred_body: str) -> tuple[str, str]:
    where = str(referred_to or "").strip()
    body = (referred_body or "").strip()
    if where not in choices.ReferredTo.values or not body:
        fields = {}
        if where not in choices.ReferredTo.values:
            fields["referred_to"] = _("Choose where the dispute goes.")
        if not body:
            fields["referred_body"] = _("Enter the receiving body.")
        raise ValidationFailed(
            _("Say where the dispute goes and which body receives it."),
            code=Code.REFERRAL_REQUIRED,
            fields=fields,
        )
    return where, clean_text(body, "referred_body", limit=100)


def _moment(value: Any, field: str) -> datetime:
    """A date-time, read in the working time zone when it came without an offset."""
    if not isinstance(value, datetime):
        msg = _("Enter a date and time.")
        raise ValidationFailed(msg, code=Code.REQUIRED, fields={field: msg})
    if timezone.is_naive(value):
        value = timezone.make_aware(value, workcal.work_timezone())
    return value


def _minute(moment: datetime) -> datetime:
    """Pages take times to the minute: a record in the same minute as the registration (or the
    agreement) is not before it."""
    return moment.replace(second=0, microsecond=0)


def _not_future(value: datetime, field: str, now: datetime) -> None:
    if value > now + CLOCK_SLACK:
        msg = _("The date cannot be in the future.")
        raise ValidationFailed(msg, code=Code.DATE_IN_FUTURE, fields={field: msg})


# --- Triage: accept, refer, assign ------------------------------------------------------------


def dispute_accept(
    *, actor: Any, dispute: Dispute, version: int, note: str = "", now: datetime | None = None
) -> Dispute:
    """受理: the mediation clock starts — the type's deadline in working days
    (:attr:`DisputeType.deadline_days`, 30 by default) on the official calendar."""
    now = now_or(now)
    guard(dispute, actor, Action.ACCEPT, version, now)
    note = clean_text(note, "note")
    days = int(dispute.type.deadline_days or 30)
    due = workcal.add_working_time(now, days, "days")
    changes = {"accepted_at": now, **deadline_changes(dispute, due)}
    changes["deadline_provisional"] = bool(workcal.unscheduled_years_between(now, due))
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.ACCEPT,
            actor=actor,
            version=version,
            changes=changes,
            note=note,
            data={"days": days},
            at=now,
        )
    return dispute


def dispute_refer(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    referred_to: str,
    referred_body: str,
    reason: str,
    now: datetime | None = None,
) -> Dispute:
    """不予受理 · 移交: not for mediation; where it goes, the receiving body and why."""
    now = now_or(now)
    guard(dispute, actor, Action.REFER, version, now)
    where, body = _referral(referred_to, referred_body)
    reason = clean_text(reason, "reason", required=True)
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.REFER,
            actor=actor,
            version=version,
            changes={"referred_to": where, "referred_body": body, "watch_at": None},
            note=reason,
            data={"referred_to": where, "referred_body": body, "reason": reason},
            at=now,
        )
    return dispute


def dispute_assign(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    room: MediationRoom | None = None,
    mediator: Mediator,
    note: str = "",
    now: datetime | None = None,
) -> Dispute:
    """指派: a mediator (active, in the actor's jurisdiction) and a room (the mediator's own
    when none is named)."""
    now = now_or(now)
    guard(dispute, actor, Action.ASSIGN, version, now)
    note = clean_text(note, "note")
    if (
        mediator is None
        or not mediator.active
        or not Mediator.objects.visible_to(actor).filter(pk=mediator.pk).exists()
    ):
        msg = _("Choose an active mediator of your jurisdiction.")
        raise ValidationFailed(msg, fields={"mediator": msg})
    if room is None and mediator.room_id is not None:
        room = mediator.room
    if room is not None and (
        not room.active or not MediationRoom.objects.visible_to(actor).filter(pk=room.pk).exists()
    ):
        msg = _("Choose an active mediation room of your jurisdiction.")
        raise ValidationFailed(msg, fields={"room": msg})
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.ASSIGN,
            actor=actor,
            version=version,
            changes={"room": room, "mediator": mediator, "assigned_at": now},
            note=note,
            data={"mediator": mediator.pk, "room": room.pk if room else None},
            at=now,
        )
        notes.assigned(dispute, actor=actor, note=note)
    return dispute


# --- Mediation: sessions and the outcome ------------------------------------------------------


def dispute_session_add(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    held_at: datetime,
    place: str = "",
    attendees: str = "",
    minutes: str = "",
    now: datetime | None = None,
) -> MediationSession:
    """调解: one session (time, place, attendees, minutes); not before the registration."""
    now = now_or(now)
    guard(dispute, actor, Action.SESSION, version, now)
    held_at = _moment(held_at, "held_at")
    if held_at < _minute(dispute.registered_at):
        msg = _("A session cannot be held before the dispute was registered.")
        raise ValidationFailed(msg, code=Code.BEFORE_REGISTRATION, fields={"held_at": msg})
    _not_future(held_at, "held_at", now)
    place = clean_text(place, "place", limit=200)
    attendees = clean_text(attendees, "attendees", limit=MAX_TEXT)
    minutes = clean_text(minutes, "minutes", limit=MAX_TEXT)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        session = MediationSession.objects.create(
            dispute=dispute,
            held_at=held_at,
            place=place,
            attendees=attendees,
            minutes=minutes,
            recorded_by=user,
        )
        apply(
            dispute=dispute,
            action=Action.SESSION,
            actor=actor,
            version=version,
            data={"session": session.pk, "held_at": held_at.isoformat()},
            at=now,
        )
    return session


def dispute_outcome(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    outcome: str,
    note: str = "",
    referred_to: str = "",
    referred_body: str = "",
    now: datetime | None = None,
) -> Dispute:
    """The outcome: ``agreement`` (调解成功 → agreed; at least two named parties),
    ``no_agreement`` (调解不成 → failed; where it goes and the receiving body) or
    ``withdrawn``. The mediation clock stops."""
    now = now_or(now)
    outcome = choice(outcome, "outcome", choices.Outcome.values)
    action = ACTION_OF_OUTCOME[outcome]
    guard(dispute, actor, action, version, now)
    note = clean_text(note, "note", limit=MAX_TEXT)
    changes: dict[str, Any] = {
        "outcome": outcome,
        "outcome_at": now,
        "outcome_note": note,
        "watch_at": None,
        "pending_extension": {},
    }
    data: dict[str, Any] = {"outcome": outcome}
    if outcome == choices.Outcome.NO_AGREEMENT:
        where, body = _referral(referred_to, referred_body)
        changes.update(referred_to=where, referred_body=body)
        data.update(referred_to=where, referred_body=body)
    with transaction.atomic():
        # Counted inside the transaction that records the outcome.
        if outcome == choices.Outcome.AGREEMENT and dispute.parties.count() < 2:
            raise Conflict(
                _("An agreement needs at least two parties; add them to dispute %(number)s.")
                % {"number": dispute.number},
                code=Code.PARTIES_REQUIRED,
            )
        apply(
            dispute=dispute,
            action=action,
            actor=actor,
            version=version,
            changes=changes,
            note=note,
            data=data,
            at=now,
        )
    return dispute


# --- After the outcome: follow-up visits and closing ------------------------------------------


def dispute_follow_up(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    visited_at: datetime,
    performance: str = "",
    note: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """回访: a visit after the agreement, with how it is performed (full, partial, none)."""
    now = now_or(now)
    guard(dispute, actor, Action.FOLLOW_UP, version, now)
    visited_at = _moment(visited_at, "visited_at")
    if dispute.outcome_at is not None and visited_at < _minute(dispute.outcome_at):
        msg = _("A follow-up visit cannot be dated before the agreement.")
        raise ValidationFailed(msg, code=Code.BEFORE_OUTCOME, fields={"visited_at": msg})
    _not_future(visited_at, "visited_at", now)
    performance = choice(performance, "performance", choices.Performance.values, required=False)
    note = clean_text(note, "note", limit=MAX_TEXT)
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes = {"performance": performance} if performance else {}
    with transaction.atomic():
        visit = FollowUp.objects.create(
            dispute=dispute,
            visited_at=visited_at,
            performance=performance,
            note=note,
            visited_by=user,
        )
        apply(
            dispute=dispute,
            action=Action.FOLLOW_UP,
            actor=actor,
            version=version,
            changes=changes,
            note=note,
            data={"follow_up": visit.pk, "performance": performance},
            at=now,
        )
    return visit


def dispute_close(
    *, actor: Any, dispute: Dispute, version: int, note: str = "", now: datetime | None = None
) -> Dispute:
    """结案: after the outcome (an agreement only once a follow-up recorded its performance)."""
    now = now_or(now)
    guard(dispute, actor, Action.CLOSE, version, now)
    note = clean_text(note, "note")
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.CLOSE,
            actor=actor,
            version=version,
            changes={"closed_at": now, "watch_at": None},
            note=note,
            at=now,
        )
    return dispute


# --- Risk -------------------------------------------------------------------------------------


def dispute_set_risk(
    *,
    actor: Any,
    dispute: Dispute,
    version: int,
    risk: str,
    reasons: str,
    now: datetime | None = None,
) -> Dispute:
    """风险等级: raised to red, the 综治中心 hears at once and the dispute stays on their
    high-risk board until it is lowered again."""
    now = now_or(now)
    guard(dispute, actor, Action.SET_RISK, version, now)
    risk = choice(risk, "risk", choices.Risk.values)
    reasons = clean_text(reasons, "reasons", required=True)
    if risk == dispute.risk:
        msg = _("The dispute already has this risk level.")
        raise ValidationFailed(msg, code=Code.NOTHING_TO_CHANGE, fields={"risk": msg})
    before = dispute.risk
    with transaction.atomic():
        apply(
            dispute=dispute,
            action=Action.SET_RISK,
            actor=actor,
            version=version,
            changes={"risk": risk, "risk_reasons": reasons},
            note=reasons,
            data={"from": before, "to": risk},
            at=now,
            notify=(lambda: notes.high_risk(dispute, actor=actor, reasons=reasons))
            if risk == choices.Risk.RED
            else None,
        )
    return dispute
