"""Overdue notices: who must act on an overdue case, and the daily digest.

Who hears that a case is overdue
--------------------------------
The people who must act on it, nobody else (leaders see overdue cases in their overview):

* the handling unit (:func:`gridgov.cases.units.unit_users`) and the case's handler;
* the dispatchers of the jurisdiction that dispatched it: the street or county office where
  the dispatcher of the case's last dispatch (派单/改派) holds their dispatcher role, or,
  without such a dispatch, the nearest street or county above the case that has dispatchers.

The daily digest
----------------
By default (each person can choose "immediately" in their notification settings) an overdue
case is not notified one by one: once a day, after ``GRIDGOV_DIGEST_HOUR`` o'clock local time
(default 8), the periodic job ``cases.overdue_digest`` sends each person one inbox message
listing the cases that went overdue since the previous day's digest time and are still
overdue — with links to each case and to the overdue queue. The digest of a day has the
deduplication key ``digest:overdue:<date>``; a person who has it (read or not) gets no second
one, so running the job twice a day sends one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action, HandlingLevel, Status
from gridgov.notifications.services import Message

logger = logging.getLogger("gridgov.cases.digest")

# Cases listed (with links) in one digest message; the rest are counted.
DIGEST_LIST = 50
DEFAULT_DIGEST_HOUR = 8


def _dispatcher_roles() -> list[str]:
    """Roles that dispatch and supervise (the dispatchers; not leaders, not community staff)."""
    from gridgov.cases.units import roles_with

    supervise = set(roles_with(Perm.CASE_SUPERVISE, departments=False))
    return sorted(r for r in roles_with(Perm.CASE_TRIAGE, departments=False) if r in supervise)


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.split("/") if p]


def dispatch_supervisors(cases: Iterable[Case]) -> dict[int, list[int]]:
    """For each case, the ids of the dispatchers of the jurisdiction that dispatched it (see
    the module docstring); two queries for any number of cases (in chunks of 500)."""
    from gridgov.accounts.models import RoleGrant

    cases = list(cases)
    if not cases:
        return {}
    dispatcher: dict[int, int] = {}
    pks = [c.pk for c in cases]
    for i in range(0, len(pks), 500):
        for case_id, actor_id in (
            CaseEvent.objects.filter(
                case_id__in=pks[i : i + 500],
                action__in=[Action.DISPATCH, Action.REASSIGN],
                actor__isnull=False,
            )
            .order_by("case_id", "at", "id")
            .values_list("case_id", "actor_id")
        ):
            dispatcher[case_id] = actor_id  # the last one wins
    area_ids = sorted({i for c in cases for i in _path_ids(c.area_path)})
    by_area: dict[int, list[int]] = defaultdict(list)
    areas_of: dict[int, set[int]] = defaultdict(set)
    for area_id, user_id in (
        RoleGrant.objects.filter(
            area_id__in=area_ids,
            area__is_active=True,
            area__level__in=(HandlingLevel.STREET, HandlingLevel.COUNTY),
            role__in=_dispatcher_roles(),
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("area_id", "user_id")
        .distinct()
    ):
        if user_id not in by_area[area_id]:
            by_area[area_id].append(user_id)
        areas_of[user_id].add(area_id)
    found: dict[int, list[int]] = {}
    for case in cases:
        path = _path_ids(case.area_path)
        actor = dispatcher.get(case.pk)
        own = [a for a in path if actor is not None and a in areas_of.get(actor, ())]
        if own:
            found[case.pk] = by_area[own[-1]]
            continue
        staffed = [a for a in path if by_area.get(a)]
        found[case.pk] = by_area[staffed[-1]] if staffed else []
    return found


def overdue_recipients(cases: list[Case], recipients: object = None) -> dict[int, list[int]]:
    """For each overdue case, the ids of everybody who must act on it: the handling unit,
    the handler and the dispatchers of the dispatching jurisdiction."""
    from gridgov.cases.supervision import _Recipients

    cache = recipients if isinstance(recipients, _Recipients) else _Recipients()
    cache.load(cases)
    supervisors = dispatch_supervisors(cases)
    found: dict[int, list[int]] = {}
    for case in cases:
        ids = [u.pk for u in cache.of_unit(case)]
        if case.handler_id is not None:
            ids.append(case.handler_id)
        ids += supervisors.get(case.pk, [])
        found[case.pk] = list(dict.fromkeys(ids))
    return found


# --- The digest -------------------------------------------------------------------------------


def digest_hour() -> int:
    return int(getattr(settings, "GRIDGOV_DIGEST_HOUR", DEFAULT_DIGEST_HOUR))


def digest_window(day: date) -> tuple[datetime, datetime]:
    """The deadlines a day's digest covers: from the previous day's digest hour to this one's."""
    hour = time(hour=digest_hour())
    until = timezone.make_aware(datetime.combine(day, hour))
    return until - timedelta(days=1), until


def digest_key(day: date) -> str:
    return f"digest:overdue:{day.isoformat()}"


@dataclass(frozen=True)
class DigestResult:
    cases: int = 0
    people: int = 0
    sent: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"cases": self.cases, "people": self.people, "sent": self.sent}


def _went_overdue(since: datetime, until: datetime) -> list[Case]:
    from gridgov.cases.supervision import _SWEEP_FIELDS

    return list(
        Case.objects.filter(
            Q(
                status=Status.ASSIGNED,
                sign_overdue=True,
                sign_due_at__gte=since,
                sign_due_at__lt=until,
            )
            | Q(
                status=Status.IN_PROGRESS,
                handle_overdue=True,
                handle_due_at__gte=since,
                handle_due_at__lt=until,
            )
        )
        .select_related("assigned_area", "assigned_department")
        .only(*_SWEEP_FIELDS, "handler")
        .order_by("pk")
    )


def _deadline(case: Case) -> datetime:
    due = case.sign_due_at if case.status == Status.ASSIGNED else case.handle_due_at
    return due or case.updated_at


def send_overdue_digests(
    *, day: date | None = None, since: datetime | None = None, until: datetime | None = None
) -> DigestResult:
    """Send ``day``'s digest (today by default) to everybody who must act on a case that went
    overdue in the day's window (``since``/``until`` widen or narrow it; the demo passes a
    longer ``since``). People who already have the day's digest, who chose immediate overdue
    notices or who turned overdue notices off get none. Idempotent per day."""
    from gridgov.cases.notify import DIGEST_KIND
    from gridgov.notifications.models import Notification
    from gridgov.notifications.preferences import choices_for
    from gridgov.notifications.services import notify_many

    day = day or timezone.localdate()
    window = digest_window(day)
    since = since or window[0]
    until = until or window[1]
    cases = _went_overdue(since, until)
    if not cases:
        return DigestResult()
    who = overdue_recipients(cases)
    per_person: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        for user_id in who[case.pk]:
            per_person[user_id].append(case)
    key = digest_key(day)
    people = sorted(per_person)
    done: set[int] = set()
    for i in range(0, len(people), 500):
        done.update(
            Notification.objects.filter(
                recipient_id__in=people[i : i + 500], dedupe_key=key, kind=DIGEST_KIND
            ).values_list("recipient_id", flat=True)
        )
    choices = choices_for(people, ["case.overdue"])
    queue = reverse("cases:queues") + "?queue=overdue"
    messages = []
    for user_id in people:
        choice = choices[(user_id, "case.overdue")]
        if user_id in done or not choice.inbox or not choice.digest:
            continue
        mine = sorted(per_person[user_id], key=lambda c: (_deadline(c), c.pk))
        messages.append(_message(user_id, day, mine, key, queue, DIGEST_KIND))
    sent = 0
    for i in range(0, len(messages), 500):
        with transaction.atomic():
            sent += notify_many(messages[i : i + 500])
    logger.info(
        "overdue digest %s: %d cases, %d people, %d sent", day, len(cases), len(people), sent
    )
    return DigestResult(cases=len(cases), people=len(people), sent=sent)


def _message(
    user_id: int, day: date, cases: list[Case], key: str, queue: str, kind: str
) -> Message:
    listed = cases[:DIGEST_LIST]
    lines = [f"{c.number} {c.title}"[:120] for c in listed]
    if len(cases) > len(listed):
        lines.append(_("… and %(n)d more") % {"n": len(cases) - len(listed)})
    return Message(
        recipient_ids=(user_id,),
        kind=kind,
        title=_("Overdue cases of %(day)s: %(count)d")
        % {"day": day.isoformat(), "count": len(cases)},
        body="\n".join(lines),
        url=queue,
        dedupe_key=key,
        params={
            "day": day.isoformat(),
            "total": len(cases),
            "cases": [[c.pk, c.number, c.title[:100]] for c in listed],
        },
        is_digest=True,
    )
