"""The registry of counter kinds: what a module declares to be counted.

A module registers one :class:`Kind` (e.g. in its ``AppConfig.ready``)::

    register(Kind(
        name="cases",
        flows=("reported", "accepted", "closed", ...),
        flow_deltas=lambda obj, event: {"reported": 1} if event.action == "report" else {},
        stock_keys=("open", "overdue", "status:reported", ...),
        stock_of=lambda obj: frozenset({"open", f"status:{obj.status}"}),
        area_path_of=lambda obj: obj.area_path,
        object_id_of=lambda obj: obj.pk,
    ))

* **Flows** are events that happened on a day: ``flow_deltas(obj, event)`` maps one timeline
  entry to increments of the kind's flow names.
* **Stock** is what holds now: ``stock_of(obj)`` gives the keys the object counts in *after*
  the change (its state: ``status:<s>``, ``open``, ``overdue`` …). The writer compares it with
  what the object was counted as (:class:`~gridgov.kernel.counters.models.CounterMember`), so a
  transition ``from → to`` with its flags moves exactly the keys that differ, on every path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models

FlowDeltas = Callable[[Any, Any], dict[str, int]]
StockOf = Callable[[Any], frozenset[str]]


@dataclass(frozen=True)
class Kind:
    """One countable kind of governed work (see the module docstring).

    ``flow_model``: a model with one column per flow name and a unique (area, day) — a kind
    with many flows and a hot path may keep its flows there (cases do: ``CaseStat``); without
    it flows go to the shared :class:`~gridgov.kernel.counters.models.FlowCount`.
    ``creates(event)``: the entry creates the object (nothing to compare with, no read).
    ``neutral(event)``: the entry cannot change the object's stock keys (no read, no write).
    ``day_of(event)``: the local day of the entry.
    ``rebuild_flows(date_from, date_to)`` / ``facts()``: recompute from the fact tables —
    ``facts()`` yields (object id, area path, stock keys) of every object.
    """

    name: str
    flows: tuple[str, ...]
    flow_deltas: FlowDeltas
    stock_keys: tuple[str, ...]
    stock_of: StockOf
    area_path_of: Callable[[Any], str]
    object_id_of: Callable[[Any], int]
    day_of: Callable[[Any], date]
    flow_model: type[models.Model] | None = None
    creates: Callable[[Any], bool] = field(default=lambda event: False)
    neutral: Callable[[Any], bool] = field(default=lambda event: False)
    rebuild_flows: Callable[[date | None, date | None], int] | None = None
    facts: Callable[[], Iterable[tuple[int, str, frozenset[str]]]] | None = None


_KINDS: dict[str, Kind] = {}


class UnknownKind(LookupError):
    pass


def register(kind: Kind) -> Kind:
    """Register (or replace, e.g. in a test) the kind ``kind.name``."""
    if len(kind.name) > 40:
        raise ValueError("A counter kind's name is at most 40 characters.")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(name) from None


def kinds() -> list[Kind]:
    return list(_KINDS.values())


def ancestor_ids(path: str) -> list[int]:
    """The area ids of a materialised path ``/1/4/17/`` (the area and every ancestor)."""
    return [int(p) for p in path.split("/") if p]
