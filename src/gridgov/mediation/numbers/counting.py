"""The disputes' registration in the kernel's counters (kind ``"disputes"``).

Flows per (area, day) go to the kernel's shared :class:`~gridgov.kernel.counters.models.FlowCount`
(a dispute has few entries; no wide table of its own), the current stock per (area, key) to its
:class:`~gridgov.kernel.counters.models.StockCount` — for the dispute's area **and every
ancestor**, so a tile of the community, the street or the county is one index read.

The flow helper's :class:`~gridgov.kernel.workflow.Workflow` calls :func:`on_event` /
:func:`on_events` for every timeline entry (``DisputeEvent``), inside the action's transaction.

What moves which flow (the day is the local date of the entry, ``GRIDGOV_WORK_TIMEZONE``):

================= ======================================================================
``registered``    the entry that creates the dispute (排查发现 / 登记)
``accepted``      an entry that takes it to ``accepted`` (受理)
``referred``      an entry that takes it to ``referred`` (不予受理, 移交)
``resolved``      an entry that takes it to ``agreed`` (调解成功: 化解)
``failed``        an entry that takes it to ``failed`` (调解不成)
``withdrawn``     an entry that takes it to ``withdrawn``
``closed``        an entry that takes it to ``closed`` (结案)
``closed_on_time`` a closing entry whose outcome came by the deadline: ``data["on_time"]``
                  when given, else outcome time (or the closing time) ≤ ``due_at``
``performed``     the first follow-up entry of the dispute recording full performance
                  (``data["performance"] == "full"``; later ones do not count again)
================= ======================================================================

Stock (what holds now): ``open`` (a state that still needs work), ``overdue`` (open and the
sweep's flag set), ``high_risk_open`` (red and open — the 综治中心's board), ``status:<s>``. The
kernel writer compares a dispute's keys after an entry with what it was counted as, so every
path that changes the state, the overdue flag or the risk moves them (register, accept,
outcome, close, the overdue sweep, a risk change).

``gridgov rebuild-counters --kind disputes`` recomputes both from the dispute table and the
timelines (:func:`rebuild_flows`, :func:`dispute_facts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from django.db import transaction

from gridgov.kernel.counters.models import FlowCount
from gridgov.kernel.counters.registry import Kind, ancestor_ids, register
from gridgov.kernel.counters.writer import add_flows, count, count_many
from gridgov.mediation.choices import OPEN_STATES, Performance, Risk, Status
from gridgov.workcal.selectors import work_timezone

KIND_NAME = "disputes"

FLOWS: tuple[str, ...] = (
    "registered",
    "accepted",
    "referred",
    "resolved",
    "failed",
    "withdrawn",
    "closed",
    "closed_on_time",
    "performed",
)

STATUS_KEYS: tuple[str, ...] = tuple(f"status:{s}" for s in Status.values)
STOCK_KEYS: tuple[str, ...] = ("open", "overdue", "high_risk_open", *STATUS_KEYS)

# The flow each target state counts (an entry that takes a dispute there from elsewhere).
_TO_FLOW: dict[str, str] = {
    Status.ACCEPTED: "accepted",
    Status.REFERRED: "referred",
    Status.AGREED: "resolved",
    Status.FAILED: "failed",
    Status.WITHDRAWN: "withdrawn",
    Status.CLOSED: "closed",
}

# Entries that create a dispute (by action name; an entry from no state to "registered" too).
REGISTER_ACTIONS = frozenset({"register", "registered", "report"})
# Follow-up visits (回访); any entry whose data records a performance counts as one.
FOLLOW_UP_ACTIONS = frozenset({"follow_up", "followup", "visit"})
# Entries that never change a dispute's stock keys when they leave the state as it was.
NEUTRAL_ACTIONS = frozenset(
    {
        "comment",
        "note",
        "urge",
        "request_extension",
        "deny_extension",
        "party_add",
        "add_party",
        "attachment",
        "document",
    }
)


def local_day(moment: datetime) -> date:
    """The local date (the working-time zone) of ``moment``."""
    return moment.astimezone(work_timezone()).date()


def creates(event: Any) -> bool:
    """The entry creates the dispute (nothing counted before it)."""
    if str(event.action) in REGISTER_ACTIONS:
        return True
    return not event.from_status and str(event.to_status) == Status.REGISTERED


def neutral(event: Any) -> bool:
    return str(event.action) in NEUTRAL_ACTIONS and event.from_status == event.to_status


def _data(event: Any) -> dict[str, Any]:
    data = getattr(event, "data", None)
    return data if isinstance(data, dict) else {}


def is_follow_up(event: Any) -> bool:
    return str(event.action) in FOLLOW_UP_ACTIONS or "performance" in _data(event)


def records_full_performance(event: Any) -> bool:
    return is_follow_up(event) and str(_data(event).get("performance") or "") == Performance.FULL


def on_time(dispute: Any, event: Any) -> bool:
    """Was the dispute's outcome reached by its deadline (是否按期)? ``data["on_time"]`` when
    the closing entry says so; else the outcome time (or the entry's) against ``due_at``."""
    data = _data(event)
    if data.get("on_time") is not None:
        return bool(data["on_time"])
    due = getattr(dispute, "due_at", None)
    if due is None:
        return True
    done = getattr(dispute, "outcome_at", None) or event.at
    return bool(done <= due)


def _earlier_full_performance(dispute: Any, event: Any) -> bool:
    """Did an earlier entry of the dispute already record full performance? (One read of the
    dispute's entries by its index; follow-ups are few.)"""
    from gridgov.mediation.models import DisputeEvent

    qs = DisputeEvent.objects.filter(dispute_id=dispute.pk)
    if getattr(event, "pk", None) is not None:
        qs = qs.filter(pk__lt=event.pk)
    else:
        qs = qs.filter(at__lt=event.at)
    return any(
        records_full_performance(SimpleNamespace(action=action, data=data))
        for action, data in qs.values_list("action", "data")
    )


def event_deltas(dispute: Any, event: Any, *, first_full: bool | None = None) -> dict[str, int]:
    """The flow increments of one timeline entry (see the module docstring). ``first_full``:
    whether this is the dispute's first full-performance follow-up, when the caller knows (the
    rebuild); otherwise it is read."""
    d: dict[str, int] = {}
    if creates(event):
        d["registered"] = 1
    to, frm = str(event.to_status or ""), str(event.from_status or "")
    flow = _TO_FLOW.get(to)
    if flow is not None and to != frm:
        d[flow] = 1
        if flow == "closed" and on_time(dispute, event):
            d["closed_on_time"] = 1
    if records_full_performance(event):
        if first_full is None:
            first_full = not _earlier_full_performance(dispute, event)
        if first_full:
            d["performed"] = 1
    return d


def stock_keys_of(*, status: str, overdue: bool, risk: str) -> frozenset[str]:
    """The stock keys a dispute counts in now."""
    keys = {f"status:{status}"}
    if status in OPEN_STATES:
        keys.add("open")
        if overdue:
            keys.add("overdue")
        if risk == Risk.RED:
            keys.add("high_risk_open")
    return frozenset(keys)


def _stock_of(dispute: Any) -> frozenset[str]:
    return stock_keys_of(
        status=str(dispute.status), overdue=bool(dispute.overdue), risk=str(dispute.risk)
    )


def _area_path(dispute: Any) -> str:
    return str(dispute.area_path or dispute.area.path)


# --- Writing: the Workflow's hooks -------------------------------------------------------------


def on_event(dispute: Any, event: Any) -> None:
    """Move the counters of ``dispute``'s area and its ancestors for one entry (``dispute``
    already as it is after the entry). Inside the action's transaction."""
    count(KIND_NAME, dispute, event)


def on_events(pairs: Iterable[tuple[Any, Any]]) -> None:
    """:func:`on_event` for many (dispute, entry) pairs at once (the overdue sweep, a chain)."""
    count_many(KIND_NAME, list(pairs))


# --- Repair: recompute from the fact tables ----------------------------------------------------


def dispute_facts() -> Iterable[tuple[int, str, frozenset[str]]]:
    """(id, area path, stock keys) of every dispute, for the stock rebuild."""
    from gridgov.mediation.models import Dispute

    rows = Dispute.objects.order_by("pk").values_list(
        "pk", "area_path", "status", "overdue", "risk"
    )
    for pk, path, status, overdue, risk in rows.iterator(chunk_size=5000):
        yield pk, path, stock_keys_of(status=status, overdue=overdue, risk=risk)


def rebuild_flows(date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute the disputes' flow rows of the days ``date_from`` … ``date_to`` (default: all)
    from the timelines, in one transaction; return the number of rows written."""
    from gridgov.kernel.counters.registry import get
    from gridgov.mediation.models import Dispute, DisputeEvent

    kind = get(KIND_NAME)
    totals: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    disputes: dict[int, Any] = {}
    seen_full: set[int] = set()
    entries = DisputeEvent.objects.order_by("dispute_id", "at", "id").only(
        "id", "dispute_id", "at", "action", "from_status", "to_status", "data"
    )
    with transaction.atomic():
        rows = FlowCount.objects.filter(kind=KIND_NAME)
        if date_from is not None:
            rows = rows.filter(day__gte=date_from)
        if date_to is not None:
            rows = rows.filter(day__lte=date_to)
        rows.delete()
        batch: list[Any] = []

        def flush() -> None:
            ids = {e.dispute_id for e in batch} - set(disputes)
            for d in Dispute.objects.filter(pk__in=ids).only(
                "id", "area_path", "due_at", "outcome_at", "status", "overdue", "risk"
            ):
                disputes[d.pk] = d
            for e in batch:
                dispute = disputes.get(e.dispute_id)
                if dispute is None:
                    continue
                first_full = False
                if records_full_performance(e) and e.dispute_id not in seen_full:
                    seen_full.add(e.dispute_id)
                    first_full = True
                day = local_day(e.at)
                if (date_from is not None and day < date_from) or (
                    date_to is not None and day > date_to
                ):
                    continue
                deltas = event_deltas(dispute, e, first_full=first_full)
                for area_id in ancestor_ids(dispute.area_path):
                    bucket = totals[(area_id, day)]
                    for name, v in deltas.items():
                        bucket[name] += v
            batch.clear()
            if len(disputes) > 20000:
                disputes.clear()

        for e in entries.iterator(chunk_size=5000):
            batch.append(e)
            if len(batch) >= 5000:
                flush()
        flush()
        clean = {k: {n: v for n, v in d.items() if v} for k, d in totals.items()}
        clean = {k: d for k, d in clean.items() if d}
        add_flows(kind, clean)
    return sum(len(d) for d in clean.values())


KIND = register(
    Kind(
        name=KIND_NAME,
        flows=FLOWS,
        flow_deltas=lambda dispute, event: event_deltas(dispute, event),
        stock_keys=STOCK_KEYS,
        stock_of=_stock_of,
        area_path_of=_area_path,
        object_id_of=lambda dispute: int(dispute.pk),
        day_of=lambda event: local_day(event.at),
        creates=creates,
        neutral=neutral,
        rebuild_flows=rebuild_flows,
        facts=dispute_facts,
    )
)
