"""Reading the counters: a tile is one index range of one table, never a scan of facts.

* :func:`stock_for` — the stock of a kind in an area's subtree now (the rows of one
  (kind, area): a handful);
* :func:`flows_for` — the flows of a kind in an area's subtree for a period (at most one row per
  day and flow name);
* :func:`tiles_for` — both, for several kinds, checked against the actor's statistics
  jurisdiction;
* :func:`children_stock` — the stock of each active child of an area (one statement);
* :func:`reading` — a block in which the same counter read is answered once (a screen's tiles
  read the same trend and period rows several times: one statement each instead).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.core.errors import NotFound
from gridgov.core.statements import execute
from gridgov.kernel.counters.models import FlowCount, StockCount
from gridgov.kernel.counters.registry import get


def _area_id(area: Area | int) -> int:
    return area if isinstance(area, int) else int(area.pk)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# The rows read in the current :func:`reading` block, by statement and parameters (None: no
# block, every read goes to the database).
_memo: ContextVar[dict[tuple[Any, ...], list[tuple[Any, ...]]] | None] = ContextVar(
    "gridgov_counters_memo", default=None
)


@contextmanager
def reading() -> Iterator[None]:
    """Inside the block, a counter read (of this module or of :mod:`.series`) that was already
    made in it — the same statement with the same parameters — is answered from the rows read
    the first time, without a statement. For one screen's worth of reads (the tiles of an area
    read the same 30 days and the same period sums several times); the figures are those of
    the block's first read of them, so keep the block to one request."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of a counter read (once per :func:`reading` block)."""
    memo = _memo.get()
    if memo is None:
        return execute(sql, params)
    key = (sql, *params)
    rows = memo.get(key)
    if rows is None:
        rows = memo[key] = execute(sql, params)
    return rows


_fetch = fetch


# The statements of the tile reads, built once per shape: a tile is on the command centre's hot
# path, where compiling an ORM aggregate of many sums would cost more than the read itself.


@lru_cache(maxsize=8)
def _stock_sql() -> str:
    t = _q(StockCount._meta.db_table)
    return (
        f"SELECT {_q('key')}, {_q('value')} FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('area_id')} = %s"
    )


@lru_cache(maxsize=64)
def _wide_flows_sql(table: str, flows: tuple[str, ...]) -> str:
    sums = ", ".join(f"SUM({_q(c)})" for c in flows)
    return (
        f"SELECT {sums} FROM {_q(table)} "
        f"WHERE {_q('area_id')} = %s AND {_q('day')} >= %s AND {_q('day')} <= %s"
    )


@lru_cache(maxsize=8)
def _narrow_flows_sql() -> str:
    t = _q(FlowCount._meta.db_table)
    return (
        f"SELECT {_q('name')}, SUM({_q('value')}) FROM {t} "
        f"WHERE {_q('kind')} = %s AND {_q('area_id')} = %s "
        f"AND {_q('day')} >= %s AND {_q('day')} <= %s GROUP BY {_q('name')}"
    )


def stock_for(kind: str, area: Area | int) -> dict[str, int]:
    """``{key: how many now}`` of ``kind`` in ``area``'s subtree (every declared key, zeros
    included, plus any other key that has a row). One index read."""
    result = dict.fromkeys(get(kind).stock_keys, 0)
    for key, value in _fetch(_stock_sql(), [kind, _area_id(area)]):
        result[key] = int(value)
    return result


def flows_for(kind: str, area: Area | int, date_from: date, date_to: date) -> dict[str, int]:
    """``{flow: how many}`` of ``kind`` in ``area``'s subtree on the days ``date_from`` to
    ``date_to`` (inclusive). One index range read (at most one row per day and flow)."""
    k = get(kind)
    params: list[Any] = [_area_id(area), date_from, date_to]
    if k.flow_model is not None:
        row = _fetch(_wide_flows_sql(k.flow_model._meta.db_table, k.flows), params)[0]
        return {c: int(v or 0) for c, v in zip(k.flows, row, strict=True)}
    result = dict.fromkeys(k.flows, 0)
    for name, total in _fetch(_narrow_flows_sql(), [kind, *params]):
        result[name] = int(total or 0)
    return result


def tile(kind: str, area: Area | int, date_from: date, date_to: date) -> dict[str, Any]:
    """One command-centre tile: ``{"stock": {...}, "flows": {...}}`` (two index reads)."""
    return {
        "stock": stock_for(kind, area),
        "flows": flows_for(kind, area, date_from, date_to),
    }


def tiles_for(
    *, actor: Any, area: Area, kinds: list[str], date_from: date, date_to: date
) -> dict[str, dict[str, Any]]:
    """The tiles of ``kinds`` for ``area`` if ``actor`` may view its statistics
    (:class:`~gridgov.core.errors.NotFound` otherwise)."""
    if not scoping.can(actor, Perm.VIEW_STATS, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return {kind: tile(kind, area, date_from, date_to) for kind in kinds}


@lru_cache(maxsize=8)
def _children_sql() -> str:
    a, t = _q(Area._meta.db_table), _q(StockCount._meta.db_table)
    return (
        f"SELECT a.{_q('id')}, a.{_q('code')}, a.{_q('name')}, s.{_q('key')}, s.{_q('value')} "
        f"FROM {a} a LEFT JOIN {t} s ON s.{_q('area_id')} = a.{_q('id')} AND s.{_q('kind')} = %s "
        f"WHERE a.{_q('parent_id')} = %s AND a.{_q('is_active')} = %s ORDER BY a.{_q('code')}"
    )


def children_stock(kind: str, area: Area | int) -> list[dict[str, Any]]:
    """The stock of ``kind`` in each active child of ``area``, in code order (one statement):
    ``{"area_id", "code", "name", "stock": {key: n}}``."""
    keys = get(kind).stock_keys
    rows: dict[int, dict[str, Any]] = {}
    for area_id, code, name, key, value in _fetch(_children_sql(), [kind, _area_id(area), True]):
        row = rows.get(area_id)
        if row is None:
            row = rows[area_id] = {
                "area_id": area_id,
                "code": code,
                "name": name,
                "stock": dict.fromkeys(keys, 0),
            }
        if key is not None:
            row["stock"][key] = int(value)
    return list(rows.values())
