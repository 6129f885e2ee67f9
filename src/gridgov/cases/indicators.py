"""Maintained indicator counters (:class:`~gridgov.cases.models.CaseStat`) and their reads.

The cases registration in the kernel's counters (:mod:`gridgov.kernel.counters`, kind
``"cases"``): flows per (area, day) in :class:`~gridgov.cases.models.CaseStat` (the kind's own
wide table) and the current stock per (area, key) in the kernel's stock table.

Writing
-------
:func:`on_event` is called by :func:`gridgov.cases.services.timeline.record_event` for every
timeline entry, inside the action's transaction (:func:`on_events` for entries written
together: the sweep, batch intake, check time-outs). It maps the entry to counter increments
(:func:`event_deltas`) and adds them to the row of *(area, day)* for the case's area **and every
ancestor** (so a subtree's figures for a period are the rows of one area, never a scan of
cases), where *day* is the local date (``GRIDGOV_TIME_ZONE``, default
``Asia/Shanghai``) of the entry: one upsert statement for
all those rows on SQLite (≥ 3.24) and PostgreSQL (see :mod:`gridgov.kernel.counters.writer`).

Stock (what holds now, per area and ancestor): ``open`` (not in a final state), ``overdue``
(the running clock's flag set by the sweep's OVERDUE entry: sign-for while assigned, handling
while in progress or suspended — so dispatching again, a return, an approved extension, closing
and reopening all move it) and ``status:<status>``. The writer compares a case's keys after the
entry with what it was counted as, so every path that changes the status or a flag moves it.

What moves which counter (the figures are *flows*: events that happened on the day):

=============== ==========================================================================
REPORT          ``reported`` and ``reported_<source>`` (the channel). A case resolved on the spot (自行处置) is written by the intake
                service as the whole chain (accept … verify, each entry counted as below,
                VERIFY_PASS adding ``closed_on_spot``); a REPORT entry that itself ends
                ``closed`` counts that chain at once (``accepted``, ``closed``,
                ``closed_on_time``, ``closed_on_spot`` and its level's share)
ACCEPT          ``accepted`` (立案数)
SIGN            ``signed``; ``signed_on_time`` when ``data["on_time"]`` (else: at ≤ sign_due_at)
REPLY           ``replied`` (the denominator of 返工率)
VERIFY_FAIL     ``reworked``
VERIFY_PASS     ``closed``; ``closed_on_time`` when ``data["on_time"]`` (else: at ≤
                handle_due_at); ``handle_seconds`` += accepted → closed; ``closed_<level>``
                by the level that resolved it (``data["resolved_level"]``, the case's
                resolved/assigned level; a department counts as the county);
                ``closed_on_spot`` for a case resolved on the spot
RATE            ``rated`` and one of ``satisfied`` / ``basic`` / ``unsatisfied``
REOPEN          nothing: the case is counted again when it is closed (and rated) again,
                so 结案数 counts closures, not distinct cases
others          nothing (dispatch, return, urge, overdue, comments …)
=============== ==========================================================================

Reading
-------
:func:`indicators_for`, :func:`series_for` and :func:`breakdown_for` read the rows of one area
(or of its children, in one query) and need :attr:`Perm.VIEW_STATS` at that area; outside the
jurisdiction they answer :class:`~gridgov.core.errors.NotFound`. The rates (``None`` when the
denominator is zero, shown as "—"):

* 结案率 ``closed_rate`` = closed / accepted
* 按期结案率 ``closed_on_time_rate`` = closed_on_time / closed
* 按时签收率 ``signed_on_time_rate`` = signed_on_time / signed
* 返工率 ``rework_rate`` = reworked / replied
* 满意率 ``satisfaction_rate`` = (satisfied + basic) / rated — "basically satisfied" counts as
  satisfied, as in the 12345 evaluation
* 平均办理时长 ``avg_handle_seconds`` = handle_seconds / closed (calendar seconds from 立案 to 办结)
* shares resolved at the grid / community / street / county (departments count as county) and
  on the spot: closed_<level> / closed

:func:`rebuild` recomputes the rows from the timelines (``gridgov rebuild-case-stats``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.models import Case, CaseStat
from gridgov.cases.states import OPEN_STATES, Action, HandlingLevel, Rating, Source, Status
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.kernel.counters.readers import flows_for, stock_for
from gridgov.kernel.counters.registry import Kind, get, register
from gridgov.kernel.counters.writer import add_flows, count, count_many
from gridgov.workcal.selectors import work_timezone

# Every counter column of CaseStat, in a fixed order.
COUNTERS: tuple[str, ...] = (
    "reported",
    "accepted",
    "closed",
    "closed_on_time",
    "signed",
    "signed_on_time",
    "replied",
    "reworked",
    "rated",
    "satisfied",
    "basic",
    "unsatisfied",
    "handle_seconds",
    "closed_grid",
    "closed_community",
    "closed_street",
    "closed_county",
    "closed_on_spot",
    *(f"reported_{source}" for source in Source.values),
)
# The flow of reports by channel: ``reported_<source>`` (see :class:`~gridgov.cases.states.Source`).
CHANNEL_FIELDS: dict[str, str] = {source: f"reported_{source}" for source in Source.values}

LEVEL_FIELDS: dict[int, str] = {
    int(HandlingLevel.GRID): "closed_grid",
    int(HandlingLevel.COMMUNITY): "closed_community",
    int(HandlingLevel.STREET): "closed_street",
    int(HandlingLevel.COUNTY): "closed_county",
}
RATING_FIELDS: dict[str, str] = {
    Rating.SATISFIED.value: "satisfied",
    Rating.BASIC.value: "basic",
    Rating.UNSATISFIED.value: "unsatisfied",
}


# The longest period the reads accept (a custom range): three years of daily rows.
MAX_PERIOD_DAYS = 3 * 366


# --- Writing ----------------------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    """The local date (the working-time zone, ``GRIDGOV_TIME_ZONE``) of ``moment``."""
    return moment.astimezone(work_timezone()).date()


def _level_field(level: int | None) -> str:
    """The closed_<level> counter of a handling level; levels below the grid count as grid,
    levels above the county as county."""
    if level is None:
        return "closed_grid"
    level = int(level)
    if level >= HandlingLevel.GRID:
        return "closed_grid"
    if level <= HandlingLevel.COUNTY:
        return "closed_county"
    return LEVEL_FIELDS[level]


def _closing_level(case: Any, data: dict[str, Any]) -> int | None:
    if data.get("resolved_level") is not None:
        return int(data["resolved_level"])
    if getattr(case, "resolved_level", None) is not None:
        return int(case.resolved_level)
    if getattr(case, "assigned_department_id", None) is not None:
        return int(HandlingLevel.COUNTY)
    if getattr(case, "assigned_level", None) is not None:
        return int(case.assigned_level)
    area = getattr(case, "area", None)
    return int(area.level) if area is not None else None


def _on_time(data: dict[str, Any], at: datetime, due: datetime | None) -> bool:
    if "on_time" in data and data["on_time"] is not None:
        return bool(data["on_time"])
    return due is None or at <= due


def event_deltas(*, case: Any, event: Any) -> dict[str, int]:
    """The counter increments of one timeline entry (see the module docstring)."""
    action = str(event.action)
    data: dict[str, Any] = event.data or {}
    at: datetime = event.at
    d: dict[str, int] = {}
    if action == Action.REPORT:
        d["reported"] = 1
        channel = CHANNEL_FIELDS.get(str(case.source or ""))
        if channel:
            d[channel] = 1
        if str(event.to_status) == Status.CLOSED:  # resolved on the spot: the whole chain
            d.update(accepted=1, closed=1, closed_on_time=1, closed_on_spot=1)
            d[_level_field(_closing_level(case, data))] = 1
    elif action == Action.ACCEPT:
        d["accepted"] = 1
    elif action == Action.SIGN:
        d["signed"] = 1
        if _on_time(data, at, case.sign_due_at):
            d["signed_on_time"] = 1
    elif action == Action.REPLY:
        d["replied"] = 1
    elif action == Action.VERIFY_FAIL:
        d["reworked"] = 1
    elif action == Action.VERIFY_PASS:
        d["closed"] = 1
        if _on_time(data, at, case.handle_due_at):
            d["closed_on_time"] = 1
        if case.accepted_at is not None:
            d["handle_seconds"] = max(0, int((at - case.accepted_at).total_seconds()))
        d[_level_field(_closing_level(case, data))] = 1
        if data.get("on_spot") or case.resolved_on_spot:
            d["closed_on_spot"] = 1
    elif action == Action.RATE:
        field = RATING_FIELDS.get(str(data.get("rating") or case.rating or ""))
        if field:
            d["rated"] = 1
            d[field] = 1
    return {k: v for k, v in d.items() if v}


def _area_path(case: Any) -> str:
    return str(case.area_path or case.area.path)


def add_to_rows(rows: Iterable[tuple[int, date]], deltas: dict[str, int]) -> None:
    """Add ``deltas`` to the CaseStat rows ``rows`` (area id, day), creating missing rows: one
    upsert statement (see :mod:`gridgov.kernel.counters.writer`)."""
    add_flows(get("cases"), {row: deltas for row in rows})


def on_event(*, case: Any, event: Any) -> None:
    """Move the counters of ``case``'s area and all its ancestors for ``event``: the CaseStat
    flows and the stock (open / overdue / by status)."""
    count("cases", case, event)


def on_events(pairs: Iterable[tuple[Any, Any]]) -> None:
    """:func:`on_event` for many (case, timeline entry) pairs at once: the increments summed
    per (area, day), the stock compared once per case, a few statements in all."""
    count_many("cases", pairs)


# --- Stock: what holds now -----------------------------------------------------------------------

STATUS_KEYS: tuple[str, ...] = tuple(f"status:{s}" for s in Status.values)
STOCK_KEYS: tuple[str, ...] = ("open", "overdue", *STATUS_KEYS)

# Entries that never change a case's status or overdue flags (no stock read or write).
_NEUTRAL = frozenset(
    {Action.COMMENT, Action.URGE, Action.REQUEST_DELAY, Action.DENY_DELAY, Action.MERGED_IN}
)


def is_overdue(*, status: str, sign_overdue: bool, handle_overdue: bool) -> bool:
    """Overdue now: the clock that runs has passed its deadline (the sweep's flags: sign-for
    while assigned, handling while in progress or suspended)."""
    if status == Status.ASSIGNED:
        return bool(sign_overdue)
    if status in (Status.IN_PROGRESS, Status.SUSPENDED):
        return bool(handle_overdue)
    return False


def stock_keys_of(*, status: str, sign_overdue: bool, handle_overdue: bool) -> frozenset[str]:
    """The stock keys a case counts in: its status, ``open`` unless final, ``overdue``."""
    keys = {f"status:{status}"}
    if status in OPEN_STATES:
        keys.add("open")
    if is_overdue(status=status, sign_overdue=sign_overdue, handle_overdue=handle_overdue):
        keys.add("overdue")
    return frozenset(keys)


def _stock_of(case: Any) -> frozenset[str]:
    return stock_keys_of(
        status=str(case.status),
        sign_overdue=bool(case.sign_overdue),
        handle_overdue=bool(case.handle_overdue),
    )


def case_facts() -> Iterable[tuple[int, str, frozenset[str]]]:
    """(id, area path, stock keys) of every case, for the stock rebuild."""
    rows = Case.objects.order_by("pk").values_list(
        "pk", "area_path", "status", "sign_overdue", "handle_overdue"
    )
    for pk, path, status, sign, handle in rows.iterator(chunk_size=5000):
        yield pk, path, stock_keys_of(status=status, sign_overdue=sign, handle_overdue=handle)


def _rebuild_flows(date_from: date | None, date_to: date | None) -> int:
    return rebuild(date_from=date_from, date_to=date_to)


KIND = register(
    Kind(
        name="cases",
        flows=COUNTERS,
        flow_deltas=lambda case, event: event_deltas(case=case, event=event),
        stock_keys=STOCK_KEYS,
        stock_of=_stock_of,
        area_path_of=_area_path,
        object_id_of=lambda case: int(case.pk),
        day_of=lambda event: local_day(event.at),
        flow_model=CaseStat,
        creates=lambda event: str(event.action) == Action.REPORT,
        neutral=lambda event: (
            str(event.action) in _NEUTRAL and event.from_status == event.to_status
        ),
        rebuild_flows=_rebuild_flows,
        facts=case_facts,
    )
)


# --- Repair: recompute from the fact tables ----------------------------------------------------


def rebuild(*, date_from: date | None = None, date_to: date | None = None) -> int:
    """Recompute the CaseStat rows of the days ``date_from`` … ``date_to`` (default: all) from
    the timelines (see :func:`gridgov.cases.indicators_rebuild.rebuild_flows`)."""
    from gridgov.cases.indicators_rebuild import rebuild_flows

    return rebuild_flows(date_from=date_from, date_to=date_to)


# --- Reading ----------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return None if not den else num / den


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    """The indicators computed from summed counters (``None`` for a zero denominator)."""
    closed = counts["closed"]
    return {
        "closed_rate": _ratio(closed, counts["accepted"]),
        "closed_on_time_rate": _ratio(counts["closed_on_time"], closed),
        "signed_on_time_rate": _ratio(counts["signed_on_time"], counts["signed"]),
        "rework_rate": _ratio(counts["reworked"], counts["replied"]),
        "satisfaction_rate": _ratio(counts["satisfied"] + counts["basic"], counts["rated"]),
        "avg_handle_seconds": _ratio(counts["handle_seconds"], closed),
        "share_grid": _ratio(counts["closed_grid"], closed),
        "share_community": _ratio(counts["closed_community"], closed),
        "share_street": _ratio(counts["closed_street"], closed),
        "share_county": _ratio(counts["closed_county"], closed),
        "share_on_spot": _ratio(counts["closed_on_spot"], closed),
    }


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise ValidationFailed(
            _("The period must not end before it starts."),
            fields={"to": _("The period must not end before it starts.")},
        )
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("The period may be at most three years."),
            fields={"from": _("The period may be at most three years.")},
        )


def _require_stats(actor: Any, area: Area) -> None:
    if not scoping.can(actor, Perm.VIEW_STATS, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))


def indicators_for(*, actor: Any, area: Area, date_from: date, date_to: date) -> dict[str, Any]:
    """The counters and indicators of ``area``'s subtree for the days ``date_from`` to
    ``date_to`` (inclusive): ``{"counts": {...}, "rates": {...}}``. One query over at most one
    row per day."""
    _require_stats(actor, area)
    check_period(date_from, date_to)
    counts = flows_for("cases", area, date_from, date_to)
    return {"counts": counts, "rates": rates(counts)}


def stock_now(*, actor: Any, area: Area) -> dict[str, Any]:
    """What holds now in ``area``'s subtree (whatever the period): ``{"open": n, "overdue": n,
    "by_status": {status: n}}``, from the maintained stock rows (one query)."""
    _require_stats(actor, area)
    stock = stock_for("cases", area)
    return {
        "open": stock["open"],
        "overdue": stock["overdue"],
        "by_status": {s: stock[f"status:{s}"] for s in Status.values},
    }


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def series_for(
    *, actor: Any, area: Area, date_from: date, date_to: date, granularity: str = "day"
) -> list[dict[str, Any]]:
    """The counters of ``area``'s subtree per day (or per month: ``granularity="month"``, the
    first day of the month as ``period``), every period of the range present (zeros included).
    Each item: ``{"period": date, "counts": {...}, "rates": {...}}``."""
    _require_stats(actor, area)
    check_period(date_from, date_to)
    if granularity not in ("day", "month"):
        raise ValidationFailed(
            _("Choose day or month."), fields={"granularity": _("Choose day or month.")}
        )
    by_day = {
        row["day"]: row
        for row in CaseStat.objects.filter(area=area, day__gte=date_from, day__lte=date_to).values(
            "day", *COUNTERS
        )
    }
    buckets: dict[date, dict[str, int]] = {}
    day = date_from
    while day <= date_to:
        key = day if granularity == "day" else _month_start(day)
        bucket = buckets.setdefault(key, _zero())
        row = by_day.get(day)
        if row is not None:
            for c in COUNTERS:
                bucket[c] += int(row[c])
        day += timedelta(days=1)
    return [{"period": p, "counts": c, "rates": rates(c)} for p, c in buckets.items()]


def breakdown_for(
    *, actor: Any, area: Area, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """The counters and indicators of each active child of ``area`` (one query over the
    children's rows), in code order: ``{"area": Area, "counts": {...}, "rates": {...}}``."""
    _require_stats(actor, area)
    check_period(date_from, date_to)
    children = list(
        Area.objects.filter(parent=area, is_active=True).defer("geometry").order_by("code")
    )
    sums: dict[int, dict[str, Any]] = {
        row["area_id"]: dict(row)
        for row in CaseStat.objects.filter(
            area_id__in=[a.pk for a in children], day__gte=date_from, day__lte=date_to
        )
        .values("area_id")
        .annotate(**{f"s_{c}": Sum(c) for c in COUNTERS})
        .order_by()
    }
    result = []
    for child in children:
        row = sums.get(child.pk)
        counts = {c: int(row[f"s_{c}"] or 0) if row else 0 for c in COUNTERS}
        result.append({"area": child, "counts": counts, "rates": rates(counts)})
    return result


def stats_areas_for(*, actor: Any) -> list[Area]:
    """The top areas where ``actor`` may view statistics (the area picker's roots)."""
    return scoping.jurisdiction_roots(actor, Perm.VIEW_STATS)


def stats_area_get(*, actor: Any, pk: int | None) -> Area:
    """The area ``pk`` if ``actor`` may view its statistics (NotFound otherwise); without
    ``pk`` the first top area of their statistics jurisdiction."""
    if pk is None:
        roots = stats_areas_for(actor=actor)
        if not roots:
            raise NotFound(_("Not found, or outside your jurisdiction."))
        return roots[0]
    area = Area.objects.filter(pk=pk).defer("geometry").first()
    if area is None or not scoping.can(actor, Perm.VIEW_STATS, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return area


# --- Periods ----------------------------------------------------------------------------------

PERIODS = ("this_month", "last_month", "this_year", "custom")


def local_today() -> date:
    from django.utils import timezone

    return local_day(timezone.now())


def period_bounds(
    preset: str,
    *,
    today: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[date, date]:
    """The days of a named period (``this_month`` up to today, ``last_month``, ``this_year``
    up to today) or of a ``custom`` one (missing ends: the start of this month / today)."""
    today = today or local_today()
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    if preset == "custom":
        start = date_from or today.replace(day=1)
        end = date_to or today
        check_period(start, end)
        return start, end
    return today.replace(day=1), today
