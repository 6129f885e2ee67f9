"""The dispute deadline sweep: a mediation whose deadline passed gets the ``overdue`` mark, an
OVERDUE timeline entry (actor "system") and a notice to the 综治中心 and the mediator.

``Dispute.watch_at`` is the next moment the sweep must look at a dispute (its deadline, set on
acceptance and moved by an approved extension; ``None`` once it is overdue or the clock
stopped), so the sweep reads only the rows with ``watch_at <= now`` (index
``dispute_watch_set``). Each batch is one transaction that locks its rows
(``SELECT … FOR UPDATE``; SQLite's write lock) and re-reads them, so a dispute someone acted on
since is judged on its new state; the marks go through the kernel's
:func:`~gridgov.kernel.workflow.apply_batch` (one ``UPDATE``, one insert of entries, one
counters call). Running it twice changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from gridgov.kernel.workflow import apply_batch
from gridgov.mediation.disputes import notify as notes
from gridgov.mediation.disputes.states import CLOCK_STATES, Action
from gridgov.mediation.disputes.workflow import DISPUTES
from gridgov.mediation.models import Dispute

BATCH_SIZE = 500


@dataclass
class SweepResult:
    overdue: int = 0
    notified: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"overdue": self.overdue, "notified": self.notified}


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark every dispute whose deadline passed by ``now`` (see the module docstring)."""
    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            rows = list(
                Dispute.objects.select_for_update(of=("self",))
                .select_related("mediator__user")
                .filter(watch_at__lte=now, status__in=list(CLOCK_STATES))
                .order_by("watch_at", "id")[:BATCH_SIZE]
            )
            due = [d for d in rows if d.due_at is not None and d.due_at <= now and not d.overdue]
            # Rows watched for nothing (no deadline, or already marked) stop being watched.
            idle = [d.pk for d in rows if d not in due]
            if idle:
                Dispute.objects.filter(pk__in=idle).update(watch_at=None)
            entries = apply_batch(
                workflow=DISPUTES,
                objs=due,
                action=Action.OVERDUE,
                changes={"overdue": True, "watch_at": None},
                data_for=lambda d: {"due_at": d.due_at.isoformat() if d.due_at else ""},
                at=now,
            )
            for dispute in due:
                result.notified += notes.overdue(dispute)
            result.overdue += len(entries)
        if len(rows) < BATCH_SIZE:
            return result
