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
``gridgov sweep-cases``) handles each due case in its own transaction:

* a deadline newly passed: the ``sign_overdue`` / ``handle_overdue`` flag, an ``OVERDUE``
  timeline entry (actor "system") through :func:`~gridgov.cases.services.timeline.apply_action`
  at the case's current version — if someone acted on the case meanwhile, the case is skipped
  (the action set a new ``watch_at``; the next sweep looks again) — and a notification to the
  assigned unit and the supervisors of the case's street and county;
* a due-soon mark newly passed: the ``due_soon`` flag (no timeline entry, no version bump) and
  a reminder to the assigned unit;
* then ``watch_at`` moves to the next mark. Running the sweep twice changes nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.cases.models import Case
from gridgov.cases.states import Action, HandlingLevel, Status
from gridgov.core.errors import Conflict

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


def supervisors_for(case: Case) -> QuerySet[User]:
    """Users with CASE_SUPERVISE held at the street or county above the case's area."""
    from gridgov.accounts.models import RoleGrant
    from gridgov.cases.units import roles_with

    ids = [int(p) for p in case.area_path.split("/") if p]
    grants = RoleGrant.objects.filter(
        area_id__in=ids,
        area__is_active=True,
        area__level__in=(HandlingLevel.STREET, HandlingLevel.COUNTY),
        role__in=roles_with(Perm.CASE_SUPERVISE, departments=False),
    )
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("pk")


class _Recipients:
    """Who hears about a case, remembered for one sweep run (many due cases share units)."""

    def __init__(self) -> None:
        self.units: dict[tuple[int | None, int | None], list[User]] = {}
        self.supervisors: dict[str, list[User]] = {}

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

    def of_supervision(self, case: Case) -> list[User]:
        if case.area_path not in self.supervisors:
            self.supervisors[case.area_path] = list(supervisors_for(case))
        return self.supervisors[case.area_path]


def _notify(
    case: Case, kind: str, title: str, *, supervisors: bool, recipients: _Recipients
) -> int:
    from gridgov.cases.notify import case_url
    from gridgov.notifications.services import notify

    people = list(recipients.of_unit(case))
    if supervisors:
        people += recipients.of_supervision(case)
    return notify(
        recipients=people,
        kind=f"case.{kind}",
        title=title,
        url=case_url(case),
        target=case,
        dedupe_key=f"case:{case.pk}:{kind}",
    )


def _label(case: Case) -> str:
    return f"{case.number} {case.title}"[:120]


# --- The sweep --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    checked: int = 0
    due_soon: int = 0
    sign_overdue: int = 0
    handle_overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "due_soon": self.due_soon,
            "sign_overdue": self.sign_overdue,
            "handle_overdue": self.handle_overdue,
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
    _notify(case, flag, title, supervisors=True, recipients=recipients)


def _check_one(pk: int, now: datetime, recipients: _Recipients) -> str:
    """Handle one due case in its own transaction; return what happened ("" for nothing)."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("assigned_area", "assigned_department")
            .filter(pk=pk)
            .first()
        )
        if case is None or case.watch_at is None or case.watch_at > now:
            return ""  # changed since it was selected
        version = case.version
        clock = _clock(case)
        if clock is None:
            Case.objects.filter(pk=pk, version=version).update(watch_at=None)
            return ""
        kind, start, deadline, overdue = clock
        if deadline is not None and not overdue and deadline <= now:
            _mark_overdue(case, kind, deadline, now, recipients)
            return f"{kind}_overdue"
        soon = deadline is not None and not overdue and not case.due_soon
        if soon and deadline is not None and soon_mark(start, deadline) <= now:
            case.due_soon = True
            watch = next_watch_at(case=case, now=now)
            Case.objects.filter(pk=pk, version=version).update(due_soon=True, watch_at=watch)
            _notify(
                case,
                "due_soon",
                _("Due soon: %(case)s") % {"case": _label(case)},
                supervisors=False,
                recipients=recipients,
            )
            return "due_soon"
        watch = next_watch_at(case=case, now=now)
        if watch != case.watch_at:
            Case.objects.filter(pk=pk, version=version).update(watch_at=watch)
        return ""


def sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Look at every case whose ``watch_at`` has come (see the module docstring)."""
    now = now or timezone.now()
    counts = {"checked": 0, "due_soon": 0, "sign_overdue": 0, "handle_overdue": 0}
    after: tuple[datetime | None, int] | None = None
    recipients = _Recipients()
    while True:
        qs = Case.objects.filter(watch_at__lte=now)
        if after is not None:
            qs = qs.filter(Q(watch_at__gt=after[0]) | Q(watch_at=after[0], pk__gt=after[1]))
        batch = list(qs.order_by("watch_at", "pk").values_list("watch_at", "pk")[:batch_size])
        if not batch:
            break
        for _watch, pk in batch:
            counts["checked"] += 1
            try:
                outcome = _check_one(pk, now, recipients)
            except Conflict:
                logger.info("sweep: case %s changed meanwhile; skipped", pk)
                continue
            if outcome:
                counts[outcome] += 1
        after = batch[-1]
        if len(batch) < batch_size:
            break
    return SweepResult(**counts)
