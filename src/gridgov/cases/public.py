"""What the public and the reporter see of a case's timeline, and how actors are named to staff.

The public timeline (:func:`public_timeline`) is the one read for the reporter's pages (我的上报
detail, the receipt by token), the JSON API answered to a reporter, and Open311's status notes:
the steps that matter to the reporter, when they happened, the unit handling the case, the
public reply and what the reporter was told (a rejection reason, or an event's
``data["public"]`` — a text written for the reporter, e.g. a grid worker's rejection reason).
Never a staff name, an internal note or anybody's personal data (typed-in phone and ID numbers
are masked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.models import Department
from gridgov.areas.models import Area
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action
from gridgov.core.pii import mask_text

# The steps a reporter sees, with the words used for them there.
PUBLIC_LABELS: dict[str, Any] = {
    Action.REPORT: gettext_lazy("Report received"),
    Action.ACCEPT: gettext_lazy("Accepted"),
    Action.REJECT: gettext_lazy("Not accepted"),
    Action.MERGE: gettext_lazy("Handled together with another report"),
    Action.DISPATCH: gettext_lazy("Passed to the handling unit"),
    Action.REASSIGN: gettext_lazy("Passed to another handling unit"),
    Action.ESCALATE: gettext_lazy("Passed to a higher unit"),
    Action.SIGN: gettext_lazy("Taken on by the handling unit"),
    Action.REPLY: gettext_lazy("Handling reply"),
    Action.VERIFY_PASS: gettext_lazy("Checked and closed"),
    Action.VERIFY_FAIL: gettext_lazy("Sent back for more work"),
    Action.RATE: gettext_lazy("Rated"),
    Action.REOPEN: gettext_lazy("Reopened"),
    Action.CHECK_CONFIRM: gettext_lazy("Verified on site by the grid worker"),
    Action.CHECK_PASS_UP: gettext_lazy("Passed on by the grid worker"),
    Action.CHECK_RESOLVE: gettext_lazy("Resolved on the spot by the grid worker"),
    Action.CHECK_REJECT: gettext_lazy("Not accepted"),
    Action.CHECK_TIMEOUT: gettext_lazy("Passed on to the dispatch centre"),
}
# Entries whose own note is addressed to the reporter: the reply, the reason for not accepting.
_NOTE_IS_PUBLIC = (Action.REPLY, Action.REJECT)
_UNIT_ACTIONS = (Action.DISPATCH, Action.REASSIGN, Action.ESCALATE)

# Snapshot names of actors who are no person (CaseEvent.actor_name), as shown to staff.
ACTOR_LABELS: dict[str, Any] = {
    "system": gettext_lazy("System"),
    "public": gettext_lazy("Public report"),
    "12345": gettext_lazy("12345 hotline"),
    "open311": gettext_lazy("Open311 client"),
}


def actor_label(name: str) -> str:
    """``CaseEvent.actor_name`` for staff: the system and the intake channels translated."""
    label = ACTOR_LABELS.get(name or "system")
    return str(label) if label is not None else name


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    action: str
    label: str
    status: str  # the state it led to, as shown
    unit: str  # the handling unit it concerns
    text: str  # the public text (masked)


def _public_text(event: CaseEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    public = data.get("public")
    if isinstance(public, str) and public.strip():
        return mask_text(public)
    if event.action in _NOTE_IS_PUBLIC:
        return mask_text(event.note or str(data.get("reason", "") or ""))
    if event.action == Action.MERGE and data.get("into_number"):
        return _("Handled together with case %(number)s.") % {"number": data["into_number"]}
    return ""


def _by_reporter(event: CaseEvent, case: Case) -> bool:
    return case.reporter_id is not None and event.actor_id == case.reporter_id


def _is_public(event: CaseEvent, case: Case) -> bool:
    data = event.data if isinstance(event.data, dict) else {}
    if event.action == Action.COMMENT and _by_reporter(event, case):
        return True  # the reporter's own note (or photos added later)
    return event.action in PUBLIC_LABELS or bool(data.get("public"))


def _unit_names(events: Iterable[CaseEvent]) -> tuple[dict[int, str], dict[int, str]]:
    area_ids: set[int] = set()
    dept_ids: set[int] = set()
    for e in events:
        data = e.data if isinstance(e.data, dict) else {}
        if isinstance(data.get("to_area"), int):
            area_ids.add(data["to_area"])
        if isinstance(data.get("to_department"), int):
            dept_ids.add(data["to_department"])
    areas = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name"))
    depts = dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name"))
    return areas, depts


def public_timeline(case: Case) -> list[PublicEvent]:
    """The reporter's view of ``case``'s timeline, oldest first (two queries and the names of
    the units it passed through)."""
    events = [
        e
        for e in CaseEvent.objects.filter(case=case)
        .only("at", "action", "actor_id", "to_status", "note", "data")
        .order_by("at", "id")
        if _is_public(e, case)
    ]
    areas, depts = _unit_names(events)
    unit = ""
    rows: list[PublicEvent] = []
    for e in events:
        data = e.data if isinstance(e.data, dict) else {}
        own_unit = ""
        if e.action in _UNIT_ACTIONS:
            to_area, to_dept = data.get("to_area"), data.get("to_department")
            unit = (
                (depts.get(to_dept) if isinstance(to_dept, int) else None)
                or (areas.get(to_area) if isinstance(to_area, int) else None)
                or ""
            )
            own_unit = unit
        elif e.action in (Action.SIGN, Action.REPLY):
            own_unit = unit
        label = PUBLIC_LABELS.get(e.action)
        text = _public_text(e)
        if e.action == Action.COMMENT and _by_reporter(e, case):
            label, text = gettext_lazy("Your note"), text or mask_text(e.note)
        rows.append(
            PublicEvent(
                at=e.at,
                action=e.action,
                label=str(label) if label is not None else str(e.get_action_display()),
                status=str(e.get_to_status_display()) if e.to_status else "",
                unit=own_unit,
                text=text,
            )
        )
    return rows


def public_notes(case_ids: Iterable[int]) -> dict[int, str]:
    """The latest public text of each case (Open311 ``status_notes``), in one query."""
    ids = list(case_ids)
    if not ids:
        return {}
    events = (
        CaseEvent.objects.filter(case_id__in=ids)
        .filter(
            Q(action__in=_NOTE_IS_PUBLIC) & ~Q(note="")
            | Q(action=Action.MERGE)
            | Q(data__has_key="public")
        )
        .only("case_id", "action", "note", "data")
        .order_by("case_id", "at", "id")
    )
    notes: dict[int, str] = {}
    for e in events:
        text = _public_text(e)
        if text:
            notes[e.case_id] = text
    return notes


def handling_unit(case: Case) -> str:
    """The name of the unit now handling ``case`` (a department or an area), or ""."""
    if case.assigned_department_id is not None and case.assigned_department is not None:
        return case.assigned_department.name
    if case.assigned_area_id is not None and case.assigned_area is not None:
        return case.assigned_area.name
    return ""
