"""Read queries compiled once per process, for the reads every request makes (one case by id
for its detail page, the API and Open311).

Django compiles a ``QuerySet`` to SQL on every evaluation; for one case with its category,
areas and unit (four joined tables) compiling costs several times what SQLite spends running
the statement (profiled: 60 % of an Open311 detail request). :class:`PreparedQuery` builds the
queryset once with *sample* values, compiles it, finds where the samples sit among the
statement's parameters, and from then on runs the same SQL with the caller's values in their
places, turning rows into instances as the ORM does (``Model.from_db``, the fields' converters,
``select_related`` objects attached). Statements go through :func:`gridgov.core.statements.execute`
(``connection.cursor()``), so query logging and counting see them.

A plan is kept per thread and database connection (connections are per thread in Django).
Only for querysets whose parameters are the samples plus constants: a sample must appear
exactly once among the compiled parameters, or :class:`ValueError` says so at the first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import get_related_populators

from gridgov.core.statements import execute

M = TypeVar("M", bound=models.Model)


@dataclass
class _Plan:
    conn: Any
    sql: str
    params: list[Any]
    positions: tuple[int, ...]
    model: type[models.Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]
    converters: list[tuple[int, tuple[list[Any], Any]]]
    col_count: int


class PreparedQuery(Generic[M]):
    """``build(*values)`` → a QuerySet of model instances; :meth:`all` / :meth:`first` run it
    for new values through SQL compiled once with ``samples`` (values no constant of the query
    equals, e.g. ``-7_000_000_001`` for an id)."""

    def __init__(self, build: Callable[..., Any], *samples: Any) -> None:
        self._build = build
        self._samples = samples
        self._local = threading.local()

    def _plan(self) -> _Plan:
        conn = connections[DEFAULT_DB_ALIAS]
        plan: _Plan | None = getattr(self._local, "plan", None)
        if plan is not None and plan.conn is conn:
            return plan
        qs = self._build(*self._samples)
        compiler = qs.query.get_compiler(connection=conn)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for sample in self._samples:
            found = [i for i, p in enumerate(params) if p == sample and type(p) is type(sample)]
            if len(found) != 1:
                raise ValueError(f"sample {sample!r} appears {len(found)} times in {sql}")
            positions.append(found[0])
        klass_info = compiler.klass_info
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        converters = compiler.get_converters([s[0] for s in select[0 : compiler.col_count]])
        plan = _Plan(
            conn=conn,
            sql=sql,
            params=params,
            positions=tuple(positions),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, conn.alias),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map or {}),
            converters=list(converters.items()),
            col_count=compiler.col_count,
        )
        self._local.plan = plan
        return plan

    def all(self, *values: Any) -> list[M]:
        plan = self._plan()
        params = plan.params.copy()
        for position, value in zip(plan.positions, values, strict=True):
            params[position] = value
        rows = execute(plan.sql, params, plan.conn)
        conn, alias = plan.conn, plan.conn.alias
        found: list[M] = []
        for raw in rows:
            row = list(raw[: plan.col_count])
            for pos, (convs, expression) in plan.converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, conn)
                row[pos] = value
            obj = plan.model.from_db(alias, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            for attr, pos in plan.annotations.items():
                setattr(obj, attr, row[pos])
            found.append(obj)  # type: ignore[arg-type]
        return found

    def first(self, *values: Any) -> M | None:
        rows = self.all(*values)
        return rows[0] if rows else None
