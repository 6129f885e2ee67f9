"""Deadlines: the due-soon mark, overdue flags and the periodic sweep.

The rule
--------
A case has one open clock at a time: the **sign-for** clock while ASSIGNED (from dispatch to
``sign_due_at``) and the **handling** clock while IN_PROGRESS (from sign-for to
``handle_due_at``). A suspended case's clock stands still; other states have none.

* **Due soon** (即将超期): less than 20 % of the allowed working time, or less than 2 working
  hours, remain — i.e. the remaining working time is below ``max(20 % of allowed, 2 h)``,
  capped at half the allowed time so that a short limit (a 2-hour sign-for) is not "due soon"
  from the moment it starts. Working time counts on the official calendar
  (:mod:`gridgov.workcal.selectors`).
* **Overdue** (超期): the deadline has passed.

``Case.watch_at`` is the next moment the sweep must look at a case (:func:`next_watch_at`: the
due-soon mark, then the deadline; ``None`` when no clock runs). The lifecycle services set it
whenever deadlines or status change, so the sweep reads only the rows with
``watch_at <= now`` (index ``case_watch``) and does nothing else when nothing is due.

The sweep (:func:`sweep`, every 5 minutes in :mod:`gridgov.cases.tasks`, or
``gridgov sweep-cases``) reads the due cases in batches of ``BATCH_SIZE``; each batch is one
transaction that locks its rows (``SELECT … FOR UPDATE``; SQLite's write lock) and re-reads
them, so a case someone acted on since it was selected is judged on its new state:

* a deadline newly passed: the ``sign_overdue`` / ``handle_overdue`` flag, a version bump and an
  ``OVERDUE`` timeline entry (actor "system"), and a notice to the handling unit, the handler
  and the dispatchers of the jurisdiction that dispatched it (:mod:`gridgov.cases.digest`;
  by default only in their daily digest);
* a due-soon mark newly passed: the ``due_soon`` flag (no timeline entry, no version bump) and
  a reminder to the assigned unit and the handler;
* then ``watch_at`` moves to the next mark. Running the sweep twice changes nothing more.

The writes are set-based: one ``UPDATE`` per kind of change for the whole batch, the timeline
entries and the inbox rows each in one insert, the recipients of all the batch's units and
supervisors in one query each — a backlog of a thousand newly overdue cases costs a few
statements, not a few thousand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.cases.models import Case
from gridgov.cases.notify import case_url
from gridgov.cases.states import Action, Status
from gridgov.core.pii import mask_text

logger = logging.getLogger("gridgov.cases.supervision")

SOON_FRACTION = 0.2
SOON_MIN_SECONDS = 2 * 3600
SOON_MAX_FRACTION = 0.5
BATCH_SIZE = 500


# --- The marks --------------------------------------------------------------------------------


def _clock(case: Case) -> tuple[str, datetime | None, datetime | None, bool] | None:
    """(kind, start, deadline, already overdue) of the clock that runs, or None."""
    if case.status == Status.ASSIGNED:
        return "sign", case.dispatched_at, case.sign_due_at, case.sign_overdue
    if case.status == Status.IN_PROGRESS:
        return "handle", case.signed_at, case.handle_due_at, case.handle_overdue
    return None


def soon_threshold(allowed_seconds: int) -> int:
    """Working seconds before the deadline at which a case becomes due soon."""
    allowed = max(0, int(allowed_seconds))
    threshold = max(int(allowed * SOON_FRACTION), SOON_MIN_SECONDS)
    return min(threshold, int(allowed * SOON_MAX_FRACTION))


def soon_mark(start: datetime | None, deadline: datetime) -> datetime:
    """The moment a clock from ``start`` to ``deadline`` becomes due soon."""
    from gridgov.workcal.selectors import add_working_seconds, working_seconds_between

    if start is None or start >= deadline:
        return deadline
    allowed = working_seconds_between(start, deadline)
    if allowed <= 0:
        return deadline
    return min(add_working_seconds(start, allowed - soon_threshold(allowed)), deadline)


def next_watch_at(*, case: Case, now: datetime | None = None) -> datetime | None:
    """The next moment the sweep must look at ``case``: the due-soon mark of its running clock
    (unless already marked), else its deadline (unless already overdue); ``None`` when no clock
    runs. The moment may lie in the past: the next sweep then handles the case at once."""
    if case.status == Status.TO_CHECK:  # the grid worker's check: its deadline, no due-soon
        return case.check_due_at
    clock = _clock(case)
    if clock is None:
        return None
    _kind, start, deadline, overdue = clock
    if deadline is None or overdue:
        return None
    if case.due_soon:
        return deadline
    return soon_mark(start, deadline)


def due_state(case: Case, now: datetime | None = None) -> str:
    """ "overdue", "soon" or "ok" for ``case`` at ``now`` (from the flags, and from the deadline
    itself so a case is shown overdue before the sweep has run)."""
    now = now or timezone.now()
    if case.status == Status.SUSPENDED:
        return "overdue" if case.handle_overdue else "ok"
    if case.status == Status.TO_CHECK:
        return "overdue" if case.check_due_at is not None and case.check_due_at < now else "ok"
    clock = _clock(case)
    if clock is None:
        return "ok"
    _kind, _start, deadline, overdue = clock
    if overdue or (deadline is not None and deadline < now):
        return "overdue"
    if case.due_soon:
        return "soon"
    if case.watch_at is not None and deadline is not None and case.watch_at <= now:
        return "soon"  # the mark has passed; the sweep will set the flag
    return "ok"


# --- Who hears about it -----------------------------------------------------------------------


class _Recipients:
    """Who hears about a case, remembered for one sweep run (many due cases share units)."""

    def __init__(self) -> None:
        self.units: dict[tuple[int | None, int | None], list[User]] = {}

    def of_unit(self, case: Case) -> list[User]:
        """:func:`gridgov.cases.units.unit_users` (CASE_HANDLE), in one query for an area
        unit: the users of the assigned area, else of its nearest ancestor that has some."""
        from gridgov.accounts.models import RoleGrant
        from gridgov.cases.units import roles_with, unit_users

        key = (case.assigned_area_id, case.assigned_department_id)
        if key in self.units:
            return self.units[key]
        area = case.assigned_area
        if case.assigned_department is not None or area is None:
            people = list(unit_users(area=area, department=case.assigned_department))
        else:
            ids = area.ancestor_ids
            grants = list(
                RoleGrant.objects.filter(
                    area_id__in=ids,
                    area__is_active=True,
                    role__in=roles_with(Perm.CASE_HANDLE, departments=False),
                    user__is_active=True,
                )
                .select_related("user")
                .order_by("user_id")
            )
            people = []
            for area_id in reversed(ids):
                found = {g.user_id: g.user for g in grants if g.area_id == area_id}
                if found:
                    people = list(found.values())
                    break
        self.units[key] = people
        return people

    def load(self, cases: list[Case]) -> None:
        """Fill the cache for the area units of ``cases`` in one query, with the same answers
        as :meth:`of_unit`."""
        from gridgov.accounts.models import RoleGrant
        from gridgov.cases.units import roles_with

        units = {
            c.assigned_area_id: c.assigned_area
            for c in cases
            if c.assigned_department_id is None
            and c.assigned_area is not None
            and (c.assigned_area_id, None) not in self.units
        }
        if units:
            ids = {i for area in units.values() for i in area.ancestor_ids}
            by_area: dict[int, dict[int, User]] = {}
            for g in (
                RoleGrant.objects.filter(
                    area_id__in=sorted(ids),
                    area__is_active=True,
                    role__in=roles_with(Perm.CASE_HANDLE, departments=False),
                    user__is_active=True,
                )
                .select_related("user")
                .order_by("user_id")
            ):
                by_area.setdefault(g.area_id, {}).setdefault(g.user_id, g.user)
            for area_id, area in units.items():
                people: list[User] = []
                for ancestor in reversed(area.ancestor_ids):
                    if ancestor in by_area:
                        people = list(by_area[ancestor].values())
                        break
                self.units[(area_id, None)] = people


def _notify(case: Case, kind: str, title: str, *, overdue: bool, recipients: _Recipients) -> int:
    return _notify_many([(case, kind, title, overdue)], recipients)


def _label(case: Case) -> str:
    """The case in a notification's title: number and title, typed-in phone/ID numbers masked."""
    return f"{case.number} {mask_text(case.title)}"[:120]


# --- The sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    checked: int = 0
    due_soon: int = 0
    sign_overdue: int = 0
    handle_overdue: int = 0
    check_timeout: int = 0  # reports not checked on site in time, moved to the dispatchers

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "due_soon": self.due_soon,
            "sign_overdue": self.sign_overdue,
            "handle_overdue": self.handle_overdue,
            "check_timeout": self.check_timeout,
        }


def _mark_overdue(
    case: Case, kind: str, deadline: datetime, now: datetime, recipients: _Recipients
) -> None:
    flag = f"{kind}_overdue"
    future_flags = {flag: True, "due_soon": False}
    for name, value in future_flags.items():
        setattr(case, name, value)
    watch = next_watch_at(case=case, now=now)
    from gridgov.cases.services.timeline import apply_action

    apply_action(
        case=case,
        action=Action.OVERDUE,
        actor=None,
        actor_name="system",
        expected_version=case.version,
        changes={**future_flags, "watch_at": watch},
        data={"kind": kind, "due_at": deadline.isoformat()},
        at=now,
    )
    title = (
        _("Sign-for overdue: %(case)s") if kind == "sign" else _("Handling overdue: %(case)s")
    ) % {"case": _label(case)}
    _notify(case, flag, title, overdue=True, recipients=recipients)


def sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Look at every case whose ``watch_at`` has come (see the module docstring)."""
    now = now or timezone.now()
    counts = {
        "checked": 0,
        "due_soon": 0,
        "sign_overdue": 0,
        "handle_overdue": 0,
        "check_timeout": 0,
    }
    after: tuple[datetime | None, int] | None = None
    recipients = _Recipients()
    while True:
        qs = Case.objects.filter(watch_at__lte=now)
        if after is not None:
            qs = qs.filter(Q(watch_at__gt=after[0]) | Q(watch_at=after[0], pk__gt=after[1]))
        batch = list(qs.order_by("watch_at", "pk").values_list("watch_at", "pk")[:batch_size])
        if not batch:
            break
        counts["checked"] += len(batch)
        for outcome, n in _sweep_batch([pk for _watch, pk in batch], now, recipients).items():
            counts[outcome] += n
        after = batch[-1]
        if len(batch) < batch_size:
            break
    return SweepResult(**counts)


# What the sweep reads of a due case (the clock, the flags, the unit, the label): a batch of
# full rows with their assigned areas' boundaries would cost more than the writes.
_SWEEP_FIELDS = (
    "id",
    "number",
    "title",
    "status",
    "version",
    "area_path",
    "watch_at",
    "check_due_at",
    "dispatched_at",
    "sign_due_at",
    "signed_at",
    "handle_due_at",
    "sign_overdue",
    "handle_overdue",
    "due_soon",
    "updated_at",
    "handler",
    "assigned_area__id",
    "assigned_area__path",
    "assigned_area__level",
    "assigned_area__name",
    "assigned_area__is_active",
    "assigned_department__id",
    "assigned_department__name",
    "assigned_department__kind",
    "assigned_department__area",
    "assigned_department__is_active",
)


def _sweep_batch(pks: list[int], now: datetime, recipients: _Recipients) -> dict[str, int]:
    """Handle one batch of due cases in one transaction (see the module docstring); return
    how many became due soon / sign-for overdue / handling overdue."""
    done = {"due_soon": 0, "sign_overdue": 0, "handle_overdue": 0, "check_timeout": 0}
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("assigned_area", "assigned_department")
            .only(*_SWEEP_FIELDS)
            .filter(pk__in=pks)
            .order_by("watch_at", "pk")
        )
        clear: list[int] = []
        overdue: dict[str, list[tuple[Case, datetime]]] = {"sign": [], "handle": []}
        soon: dict[str, list[Case]] = {"sign": [], "handle": []}
        unchecked: list[Case] = []  # 待核实 past its check deadline
        for case in cases:
            if case.watch_at is None or case.watch_at > now:
                continue  # changed since it was selected
            if case.status == Status.TO_CHECK:
                unchecked.append(case)
                continue
            clock = _clock(case)
            if clock is None:
                clear.append(case.pk)
                continue
            kind, start, deadline, is_overdue = clock
            if deadline is not None and not is_overdue and deadline <= now:
                overdue[kind].append((case, deadline))
                continue
            if (
                deadline is not None
                and not is_overdue
                and not case.due_soon
                and soon_mark(start, deadline) <= now
            ):
                soon[kind].append(case)
                continue
            watch = next_watch_at(case=case, now=now)
            if watch != case.watch_at:  # rare: the marks moved (e.g. a calendar change)
                Case.objects.filter(pk=case.pk).update(watch_at=watch)
        if clear:
            Case.objects.filter(pk__in=clear).update(watch_at=None)
        if unchecked:
            done["check_timeout"] = _time_out_checks(unchecked, now)

        from gridgov.cases.services.timeline import apply_case_batch

        notes: list[tuple[Case, str, str, bool]] = []
        for kind, items in overdue.items():
            if not items:
                continue
            flag = f"{kind}_overdue"
            deadlines = {c.pk: d for c, d in items}

            def data_for(
                case: Case, kind: str = kind, deadlines: dict[int, datetime] = deadlines
            ) -> dict[str, Any]:
                return {"kind": kind, "due_at": deadlines[case.pk].isoformat()}

            apply_case_batch(
                cases=[c for c, _d in items],
                action=Action.OVERDUE,
                changes={flag: True, "due_soon": False, "watch_at": None},
                data_for=data_for,
                at=now,
            )
            template = (
                _("Sign-for overdue: %(case)s")
                if kind == "sign"
                else _("Handling overdue: %(case)s")
            )
            for case, _deadline in items:
                notes.append((case, flag, template % {"case": _label(case)}, True))
            done[flag] = len(items)
        for kind, soon_cases in soon.items():
            if not soon_cases:
                continue
            due_field = "sign_due_at" if kind == "sign" else "handle_due_at"
            Case.objects.filter(pk__in=[c.pk for c in soon_cases]).update(
                due_soon=True, watch_at=F(due_field)
            )
            for case in soon_cases:
                case.due_soon = True
                case.watch_at = getattr(case, due_field)
                notes.append(
                    (case, "due_soon", _("Due soon: %(case)s") % {"case": _label(case)}, False)
                )
            done["due_soon"] += len(soon_cases)
        if notes:
            _notify_many(notes, recipients)
    return done


def _time_out_checks(cases: list[Case], now: datetime) -> int:
    """Reports past their check deadline go to the dispatchers (see cases.services.checking);
    one whose deadline moved (a calendar change) is looked at again then."""
    from gridgov.cases.services.checking import time_out

    later = [c for c in cases if c.check_due_at is None or c.check_due_at > now]
    for case in later:
        Case.objects.filter(pk=case.pk).update(watch_at=case.check_due_at)
    return time_out([c for c in cases if c not in later], now)


def _notify_many(items: list[tuple[Case, str, str, bool]], recipients: _Recipients) -> int:
    """The notices of many (case, kind, title, overdue) at once through
    :func:`gridgov.notifications.services.notify_many` (people's settings, deduplication by
    ``case:<id>:<kind>``, one insert, one delivery task on commit).

    A due-soon notice goes to the handling unit and the handler; an overdue one also to the
    dispatchers of the jurisdiction that dispatched the case (:mod:`gridgov.cases.digest`) —
    and, by default, only into their daily digest, not one by one."""
    from gridgov.cases.digest import overdue_recipients
    from gridgov.notifications import titles
    from gridgov.notifications.services import Message, notify_many

    recipients.load([c for c, *_rest in items])
    who = overdue_recipients([c for c, _k, _t, overdue in items if overdue], recipients)
    messages = []
    for case, kind, title, overdue in items:
        ids = who[case.pk] if overdue else [u.pk for u in recipients.of_unit(case)]
        if not overdue and case.handler_id is not None:
            ids = [*ids, case.handler_id]
        messages.append(
            Message(
                recipient_ids=tuple(ids),
                kind=f"case.{kind}",
                title=title,
                url=case_url(case),
                target_type=Case._meta.label_lower,
                target_id=str(case.pk),
                dedupe_key=f"case:{case.pk}:{kind}",
                # The title in each reader's language (cases.notify.TITLES).
                params=titles.stored(f"case.{kind}", {"case": _label(case)}),
            )
        )
    return notify_many(messages)
