"""Recomputing the case flow counters (CaseStat) from the timelines, for repair
(``gridgov rebuild-counters --kind cases``, ``gridgov rebuild-case-stats``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction

from gridgov.cases.indicators import event_deltas
from gridgov.cases.models import Case, CaseEvent, CaseStat
from gridgov.cases.states import Action
from gridgov.workcal.selectors import work_timezone


def rebuild_flows(*, date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute the CaseStat rows of the days from ``date_from`` to ``date_to`` (default: all)
    from the case timelines, in one transaction; return the number of rows written.

    Rows are attributed to the case's *current* area and its ancestors (after an area move the
    maintained rows stay with the old ancestors; a rebuild moves them).
    """
    tz = work_timezone()
    events = CaseEvent.objects.filter(
        action__in=[
            Action.REPORT,
            Action.ACCEPT,
            Action.SIGN,
            Action.REPLY,
            Action.VERIFY_FAIL,
            Action.VERIFY_PASS,
            Action.RATE,
        ]
    )
    stats = CaseStat.objects.all()
    if date_from is not None:
        events = events.filter(at__gte=datetime.combine(date_from, datetime.min.time(), tz))
        stats = stats.filter(day__gte=date_from)
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tz)
        events = events.filter(at__lt=end)
        stats = stats.filter(day__lte=date_to)
    case_fields = (
        "area_path",
        "source",
        "sign_due_at",
        "handle_due_at",
        "accepted_at",
        "resolved_level",
        "assigned_level",
        "assigned_department_id",
        "resolved_on_spot",
        "rating",
    )
    # Per (case area path, day): summed deltas; expanded to every ancestor at the end.
    leaf: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cases: dict[int, Case] = {}
    qs = events.order_by("case_id", "at", "id").only("case_id", "action", "at", "to_status", "data")
    pending: list[CaseEvent] = []

    def flush() -> None:
        ids = {e.case_id for e in pending} - set(cases)
        if ids:
            cases.update(
                Case.objects.select_related("area").only(*case_fields, "area__level").in_bulk(ids)
            )
        for e in pending:
            case = cases[e.case_id]
            deltas = event_deltas(case=case, event=e)
            if deltas:
                bucket = leaf[(case.area_path, e.at.astimezone(tz).date())]
                for k, v in deltas.items():
                    bucket[k] += v
        pending.clear()
        cases.clear()

    for event in qs.iterator(chunk_size=2000):
        pending.append(event)
        if len(pending) >= 2000:
            flush()
    flush()
    rows: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (path, day), deltas in leaf.items():
        for area_id in (int(p) for p in path.split("/") if p):
            bucket = rows[(area_id, day)]
            for k, v in deltas.items():
                bucket[k] += v
    with transaction.atomic():
        stats.delete()
        CaseStat.objects.bulk_create(
            [CaseStat(area_id=a, day=d, **dict(c)) for (a, d), c in rows.items()],
            batch_size=1000,
        )
    return len(rows)
