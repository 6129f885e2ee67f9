"""Writing the counters, inside the caller's transaction.

:func:`count` (one timeline entry) and :func:`count_many` (entries written together: a sweep,
a batch intake, an on-the-spot chain) do two things for a registered kind:

* **flows**: the entry's increments are added to the row of *(area, day)* for the object's area
  **and every ancestor** in one upsert statement (SQLite ≥ 3.24 and PostgreSQL)::

      INSERT INTO t (kind, area_id, day, name, value) VALUES (…), (…), …
      ON CONFLICT (kind, area_id, day, name) DO UPDATE SET value = t.value + excluded.value

  (or, for a kind with its own wide table, one column per flow, the same shape on
  ``(area_id, day)``);
* **stock**: the object's keys after the change are compared with what it was counted as (its
  :class:`~gridgov.kernel.counters.models.CounterMember` row, read by primary key unless the
  entry creates the object or the kind says it is neutral); the keys that differ move by ±1 in
  the area and every ancestor, again one upsert, and the member row is upserted.

Statements are built once per shape (cached) and run through
:func:`gridgov.core.statements.execute` (the hot path's statement runner); rows are written in a
fixed order so concurrent writers lock them in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection

from gridgov.core.statements import execute
from gridgov.kernel.counters.models import CounterMember, FlowCount, StockCount
from gridgov.kernel.counters.registry import Kind, ancestor_ids, get

# Rows per statement when many are written at once (well under SQLite's 32 766 parameters).
CHUNK = 500

Member = tuple[str, frozenset[str]]  # (area path, keys)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    return execute(sql, list(params))


# --- Flows ------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _wide_sql(table: str, counters: tuple[str, ...], n_rows: int, changed: tuple[str, ...]) -> str:
    """Upsert of ``n_rows`` (area, day) rows of a wide flow table adding to ``changed``; the
    other counters are literal zeros."""
    t = _q(table)
    cols = ", ".join(_q(c) for c in ("area_id", "day", *counters))
    one = "(%s, %s, " + ", ".join("%s" if c in changed else "0" for c in counters) + ")"
    sets = ", ".join(f"{_q(c)} = {t}.{_q(c)} + excluded.{_q(c)}" for c in changed)
    return (
        f"INSERT INTO {t} ({cols}) VALUES {', '.join([one] * n_rows)} "
        f"ON CONFLICT ({_q('area_id')}, {_q('day')}) DO UPDATE SET {sets}"
    )


@lru_cache(maxsize=64)
def _narrow_sql(n_rows: int) -> str:
    t = _q(FlowCount._meta.db_table)
    cols = ", ".join(_q(c) for c in ("kind", "area_id", "day", "name", "value"))
    v = _q("value")
    return (
        f"INSERT INTO {t} ({cols}) VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * n_rows)} "
        f"ON CONFLICT ({_q('kind')}, {_q('area_id')}, {_q('day')}, {_q('name')}) "
        f"DO UPDATE SET {v} = {t}.{v} + excluded.{v}"
    )


def add_flows(kind: Kind, totals: dict[tuple[int, date], dict[str, int]]) -> None:
    """Add the increments ``totals[(area id, day)]`` to the kind's flow rows."""
    items = sorted(totals.items())
    if kind.flow_model is not None:
        table = kind.flow_model._meta.db_table
        by_shape: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        shapes: dict[int, tuple[str, ...]] = {}  # rows often share one dict of increments
        for (area_id, day), deltas in items:
            changed = shapes.get(id(deltas))
            if changed is None:
                changed = shapes[id(deltas)] = tuple(c for c in kind.flows if deltas.get(c))
            if changed:
                by_shape[changed].append([area_id, day, *(int(deltas[c]) for c in changed)])
        for changed, rows in by_shape.items():
            for i in range(0, len(rows), CHUNK):
                chunk = rows[i : i + CHUNK]
                sql = _wide_sql(table, kind.flows, len(chunk), changed)
                _run(sql, [p for row in chunk for p in row])
        return
    flat = [
        (kind.name, area_id, day, name, int(v))
        for (area_id, day), deltas in items
        for name, v in sorted(deltas.items())
        if v
    ]
    for i in range(0, len(flat), CHUNK):
        part = flat[i : i + CHUNK]
        _run(_narrow_sql(len(part)), [p for row in part for p in row])


def _add_flows_one(kind: Kind, area_ids: list[int], day: date, deltas: dict[str, int]) -> None:
    """:func:`add_flows` for one entry: the same increments for the area and its ancestors,
    the parameters built directly (the per-report path)."""
    if kind.flow_model is None:
        add_flows(kind, {(a, day): deltas for a in area_ids})
        return
    changed = tuple(c for c in kind.flows if deltas.get(c))
    if not changed:
        return
    values = [int(deltas[c]) for c in changed]
    params: list[Any] = []
    for area_id in area_ids:
        params.append(area_id)
        params.append(day)
        params.extend(values)
    _run(_wide_sql(kind.flow_model._meta.db_table, kind.flows, len(area_ids), changed), params)


# --- Stock ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _stock_sql(n_rows: int) -> str:
    t = _q(StockCount._meta.db_table)
    cols = ", ".join(_q(c) for c in ("kind", "area_id", "key", "value"))
    v = _q("value")
    return (
        f"INSERT INTO {t} ({cols}) VALUES {', '.join(['(%s, %s, %s, %s)'] * n_rows)} "
        f"ON CONFLICT ({_q('kind')}, {_q('area_id')}, {_q('key')}) "
        f"DO UPDATE SET {v} = {t}.{v} + excluded.{v}"
    )


@lru_cache(maxsize=64)
def _member_sql(n_rows: int) -> str:
    t = _q(CounterMember._meta.db_table)
    cols = ", ".join(_q(c) for c in ("kind", "object_id", "area_path", "keys"))
    return (
        f"INSERT INTO {t} ({cols}) VALUES {', '.join(['(%s, %s, %s, %s)'] * n_rows)} "
        f"ON CONFLICT ({_q('kind')}, {_q('object_id')}) DO UPDATE SET "
        f"{_q('area_path')} = excluded.{_q('area_path')}, {_q('keys')} = excluded.{_q('keys')}"
    )


@lru_cache(maxsize=64)
def _read_sql(n_ids: int) -> str:
    t = _q(CounterMember._meta.db_table)
    return (
        f"SELECT {_q('object_id')}, {_q('area_path')}, {_q('keys')} FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('object_id')} IN ({', '.join(['%s'] * n_ids)})"
    )


def _keys(text: str) -> frozenset[str]:
    return frozenset(k for k in text.split(",") if k)


def read_members(kind: str, object_ids: Iterable[int]) -> dict[int, Member]:
    """What the objects ``object_ids`` of ``kind`` are counted as now (absent: nothing)."""
    ids = sorted(set(object_ids))
    found: dict[int, Member] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        for oid, path, keys in _run(_read_sql(len(chunk)), [kind, *chunk]):
            found[int(oid)] = (path, _keys(keys))
    return found


def stock_deltas(
    before: Member | None, after: Member, totals: dict[tuple[int, str], int] | None = None
) -> dict[tuple[int, str], int]:
    """The ±1 per (area id, key) that take an object from ``before`` to ``after`` (each a
    (path, keys) pair), summed into ``totals``; an area move moves every key."""
    totals = totals if totals is not None else defaultdict(int)
    if before is not None:
        for area_id in ancestor_ids(before[0]):
            for key in before[1]:
                totals[(area_id, key)] -= 1
    for area_id in ancestor_ids(after[0]):
        for key in after[1]:
            totals[(area_id, key)] += 1
    return totals


def add_stock(kind: str, totals: dict[tuple[int, str], int]) -> None:
    """Add ``totals[(area id, key)]`` to the kind's stock rows (zeros skipped)."""
    rows = sorted((a, k, v) for (a, k), v in totals.items() if v)
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        _run(_stock_sql(len(chunk)), [p for a, k, v in chunk for p in (kind, a, k, v)])


def write_members(kind: str, members: dict[int, Member]) -> None:
    rows = sorted(members.items())
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        params: list[Any] = []
        for oid, (path, keys) in chunk:
            params.extend((kind, oid, path, ",".join(sorted(keys))))
        _run(_member_sql(len(chunk)), params)


# --- Entry points -----------------------------------------------------------------------------


def count(kind: str, obj: Any, event: Any) -> None:
    """Move the counters of ``kind`` for one timeline entry ``event`` of ``obj`` (``obj``
    already in its state after the entry)."""
    k = get(kind)
    deltas = k.flow_deltas(obj, event)
    path = k.area_path_of(obj)
    if deltas:
        _add_flows_one(k, ancestor_ids(path), k.day_of(event), deltas)
    if k.neutral(event):
        return
    oid = k.object_id_of(obj)
    after: Member = (path, k.stock_of(obj))
    before = None if k.creates(event) else read_members(kind, [oid]).get(oid)
    if before == after:
        return
    add_stock(kind, stock_deltas(before, after))
    write_members(kind, {oid: after})


def count_many(kind: str, pairs: Iterable[tuple[Any, Any]]) -> None:
    """:func:`count` for many (object, entry) pairs in a few statements: flows summed per
    (area, day); stock compared once per object (what it was counted as before the first
    entry against its state after the last)."""
    k = get(kind)
    flows: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    last: dict[int, Any] = {}
    created: set[int] = set()
    for obj, event in pairs:
        deltas = k.flow_deltas(obj, event)
        if deltas:
            day = k.day_of(event)
            for area_id in ancestor_ids(k.area_path_of(obj)):
                bucket = flows[(area_id, day)]
                for name, v in deltas.items():
                    bucket[name] += v
        if k.neutral(event):
            continue
        oid = k.object_id_of(obj)
        last[oid] = obj
        if k.creates(event):
            created.add(oid)
    add_flows(k, flows)
    if not last:
        return
    before = read_members(kind, [oid for oid in last if oid not in created])
    stock: dict[tuple[int, str], int] = defaultdict(int)
    changed: dict[int, Member] = {}
    for oid, obj in last.items():
        after: Member = (k.area_path_of(obj), k.stock_of(obj))
        old = before.get(oid)
        if old != after:
            stock_deltas(old, after, stock)
            changed[oid] = after
    add_stock(kind, stock)
    write_members(kind, changed)


# --- Area moves -------------------------------------------------------------------------------


def area_moved(*, old_path: str, new_path: str) -> None:
    """After an area moved from ``old_path`` to ``new_path`` (its subtree with it): its stock —
    the rows of the moved area itself, which hold its whole subtree — leaves the old ancestors
    and joins the new ones, for every kind, and the member rows under it are re-pathed. Flows
    stay where they were counted (history; ``rebuild-counters`` re-attributes them).

    Called by the area move in its transaction through ``areas.services.AREA_MOVE_HOOKS`` (one
    read and a few statements)."""
    from django.db.models import Value
    from django.db.models.functions import Concat, Length, Substr

    moved = ancestor_ids(new_path)[-1]
    old_above, new_above = ancestor_ids(old_path)[:-1], ancestor_ids(new_path)[:-1]
    by_kind: dict[str, dict[tuple[int, str], int]] = defaultdict(lambda: defaultdict(int))
    for kind, key, value in StockCount.objects.filter(area_id=moved).values_list(
        "kind", "key", "value"
    ):
        for area_id in old_above:
            by_kind[kind][(area_id, key)] -= int(value)
        for area_id in new_above:
            by_kind[kind][(area_id, key)] += int(value)
    for kind, totals in sorted(by_kind.items()):
        add_stock(kind, totals)
    CounterMember.objects.filter(area_path__startswith=old_path).update(
        area_path=Concat(Value(new_path), Substr("area_path", Length(Value(old_path)) + 1))
    )
