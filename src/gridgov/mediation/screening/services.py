"""Screening (摸排) writes: the schedule of an area, opening a round, filing a grid's return.

A round is opened for an area (a street, a community …) and a period (a week from Monday, or a
calendar month); it owes one :class:`~gridgov.mediation.models.ScreeningReturn` per grid below
the area. The worker opens the round of the current period for every active
:class:`~gridgov.mediation.models.ScreeningPlan` (:func:`screening_rounds_open_due`, run by
:mod:`gridgov.mediation.screening.tasks`); opening again creates nothing new but the returns of
grids added since.

A grid worker files the return of their grid once: "nothing found", or the disputes found —
each registered through the dispute register
(:func:`gridgov.mediation.disputes.services.dispute_register`, source ``screening``), all in
one transaction with the filing. The same filing sent again with the same client key is
answered with the filed return; any other second filing is a conflict. A return filed after
the round's ``due_on`` is marked late.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, DomainError, ValidationFailed
from gridgov.mediation.choices import Period, Risk
from gridgov.mediation.models import (
    DisputeType,
    ScreeningEvent,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)

# At most this many disputes in one return (a grid finding more files them from the register).
MAX_DISPUTES = 20
KEY_MAX = 64
# Where a screening plan may be set: a county, a street (town) or a community.
PLAN_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)


@dataclass(frozen=True)
class DisputeIn:
    """One dispute found in a screening: what it is about and one party (the register takes
    more parties later)."""

    type: DisputeType
    title: str
    party_name: str
    party_phone: str = ""
    risk: str = Risk.GREEN
    summary: str = ""
    place: str = ""


@dataclass(frozen=True)
class OpenResult:
    rounds: int = 0  # rounds created
    returns: int = 0  # pending returns created

    def as_dict(self) -> dict[str, int]:
        return {"rounds": self.rounds, "returns": self.returns}


def _actor_name(actor: Any) -> str:
    return actor.get_username() if actor is not None else "system"


def _grid_levels_under(area: Area) -> Any:
    return Area.objects.filter(subtree_q(area.path), level=Level.GRID, is_active=True)


# --- Periods ------------------------------------------------------------------------------------


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the ``period`` (weekly: Monday to Sunday; monthly: the calendar
    month) that holds ``day``."""
    if period == Period.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == Period.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    msg = _("Choose weekly or monthly.")
    raise ValidationFailed(msg, fields={"period": msg})


def round_title(period: str, start: date, end: date) -> str:
    if period == Period.MONTHLY:
        return _("Screening of %(year)d-%(month)02d") % {"year": start.year, "month": start.month}
    year, week, _weekday = start.isocalendar()
    return _("Screening, week %(week)d of %(year)d (%(m1)d/%(d1)d–%(m2)d/%(d2)d)") % {
        "week": week,
        "year": year,
        "m1": start.month,
        "d1": start.day,
        "m2": end.month,
        "d2": end.day,
    }


# --- Plans --------------------------------------------------------------------------------------


def screening_plan_set(
    *, actor: Any, area: Area, period: str, active: bool = True
) -> ScreeningPlan:
    """Set the screening schedule of ``area`` — a county, street or community (created on
    first use): ``mediation.manage`` there. An area with no grid under it cannot have one."""
    scoping.require_unless_system(actor, Perm.MEDIATION_MANAGE, area, what="screening plan")
    period_bounds(period, timezone.localdate())  # validates the period
    if area.level not in PLAN_LEVELS:
        msg = _("Screening is planned for a county, a street or a community.")
        raise ValidationFailed(msg, code=Code.WRONG_LEVEL, fields={"area": msg})
    if not _grid_levels_under(area).exists():
        msg = _("There is no grid under this area to screen.")
        raise ValidationFailed(msg, code=Code.SCREENING_NO_GRIDS, fields={"area": msg})
    with transaction.atomic():
        plan = ScreeningPlan.objects.select_for_update().filter(area=area).first()
        before = {"period": plan.period, "active": plan.active} if plan else None
        if plan is None:
            plan = ScreeningPlan(area=area, period=period, active=active, updated_by=actor)
            plan.save()
        elif (plan.period, plan.active) != (period, active):
            plan.period, plan.active, plan.updated_by = period, active, actor
            plan.version += 1
            plan.save(update_fields=["period", "active", "updated_by", "version", "updated_at"])
        else:
            return plan
        audit_record(
            event=Event.CONFIG_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=plan,
            target_repr=_("Screening plan of %(area)s") % {"area": area.name},
            area=area,
            detail={
                "what": "screening_plan",
                "before": before,
                "after": {"period": period, "active": active},
            },
        )
    return plan


# --- Rounds -------------------------------------------------------------------------------------


def screening_round_open(*, actor: Any, area: Area, period: str, starts_on: date) -> ScreeningRound:
    """Open the round of ``period`` that holds ``starts_on`` for the grids under ``area``, with a
    pending return for each (``mediation.manage`` at the area; ``actor=None`` is the worker).
    Idempotent: an open round is answered as it is, with returns added only for grids that have
    none yet."""
    round_, _created = _open(actor=actor, area=area, period=period, starts_on=starts_on)
    return round_


def _open(*, actor: Any, area: Area, period: str, starts_on: date) -> tuple[ScreeningRound, int]:
    scoping.require_unless_system(actor, Perm.MEDIATION_MANAGE, area, what="screening round")
    start, end = period_bounds(period, starts_on)
    grids = list(_grid_levels_under(area).only("id", "path"))
    if not grids:
        msg = _("There is no grid under this area to screen.")
        raise ValidationFailed(msg, code=Code.SCREENING_NO_GRIDS, fields={"area": msg})
    with transaction.atomic():
        round_, created = ScreeningRound.objects.get_or_create(
            area=area,
            period=period,
            starts_on=start,
            defaults={
                "title": round_title(period, start, end),
                "due_on": end,
                "created_by": actor,
            },
        )
        have = set(ScreeningReturn.objects.filter(round=round_).values_list("area_id", flat=True))
        new = [
            ScreeningReturn(round=round_, area_id=g.pk, area_path=g.path)
            for g in grids
            if g.pk not in have
        ]
        ScreeningReturn.objects.bulk_create(new, ignore_conflicts=True)
        if created or new:
            ScreeningEvent.objects.create(
                round=round_,
                at=timezone.now(),
                action=ScreeningEvent.Action.OPENED,
                actor=actor,
                actor_name=_actor_name(actor),
                data={"grids": len(new), "period": period, "due_on": end.isoformat()},
            )
    return round_, len(new)


def screening_rounds_open_due(*, today: date | None = None) -> OpenResult:
    """The worker's job: open the round of the current period for every active plan (as the
    system). Running it twice creates nothing new."""
    today = today or timezone.localdate()
    rounds = returns = 0
    plans = ScreeningPlan.objects.filter(active=True, area__is_active=True).select_related("area")
    for plan in plans:
        start, _end = period_bounds(plan.period, today)
        existed = ScreeningRound.objects.filter(
            area=plan.area, period=plan.period, starts_on=start
        ).exists()
        try:
            _round, added = _open(actor=None, area=plan.area, period=plan.period, starts_on=today)
        except ValidationFailed:
            continue  # no grid under the area (any more): nothing to open
        rounds += 0 if existed else 1
        returns += added
    return OpenResult(rounds=rounds, returns=returns)


# --- Returns ------------------------------------------------------------------------------------


def _check_disputes(disputes: list[DisputeIn]) -> None:
    if len(disputes) > MAX_DISPUTES:
        msg = _("At most %(n)d disputes in one return.") % {"n": MAX_DISPUTES}
        raise ValidationFailed(msg, code=Code.TOO_MANY, fields={"disputes": msg})
    fields: dict[str, str] = {}
    for i, d in enumerate(disputes):
        if not d.title.strip():
            fields[f"disputes.{i}.title"] = _("Say what the dispute is about.")
        if not d.party_name.strip():
            fields[f"disputes.{i}.party_name"] = _("Give the name of a party.")
        if d.risk not in Risk.values:
            fields[f"disputes.{i}.risk"] = _("Choose a risk level.")
        if not d.type.active:
            fields[f"disputes.{i}.type"] = _("This dispute type is no longer in use.")
    if fields:
        raise ValidationFailed(next(iter(fields.values())), fields=fields)


def screening_return_file(
    *,
    actor: Any,
    screening_return: ScreeningReturn,
    version: int,
    nothing_found: bool,
    note: str = "",
    disputes: list[DisputeIn] | None = None,
    key: str = "",
) -> ScreeningReturn:
    """File a grid's return (``mediation.report`` at the grid): ``nothing_found``, or the
    ``disputes`` found, each registered in the dispute register. ``key``: the client's key of
    this filing — the same filing sent again is answered with the filed return."""
    disputes = list(disputes or [])
    key = (key or "").strip()[:KEY_MAX]
    scoping.require(actor, Perm.MEDIATION_REPORT, screening_return.area, what="screening return")
    if nothing_found and disputes:
        msg = _("A return is either “nothing found” or lists the disputes found, not both.")
        raise ValidationFailed(
            msg, code=Code.SCREENING_NOTHING_AND_DISPUTES, fields={"nothing_found": msg}
        )
    if not nothing_found and not disputes:
        msg = _("Tick “nothing found” or add the disputes found.")
        raise ValidationFailed(msg, code=Code.SCREENING_EMPTY_RETURN, fields={"disputes": msg})
    _check_disputes(disputes)
    with transaction.atomic():
        ret = (
            ScreeningReturn.objects.select_for_update()
            .select_related("round", "area")
            .get(pk=screening_return.pk)
        )
        if ret.filed_at is not None:
            if key and ret.client_key == key:
                return ret  # the same filing again: answered, not repeated
            msg = _("This return was already filed on %(at)s.") % {
                "at": timezone.localtime(ret.filed_at).strftime("%Y-%m-%d %H:%M")
            }
            raise Conflict(msg, code=Code.SCREENING_ALREADY_FILED)
        if ret.version != version:
            raise Conflict(
                _("The return was changed by someone else; reload the page and try again."),
                code=Code.STALE_VERSION,
            )
        now = timezone.now()
        ret.filed_at = now
        ret.filed_by = actor
        ret.nothing_found = nothing_found
        ret.note = note.strip()
        ret.late = timezone.localdate(now) > ret.round.due_on
        ret.client_key = key
        ret.version += 1
        ret.save(
            update_fields=[
                "filed_at",
                "filed_by",
                "nothing_found",
                "note",
                "late",
                "client_key",
                "version",
            ]
        )
        registered = _register(actor=actor, ret=ret, disputes=disputes, key=key)
        ScreeningEvent.objects.create(
            round=ret.round,
            screening_return=ret,
            at=now,
            action=ScreeningEvent.Action.FILED,
            actor=actor,
            actor_name=_actor_name(actor),
            from_status="pending",
            to_status="filed",
            note=ret.note,
            data={
                "grid": ret.area_id,
                "nothing_found": nothing_found,
                "late": ret.late,
                "disputes": registered,
            },
        )
    return ret


def _register(
    *, actor: Any, ret: ScreeningReturn, disputes: list[DisputeIn], key: str
) -> list[int]:
    """Register each dispute found (source ``screening``, tied to the return); a refusal of the
    register names the dispute's field (``disputes.<i>.<field>``) and undoes the whole filing."""
    if not disputes:
        return []
    from gridgov.mediation.disputes.services import PartyIn, dispute_register

    ids = []
    for i, d in enumerate(disputes):
        try:
            dispute = dispute_register(
                actor=actor,
                area=ret.area,
                type=d.type,
                title=d.title.strip(),
                summary=d.summary.strip(),
                place=d.place.strip(),
                risk=d.risk,
                source="screening",
                parties=[PartyIn(name=d.party_name.strip(), phone=d.party_phone.strip())],
                screening_return=ret,
                key=f"{key}:{i}" if key else "",
            )
        except DomainError as exc:
            exc.fields = {f"disputes.{i}.{k}": v for k, v in exc.fields.items()}
            raise
        ids.append(dispute.pk)
    return ids
