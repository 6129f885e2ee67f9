"""Writes to the working-time calendar.

* :func:`calendar_sync_from_package` seeds and updates every year the installed
  ``chinesecalendar`` package knows, never touching a year an administrator entered.
* :func:`calendar_set_year` stores the schedule an administrator enters when the State Council
  publishes next year's notice (the year then counts as "manual": later syncs leave it alone).

Every change replaces :class:`~gridgov.workcal.models.CalendarRevision`'s token in the same
transaction, so the in-process day tables of every process are rebuilt.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.accounts.scoping import has_perm_anywhere
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.workcal import selectors
from gridgov.workcal.models import CalendarDay, CalendarRevision, CalendarYear, Source
from gridgov.workcal.package import package_schedules, package_version
from gridgov.workcal.signals import schedule_entered

# Audit events of this app.
EVENT_CALENDAR_CHANGED = Event.CALENDAR_CHANGED
EVENT_CALENDAR_SYNCED = Event.CALENDAR_SYNCED

MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_HOLIDAY_DAYS = 31
MAX_NAME_LENGTH = 50
MAX_NOTES_LENGTH = 2000


def require_calendar_admin(actor: Any, what: str) -> None:
    """``actor=None`` is the system; anyone else needs MANAGE_CONFIG somewhere."""
    if actor is None or has_perm_anywhere(actor, Perm.MANAGE_CONFIG):
        return
    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        detail={"perm": str(Perm.MANAGE_CONFIG), "what": what},
    )
    raise PermissionDenied(_("You do not have permission to change the working-time calendar."))


def _bump_revision() -> None:
    """A new random token (a counter could repeat after a rollback or a restored backup)."""
    token = secrets.randbits(62) or 1
    if not CalendarRevision.objects.filter(pk=1).update(revision=token):
        CalendarRevision.objects.update_or_create(pk=1, defaults={"revision": token})
    # Now for this process's own reads inside the transaction, again once it has committed.
    selectors.cache.invalidate()
    transaction.on_commit(selectors.cache.invalidate)


def _announce(years: list[int]) -> None:
    """After the commit: these years have a schedule now (provisional deadlines are redone)."""
    sent = list(years)
    transaction.on_commit(
        lambda: schedule_entered.send(sender=CalendarYear, years=sent), robust=True
    )


def _replace_days(cal_year: CalendarYear, days: dict[date, tuple[bool, str]]) -> None:
    CalendarDay.objects.filter(calendar_year=cal_year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=cal_year, date=d, is_workday=w, name=n)
        for d, (w, n) in sorted(days.items())
    )


def _stored_days(cal_year: CalendarYear) -> dict[date, tuple[bool, str]]:
    return {
        d: (w, n)
        for d, w, n in CalendarDay.objects.filter(calendar_year=cal_year).values_list(
            "date", "is_workday", "name"
        )
    }


# ---------------------------------------------------------------------------------------------
# Package sync
# ---------------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped_manual: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def calendar_sync_from_package(*, actor: Any = None) -> SyncResult:
    """Seed or update every year the ``chinesecalendar`` package knows, except manual years."""
    require_calendar_admin(actor, "calendar_sync")
    schedules = package_schedules()
    result = SyncResult()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        existing = {
            cy.year: cy
            for cy in CalendarYear.objects.select_for_update().filter(year__in=schedules)
        }
        for year, sched in schedules.items():
            days = sched.days()
            cal_year = existing.get(year)
            if cal_year is None:
                cal_year = CalendarYear.objects.create(
                    year=year, source=Source.PACKAGE, updated_by=user
                )
                _replace_days(cal_year, days)
                result.created.append(year)
            elif cal_year.source == Source.MANUAL:
                result.skipped_manual.append(year)
            elif _stored_days(cal_year) != days:
                _replace_days(cal_year, days)
                cal_year.updated_by = user
                cal_year.save(update_fields=["updated_by", "updated_at"])
                result.updated.append(year)
            else:
                result.unchanged.append(year)
        if result.changed:
            _bump_revision()
        if result.created:
            _announce(result.created)
        audit_record(
            event=EVENT_CALENDAR_SYNCED,
            actor=actor,
            actor_name="" if actor else "system",
            detail={
                "package": f"chinesecalendar {package_version()}".strip(),
                "created": result.created,
                "updated": result.updated,
                "skipped_manual": result.skipped_manual,
            },
        )
    return result


# ---------------------------------------------------------------------------------------------
# Manual entry
# ---------------------------------------------------------------------------------------------


def _fmt(d: date) -> str:
    return d.isoformat()


def _weekday_name(d: date) -> str:
    names = [
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    ]
    return names[d.weekday()]


def validate_schedule(
    *,
    year: int,
    holidays: Sequence[tuple[date, date, str]],
    workdays: Sequence[tuple[date, str]],
) -> dict[date, tuple[bool, str]]:
    """Check an entered schedule; return its days (date -> (is_workday, name)).

    Raises :class:`ValidationFailed` with every problem found, per field ("year", "holidays",
    "workdays"), each message naming the dates concerned.
    """
    errors: dict[str, list[str]] = {"year": [], "holidays": [], "workdays": []}
    if not (MIN_YEAR <= year <= MAX_YEAR):
        msg = _("The year must be between %(min)d and %(max)d.") % {
            "min": MIN_YEAR,
            "max": MAX_YEAR,
        }
        raise ValidationFailed(msg, code="bad_year", fields={"year": msg})

    days: dict[date, tuple[bool, str]] = {}
    if not holidays:
        errors["holidays"].append(_("Enter at least one holiday period."))
    for start, end, name in holidays:
        name = (name or "").strip()
        label = f"{_fmt(start)}–{_fmt(end)}"
        if not name:
            errors["holidays"].append(
                _("%(period)s: the holiday needs a name (e.g. 春节).") % {"period": label}
            )
        elif len(name) > MAX_NAME_LENGTH:
            errors["holidays"].append(
                _("%(period)s: the name is too long (at most %(max)d characters).")
                % {"period": label, "max": MAX_NAME_LENGTH}
            )
        if start.year != year or end.year != year:
            errors["holidays"].append(
                _("%(period)s is not inside the year %(year)d.") % {"period": label, "year": year}
            )
            continue
        if end < start:
            errors["holidays"].append(
                _("%(period)s: the last day is before the first day.") % {"period": label}
            )
            continue
        if (end - start).days + 1 > MAX_HOLIDAY_DAYS:
            errors["holidays"].append(
                _("%(period)s is longer than %(max)d days; check the dates.")
                % {"period": label, "max": MAX_HOLIDAY_DAYS}
            )
            continue
        d = start
        while d <= end:
            if d in days:
                errors["holidays"].append(
                    _("%(date)s is in more than one holiday period.") % {"date": _fmt(d)}
                )
            else:
                days[d] = (False, name[:MAX_NAME_LENGTH])
            d += timedelta(days=1)

    seen: set[date] = set()
    for d, name in workdays:
        name = (name or "").strip()
        if d.year != year:
            errors["workdays"].append(
                _("%(date)s is not inside the year %(year)d.") % {"date": _fmt(d), "year": year}
            )
            continue
        if d in seen:
            errors["workdays"].append(
                _("%(date)s is entered twice as a make-up workday.") % {"date": _fmt(d)}
            )
            continue
        seen.add(d)
        if len(name) > MAX_NAME_LENGTH:
            errors["workdays"].append(
                _("%(date)s: the name is too long (at most %(max)d characters).")
                % {"date": _fmt(d), "max": MAX_NAME_LENGTH}
            )
        if d.weekday() < 5:
            errors["workdays"].append(
                _("%(date)s is a %(weekday)s: a make-up workday must be a Saturday or a Sunday.")
                % {"date": _fmt(d), "weekday": _weekday_name(d)}
            )
        if d in days and not days[d][0]:
            errors["workdays"].append(
                _("%(date)s is both a holiday and a make-up workday.") % {"date": _fmt(d)}
            )
            continue
        days[d] = (True, name[:MAX_NAME_LENGTH])

    fields = {k: " ".join(v) for k, v in errors.items() if v}
    if fields:
        raise ValidationFailed(
            _("The schedule has errors; nothing was saved."),
            code="bad_schedule",
            fields=fields,
        )
    return days


def calendar_set_year(
    *,
    actor: Any,
    year: int,
    holidays: Sequence[tuple[date, date, str]],
    workdays: Sequence[tuple[date, str]],
    notes: str = "",
    published: date | None = None,
) -> CalendarYear:
    """Store an administrator's schedule for ``year`` (replacing what was there)."""
    require_calendar_admin(actor, "calendar_set_year")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES_LENGTH:
        msg = _("At most %(max)d characters.") % {"max": MAX_NOTES_LENGTH}
        raise ValidationFailed(msg, fields={"notes": msg})
    days = validate_schedule(year=year, holidays=holidays, workdays=workdays)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        cal_year = CalendarYear.objects.select_for_update().filter(year=year).first()
        previous = None
        if cal_year is None:
            cal_year = CalendarYear(year=year)
        else:
            previous = cal_year.source
        cal_year.source = Source.MANUAL
        cal_year.notes = notes
        cal_year.published = published
        cal_year.updated_by = user
        cal_year.save()
        _replace_days(cal_year, days)
        _bump_revision()
        if previous is None:
            _announce([year])
        audit_record(
            event=EVENT_CALENDAR_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=cal_year,
            detail={
                "year": year,
                "previous_source": previous or "",
                "holidays": sum(1 for w, _n in days.values() if not w),
                "workdays": sum(1 for w, _n in days.values() if w),
            },
        )
    return cal_year
