"""Provisional deadlines: counted over a year whose official schedule is not known yet.

A year without a schedule is counted on its assumed statutory holidays
(:mod:`gridgov.workcal.assumed`). A case whose running clock's deadline reaches into such a year
gets ``Case.deadline_provisional`` (set with ``watch_at`` by every lifecycle service through
:func:`provisional_for`), shown as 暂定 beside the deadline on the pages and as
``deadline_provisional`` in the API; the administrators hear about the year in their inbox
(:mod:`gridgov.workcal.notices`).

When the schedule of such a year is entered, :func:`deadlines_recompute` (run by the worker,
:func:`gridgov.cases.tasks.recompute_deadlines`, on the calendar's ``schedule_entered`` signal)
recomputes the deadline of every open case so marked, in batches:

* the working time from the clock's start (dispatch for sign-for, sign-for for handling) to the
  old deadline is measured on the calendar as it was (those years assumed), and the new deadline
  is that much working time after the start on the calendar as it is now — extensions and
  suspensions already applied stay applied;
* the mark is cleared unless the clock still reaches into another year without a schedule;
  ``watch_at`` and the due-soon mark follow the new deadline. An overdue flag already set stays
  (the overdue entry is history).

This is a correction of a computed value, not an action on the case: the case keeps its version
(nobody's open form turns stale), gets no timeline entry, and nobody is notified; one audit
entry records the run (years, cases changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.cases.models import Case
from gridgov.cases.states import Status
from gridgov.workcal import selectors as workcal
from gridgov.workcal.selectors import DayTable

BATCH_SIZE = 500

# The states in which a deadline runs (or stands still, while suspended).
CLOCK_STATES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.SUSPENDED)


def _clock(case: Case) -> tuple[str, datetime | None, datetime | None] | None:
    """(deadline field, start, deadline) of the case's clock, or None."""
    if case.status == Status.ASSIGNED:
        return "sign_due_at", case.dispatched_at, case.sign_due_at
    if case.status in (Status.IN_PROGRESS, Status.SUSPENDED):
        return "handle_due_at", case.signed_at, case.handle_due_at
    return None


def provisional_years(case: Case) -> list[int]:
    """Years without a schedule that the case's running clock reaches into."""
    clock = _clock(case)
    if clock is None:
        return []
    _field, start, deadline = clock
    if deadline is None:
        return []
    return workcal.unscheduled_years_between(start or deadline, deadline)


def provisional_for(case: Case) -> bool:
    """Is the deadline of ``case`` (as it will be) provisional? Tells the administrators about
    the years concerned on first use (after the commit)."""
    years = provisional_years(case)
    if years:
        from gridgov.workcal.notices import note_provisional_use

        note_provisional_use(years)
    return bool(years)


def shows_provisional(case: Case) -> bool:
    """Whether the page shows 暂定 beside the case's deadline (the mark of a running clock)."""
    return bool(case.deadline_provisional) and case.status in CLOCK_STATES


@dataclass
class RecomputeResult:
    years: list[int]
    recomputed: int = 0
    still_provisional: int = 0
    cleared: int = 0  # marks left on cases whose clock no longer runs

    def as_dict(self) -> dict[str, Any]:
        return {
            "years": self.years,
            "recomputed": self.recomputed,
            "still_provisional": self.still_provisional,
            "cleared": self.cleared,
        }


def _recompute_one(
    case: Case, years: list[int], before: DayTable, now: datetime
) -> dict[str, Any] | None:
    """The changed fields of one marked case ({} when its clock does not reach into ``years``),
    or None if its clock does not run."""
    from gridgov.cases.supervision import next_watch_at

    clock = _clock(case)
    if clock is None or clock[2] is None:
        return None
    name, start, deadline = clock
    assert deadline is not None
    base = start or deadline
    tz = workcal.work_timezone()
    first, last = sorted((base.astimezone(tz).year, deadline.astimezone(tz).year))
    if not any(first <= y <= last for y in years):
        return {}
    spent = workcal.working_seconds_between(base, deadline, table=before)
    new_deadline = workcal.add_working_seconds(base, spent) if spent > 0 else deadline
    setattr(case, name, new_deadline)
    case.deadline_provisional = bool(provisional_years(case))
    changes: dict[str, Any] = {
        name: new_deadline,
        "deadline_provisional": case.deadline_provisional,
    }
    if new_deadline != deadline and not getattr(case, name.replace("_due_at", "_overdue"), False):
        case.due_soon = False
        changes["due_soon"] = False
        if case.status != Status.SUSPENDED:
            changes["watch_at"] = next_watch_at(case=case, now=now)
    return changes


def deadlines_recompute(
    *, years: Iterable[int], actor: Any = None, batch_size: int = BATCH_SIZE
) -> RecomputeResult:
    """Recompute the provisional deadlines of open cases now that ``years`` have a schedule
    (see the module docstring). Idempotent: a case is only touched while it is marked. The
    system's job (``actor=None``, run by the worker); an administrator may also run it."""
    from gridgov.workcal.services import require_calendar_admin

    require_calendar_admin(actor, "deadlines_recompute")
    result = RecomputeResult(years=sorted(set(years)))
    before = workcal.cache.table().assuming(result.years)
    last_pk = 0
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(deadline_provisional=True, pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            last_pk = ids[-1]
            # Locked and re-read: a case acted on meanwhile is judged on its new state.
            cases = list(
                Case.objects.select_for_update()
                .filter(pk__in=ids, deadline_provisional=True)
                .order_by("pk")
            )
            now = timezone.now()
            for case in cases:
                changes = _recompute_one(case, result.years, before, now)
                if changes is None:
                    Case.objects.filter(pk=case.pk).update(deadline_provisional=False)
                    result.cleared += 1
                    continue
                if not changes:
                    continue
                Case.objects.filter(pk=case.pk).update(**changes)
                result.recomputed += 1
                result.still_provisional += int(case.deadline_provisional)
    if result.recomputed or result.cleared:
        audit_record(
            event=Event.CALENDAR_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            detail={"deadlines_recomputed": result.as_dict()},
        )
    return result
