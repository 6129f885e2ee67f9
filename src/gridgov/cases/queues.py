"""The work queues, as a table: what each viewer can act on now (我的待办), what they watch
(监控: open cases in their jurisdiction assigned to other units), and the overview for those
who act on no queue (leaders, administrators).

Each :class:`Queue` is the guards' rule (:mod:`gridgov.cases.guards`) written as a queryset:
the permission the actions of the queue need, held for the case (through
:mod:`gridgov.cases.visibility`: the case's area for area roles, the cases a department holds or
held for department roles), and — for the unit's own actions (sign for, reply …) — "is it my
unit": the case is assigned to an area where the viewer directly holds a handling role, or to
their department. A new queue is one more row of :data:`QUEUES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.cases import units
from gridgov.cases.states import Status

TODO = "todo"
WATCH = "watch"

_WORKING = [str(Status.ASSIGNED), str(Status.IN_PROGRESS)]


def overdue_q(now: datetime) -> Q:
    """Past the sign-for or handling deadline. The deadline alone decides: the sweep flags a
    case (``sign_overdue`` / ``handle_overdue``) only once its deadline has passed, and a new
    deadline (dispatch, reassignment, an approved extension) clears the flag. Each half is
    one range of a partial index (``case_sign_due`` / ``case_handle_due``)."""
    return Q(status=Status.ASSIGNED, sign_due_at__lt=now) | Q(
        status=Status.IN_PROGRESS, handle_due_at__lt=now
    )


def due_soon_q(now: datetime) -> Q:
    return Q(status__in=_WORKING, due_soon=True) & ~overdue_q(now)


def my_unit_q(actor: Any) -> Q:
    """Cases assigned to one of ``actor``'s own units: an area where they directly hold an area
    role with CASE_HANDLE, or one of their departments. (A superuser's unit is every unit.)"""
    if scoping.is_global(actor):
        return Q()
    q = Q(pk__in=[])
    area_ids = units.user_unit_area_ids(actor)
    if area_ids:
        q |= Q(assigned_area_id__in=area_ids, assigned_department__isnull=True)
    dept_ids = units.user_department_ids(actor)
    if dept_ids:
        q |= Q(assigned_department_id__in=sorted(dept_ids))
    return q


@dataclass(frozen=True)
class Queue:
    """One work queue.

    ``perm``: the permission its actions need, held for the case. ``where``: the cases, by state
    and deadline. ``mine``: only cases of the viewer's own units (the unit's actions).
    ``kind``: :data:`TODO` (to act on) or :data:`WATCH` (assigned to another unit: monitored,
    the viewer can urge or reassign but it is not their work). ``needs``: further permissions
    the viewer must hold somewhere for the queue to be theirs. ``order``: the list's order when
    not newest first. ``path_index``: counted through a (status, area_path) index; ``False``
    for a queue by deadline, counted through the deadline indexes."""

    key: str
    label: Any
    perm: str
    where: Callable[[datetime], Q]
    mine: bool = False
    kind: str = TODO
    needs: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    path_index: bool = True

    def applies_to(self, actor: Any) -> bool:
        return all(scoping.has_perm_anywhere(actor, p) for p in (self.perm, *self.needs))

    def filter_q(self, actor: Any, now: datetime) -> Q:
        """The queue's own condition for ``actor`` (without the jurisdiction; a ``mine``
        queue needs none: a case assigned to one's own unit lies in one's jurisdiction)."""
        q = self.where(now)
        if self.mine:
            q &= my_unit_q(actor)
        elif self.kind == WATCH:
            q &= ~my_unit_q(actor)
        return q


QUEUES: tuple[Queue, ...] = (
    # 我的待办
    # 待核实: residents' reports waiting for the grid worker's check on site.
    Queue(
        "to_check", _("To verify on site"), Perm.CASE_CHECK, lambda now: Q(status=Status.TO_CHECK)
    ),
    Queue(
        "to_accept",
        _("To accept"),
        Perm.CASE_TRIAGE,
        lambda now: Q(status=Status.REPORTED),
        order=("priority", "accept_due_at", "id"),
    ),
    Queue("to_dispatch", _("To dispatch"), Perm.CASE_TRIAGE, lambda now: Q(status=Status.ACCEPTED)),
    Queue(
        "to_sign", _("To sign for"), Perm.CASE_HANDLE, lambda now: Q(status=Status.ASSIGNED), True
    ),
    Queue(
        "in_progress",
        _("In progress"),
        Perm.CASE_HANDLE,
        lambda now: Q(status__in=[Status.IN_PROGRESS, Status.SUSPENDED]),
        True,
    ),
    Queue("to_verify", _("To verify"), Perm.CASE_VERIFY, lambda now: Q(status=Status.RESOLVED)),
    Queue("due_soon", _("Due soon"), Perm.CASE_HANDLE, due_soon_q, True),
    Queue("overdue", _("Overdue"), Perm.CASE_HANDLE, overdue_q, True),
    # Extension and suspension requests are decided by the dispatching centre (督办).
    Queue(
        "delay_requests",
        _("Delay requests"),
        Perm.CASE_SUPERVISE,
        lambda now: Q(status=Status.IN_PROGRESS, pending_delay__gridgov_has_key="kind"),
        needs=(Perm.CASE_TRIAGE,),
    ),
    # 监控: what the viewer dispatched, now with other units (states in which a case always has
    # a unit).
    Queue(
        "watch_to_sign",
        _("Waiting to be signed for"),
        Perm.CASE_TRIAGE,
        lambda now: Q(status=Status.ASSIGNED),
        kind=WATCH,
    ),
    Queue(
        "watch_in_progress",
        _("Being handled"),
        Perm.CASE_TRIAGE,
        lambda now: Q(status__in=[Status.IN_PROGRESS, Status.SUSPENDED]),
        kind=WATCH,
    ),
    Queue(
        "watch_overdue",
        _("Overdue at other units"),
        Perm.CASE_TRIAGE,
        overdue_q,
        kind=WATCH,
        path_index=False,
    ),
)

BY_KEY: dict[str, Queue] = {q.key: q for q in QUEUES}
KEYS: tuple[str, ...] = tuple(BY_KEY)


@dataclass(frozen=True)
class Overview:
    """One count of the overview: open cases of the jurisdiction in a state or past a
    deadline, linked to the case list with the same filter."""

    key: str
    label: Any
    where: Callable[[datetime], Q]
    params: str  # the case list's query string
    path_index: bool = True  # as Queue.path_index


OVERVIEW: tuple[Overview, ...] = (
    Overview(
        "to_check", _("To verify on site"), lambda now: Q(status=Status.TO_CHECK), "status=to_check"
    ),
    Overview("reported", _("To accept"), lambda now: Q(status=Status.REPORTED), "status=reported"),
    Overview(
        "accepted", _("To dispatch"), lambda now: Q(status=Status.ACCEPTED), "status=accepted"
    ),
    Overview(
        "assigned", _("To sign for"), lambda now: Q(status=Status.ASSIGNED), "status=assigned"
    ),
    Overview(
        "in_progress",
        _("In progress"),
        lambda now: Q(status=Status.IN_PROGRESS),
        "status=in_progress",
    ),
    Overview(
        "suspended", _("Suspended"), lambda now: Q(status=Status.SUSPENDED), "status=suspended"
    ),
    Overview("resolved", _("To verify"), lambda now: Q(status=Status.RESOLVED), "status=resolved"),
    Overview("due_soon", _("Due soon"), due_soon_q, "due=soon"),
    Overview("overdue", _("Overdue"), overdue_q, "due=overdue", path_index=False),
)


def queues_for(actor: Any) -> list[Queue]:
    """The queues that are ``actor``'s (to-dos first, then monitoring), in table order."""
    return [q for q in QUEUES if q.applies_to(actor)]


def wants_overview(actor: Any) -> bool:
    """Users with case access and no to-do queue (leaders, administrators) get the overview."""
    return scoping.has_perm_anywhere(actor, Perm.CASE_VIEW) and not any(
        q.kind == TODO for q in queues_for(actor)
    )
