"""Reading the counters as series and across many areas (the command centre's trends and
rankings), each in **one statement over the counter rows**, never over a fact table:

* :func:`flows_by_day` — the flows of one area's subtree per day of a range (at most one row
  per day of a wide table, or one per day and flow name of the shared table), every day of
  the range present, zeros included;
* :func:`flows_of_areas` — the flows of a period for each of many areas (the children of an
  area, to rank them): the rows of those areas and days, summed per area;
* :func:`stock_of_areas` — the stock now of each of many areas (the rows of those areas).

The statements are built once per shape and cached; a list of ids is padded to the next
power of two (repeating its last id, which an ``IN`` list ignores), so a handful of shapes
serve any number of areas. Rows come back through :func:`.readers.fetch` (the hot path's
statement runner, once per :func:`~.readers.reading` block), as in :mod:`.readers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.db import connection

from gridgov.kernel.counters.models import FlowCount, StockCount
from gridgov.kernel.counters.readers import fetch
from gridgov.kernel.counters.registry import get

# Ids per statement: well under SQLite's 32 766 parameters and PostgreSQL's 65 535.
MAX_IDS = 4096


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _day(value: Any) -> date:
    """A day column as ``date`` (SQLite may hand back the ISO text)."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _padded(ids: Sequence[int]) -> list[int]:
    """``ids`` (distinct, in order) padded to the next power of two with its last id."""
    unique = list(dict.fromkeys(int(i) for i in ids))
    size = 1
    while size < len(unique):
        size *= 2
    return unique + [unique[-1]] * (size - len(unique))


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = list(dict.fromkeys(int(i) for i in ids))
    return [unique[i : i + MAX_IDS] for i in range(0, len(unique), MAX_IDS)]


def _in(n: int) -> str:
    return "(" + ", ".join(["%s"] * n) + ")"


# --- Per day ----------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _wide_by_day_sql(table: str, flows: tuple[str, ...]) -> str:
    cols = ", ".join(_q(c) for c in flows)
    return (
        f"SELECT {_q('day')}, {cols} FROM {_q(table)} "
        f"WHERE {_q('area_id')} = %s AND {_q('day')} >= %s AND {_q('day')} <= %s"
    )


@lru_cache(maxsize=4)
def _narrow_by_day_sql() -> str:
    t = _q(FlowCount._meta.db_table)
    return (
        f"SELECT {_q('day')}, {_q('name')}, {_q('value')} FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('area_id')} = %s "
        f"AND {_q('day')} >= %s AND {_q('day')} <= %s"
    )


def days(date_from: date, date_to: date) -> list[date]:
    """Every day from ``date_from`` to ``date_to`` (inclusive)."""
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def flows_by_day(
    kind: str, area_id: int, date_from: date, date_to: date
) -> dict[date, dict[str, int]]:
    """``{day: {flow: n}}`` of ``kind`` in the subtree of ``area_id`` for every day from
    ``date_from`` to ``date_to`` (inclusive, in order; zeros where nothing happened). One
    index range read of the kind's flow rows."""
    k = get(kind)
    result = {d: dict.fromkeys(k.flows, 0) for d in days(date_from, date_to)}
    if k.flow_model is not None:
        sql = _wide_by_day_sql(k.flow_model._meta.db_table, k.flows)
        for row in fetch(sql, [int(area_id), date_from, date_to]):
            bucket = result.get(_day(row[0]))
            if bucket is not None:
                for name, value in zip(k.flows, row[1:], strict=True):
                    bucket[name] = int(value or 0)
        return result
    for day, name, value in fetch(_narrow_by_day_sql(), [kind, int(area_id), date_from, date_to]):
        bucket = result.get(_day(day))
        if bucket is not None:
            bucket[name] = bucket.get(name, 0) + int(value or 0)
    return result


# --- Many areas -------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _wide_areas_sql(table: str, flows: tuple[str, ...], n_ids: int) -> str:
    sums = ", ".join(f"SUM({_q(c)})" for c in flows)
    return (
        f"SELECT {_q('area_id')}, {sums} FROM {_q(table)} "
        f"WHERE {_q('area_id')} IN {_in(n_ids)} AND {_q('day')} >= %s AND {_q('day')} <= %s "
        f"GROUP BY {_q('area_id')}"
    )


@lru_cache(maxsize=64)
def _narrow_areas_sql(n_ids: int) -> str:
    t = _q(FlowCount._meta.db_table)
    return (
        f"SELECT {_q('area_id')}, {_q('name')}, SUM({_q('value')}) FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('area_id')} IN {_in(n_ids)} "
        f"AND {_q('day')} >= %s AND {_q('day')} <= %s "
        f"GROUP BY {_q('area_id')}, {_q('name')}"
    )


def flows_of_areas(
    kind: str, area_ids: Sequence[int], date_from: date, date_to: date
) -> dict[int, dict[str, int]]:
    """``{area id: {flow: n}}`` of ``kind`` for each of ``area_ids`` (each its subtree) on the
    days ``date_from`` … ``date_to``; every id present, zeros included. One statement over the
    counter rows of those areas and days (per :data:`MAX_IDS` ids)."""
    k = get(kind)
    result = {int(i): dict.fromkeys(k.flows, 0) for i in area_ids}
    for chunk in _chunks(area_ids):
        ids = _padded(chunk)
        if k.flow_model is not None:
            sql = _wide_areas_sql(k.flow_model._meta.db_table, k.flows, len(ids))
            for row in fetch(sql, [*ids, date_from, date_to]):
                bucket = result[int(row[0])]
                for name, value in zip(k.flows, row[1:], strict=True):
                    bucket[name] = int(value or 0)
        else:
            sql = _narrow_areas_sql(len(ids))
            for area_id, name, value in fetch(sql, [kind, *ids, date_from, date_to]):
                result[int(area_id)][name] = int(value or 0)
    return result


@lru_cache(maxsize=64)
def _stock_areas_sql(n_ids: int) -> str:
    t = _q(StockCount._meta.db_table)
    return (
        f"SELECT {_q('area_id')}, {_q('key')}, {_q('value')} FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('area_id')} IN {_in(n_ids)}"
    )


def stock_of_areas(kind: str, area_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """``{area id: {key: n}}``: the stock of ``kind`` now in each of ``area_ids``' subtrees
    (every declared key, zeros included). One statement over those areas' stock rows (per
    :data:`MAX_IDS` ids)."""
    keys = get(kind).stock_keys
    result = {int(i): dict.fromkeys(keys, 0) for i in area_ids}
    for chunk in _chunks(area_ids):
        ids = _padded(chunk)
        for area_id, key, value in fetch(_stock_areas_sql(len(ids)), [kind, *ids]):
            result[int(area_id)][key] = int(value)
    return result
