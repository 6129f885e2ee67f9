"""Maintained indicator counters (:class:`~gridgov.cases.models.CaseStat`) and their reads.

Writing
-------
:func:`on_event` is called by :func:`gridgov.cases.services.timeline.record_event` for every
timeline entry, inside the action's transaction. It maps the entry to counter increments
(:func:`event_deltas`) and adds them to the row of *(area, day)* for the case's area **and every
ancestor** (so a subtree's figures for a period are the rows of one area, never a scan of
cases), where *day* is the local date (``GRIDGOV_TIME_ZONE``, default ``Asia/Shanghai``) of the entry. The write is one
statement for all those rows, an upsert that works on SQLite (≥ 3.24) and PostgreSQL::

    INSERT INTO cases_casestat (area_id, day, <every counter>) VALUES (…), (…), …
    ON CONFLICT (area_id, day) DO UPDATE SET c = cases_casestat.c + excluded.c, …

What moves which counter (the figures are *flows*: events that happened on the day):

=============== ==========================================================================
REPORT          ``reported``. A case resolved on the spot (自行处置) is written by the intake
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

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.cases.models import Case, CaseEvent, CaseStat
from gridgov.cases.states import Action, HandlingLevel, Rating, Status
from gridgov.core.errors import NotFound, ValidationFailed
from gridgov.core.statements import execute
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
)

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

# Rows per upsert statement when many are written at once (well under SQLite's 32 766
# parameters with every counter changed).
UPSERT_ROWS = 500

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


def _ancestor_ids(case: Any) -> list[int]:
    path = case.area_path or case.area.path
    return [int(p) for p in path.split("/") if p]


@lru_cache(maxsize=256)
def _upsert_sql(vendor: str, n_rows: int, changed: tuple[str, ...]) -> str:
    """The upsert of ``n_rows`` rows adding to the ``changed`` counters; the other counters
    are literal zeros, so the parameters are only (area id, day, changed values) per row.
    Cached: built once per shape, so the per-event cost is the statement alone."""
    q = connection.ops.quote_name
    table = q(CaseStat._meta.db_table)
    cols = ", ".join(q(c) for c in ("area_id", "day", *COUNTERS))
    one = "(%s, %s, " + ", ".join("%s" if c in changed else "0" for c in COUNTERS) + ")"
    sets = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in changed)
    return (
        f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * n_rows)} "
        f"ON CONFLICT ({q('area_id')}, {q('day')}) DO UPDATE SET {sets}"
    )


def add_to_rows(rows: Iterable[tuple[int, date]], deltas: dict[str, int]) -> None:
    """Add ``deltas`` to the CaseStat rows ``rows`` (area id, day), creating missing rows: one
    upsert statement (see the module docstring)."""
    rows = list(rows)
    changed = tuple(c for c in COUNTERS if deltas.get(c))
    if not rows or not changed:
        return
    values = [int(deltas[c]) for c in changed]
    params: list[Any] = []
    for area_id, day in rows:
        params.append(area_id)
        params.append(day)
        params.extend(values)
    conn = connections[DEFAULT_DB_ALIAS]
    execute(_upsert_sql(conn.vendor, len(rows), changed), params, conn)


def on_event(*, case: Any, event: Any) -> None:
    """Move the CaseStat counters of ``case``'s area and all its ancestors for ``event``."""
    deltas = event_deltas(case=case, event=event)
    if not deltas:
        return
    day = local_day(event.at)
    add_to_rows(((area_id, day) for area_id in _ancestor_ids(case)), deltas)


def on_events(pairs: Iterable[tuple[Any, Any]]) -> None:
    """:func:`on_event` for many (case, timeline entry) pairs at once: the increments summed
    per (area, day) and written in one upsert per set of changed counters (rows in a fixed
    order, so concurrent writers lock them in the same order)."""
    totals: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case, event in pairs:
        deltas = event_deltas(case=case, event=event)
        if not deltas:
            continue
        day = local_day(event.at)
        for area_id in _ancestor_ids(case):
            bucket = totals[(area_id, day)]
            for k, v in deltas.items():
                bucket[k] += v
    by_shape: dict[tuple[str, ...], list[tuple[int, date, list[int]]]] = defaultdict(list)
    for (area_id, day), deltas in sorted(totals.items()):
        changed = tuple(c for c in COUNTERS if deltas.get(c))
        if changed:
            by_shape[changed].append((area_id, day, [int(deltas[c]) for c in changed]))
    for changed, rows in by_shape.items():
        for i in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[i : i + UPSERT_ROWS]
            params: list[Any] = []
            for area_id, day, values in chunk:
                params.append(area_id)
                params.append(day)
                params.extend(values)
            execute(_upsert_sql(connection.vendor, len(chunk), changed), params)


# --- Repair: recompute from the timelines -----------------------------------------------------


def rebuild(*, date_from: date | None = None, date_to: date | None = None) -> int:
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


def _sums(rows: Any) -> dict[str, Any]:
    return rows.aggregate(**{c: Sum(c) for c in COUNTERS})


def indicators_for(*, actor: Any, area: Area, date_from: date, date_to: date) -> dict[str, Any]:
    """The counters and indicators of ``area``'s subtree for the days ``date_from`` to
    ``date_to`` (inclusive): ``{"counts": {...}, "rates": {...}}``. One query over at most one
    row per day."""
    _require_stats(actor, area)
    check_period(date_from, date_to)
    sums = _sums(CaseStat.objects.filter(area=area, day__gte=date_from, day__lte=date_to))
    counts = {c: int(sums[c] or 0) for c in COUNTERS}
    return {"counts": counts, "rates": rates(counts)}


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
