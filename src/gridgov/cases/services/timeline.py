"""The one way a case changes: a guarded, versioned update plus its timeline entry.

Every service in this package ends with :func:`apply_action`: it updates the case row only if it
still has the version the actor saw (optimistic concurrency: a stale action raises
:class:`~gridgov.core.errors.Conflict` and changes nothing), appends the
:class:`~gridgov.cases.models.CaseEvent`, and moves the maintained indicators, all inside the
caller's transaction.

Rows are written with :func:`insert_row`: the ``INSERT`` statement of a model is compiled by
Django once per process (and database vendor) and then executed with the instance's prepared
values, which saves the ORM's per-save compilation (most of a case report's cost).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import F
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import indicators
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import Conflict

M = TypeVar("M", bound=models.Model)


@lru_cache(maxsize=32)
def _insert_statement(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[models.Field[Any, Any], ...], bool]:
    """(SQL, fields in parameter order, whether it returns the new id) of the single-row
    ``INSERT`` of ``model``, as Django's own compiler writes it."""
    opts = model._meta
    fields = tuple(f for f in opts.local_concrete_fields if not f.generated and f is not opts.pk)
    query = InsertQuery(model)
    query.insert_values(fields, [model()])
    compiler = query.get_compiler(connection=connection)
    returning = bool(connection.features.can_return_columns_from_insert)
    compiler.returning_fields = [opts.pk] if returning else None
    ((sql, _params),) = compiler.as_sql()
    return sql, fields, returning


def insert_row(obj: M) -> M:
    """Insert ``obj`` (a new instance without a primary key) like ``obj.save()`` does — field
    defaults, ``auto_now``/``auto_now_add`` and the database conversions of every field — but
    through a statement compiled once (see the module docstring); no ``save()`` override runs.
    Sets the primary key and marks the instance as saved."""
    model = type(obj)
    conn = connections[DEFAULT_DB_ALIAS]  # the real connection, not the per-access proxy
    sql, fields, returning = _insert_statement(model, conn.vendor)
    params = _row_params(obj, fields, conn)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            pk = cursor.fetchone()[0]
        else:  # pragma: no cover - every supported database returns it
            pk = conn.ops.last_insert_id(cursor, model._meta.db_table, str(model._meta.pk.column))
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = conn.alias
    return obj


def _row_params(obj: models.Model, fields: tuple[Any, ...], conn: Any) -> list[Any]:
    params = []
    for f in fields:
        value = f.pre_save(obj, True)
        params.append(None if value is None else f.get_db_prep_save(value, connection=conn))
    return params


@lru_cache(maxsize=64)
def _insert_many_statement(
    model: type[models.Model], vendor: str, rows: int
) -> tuple[str, tuple[models.Field[Any, Any], ...]]:
    """The ``rows``-row ``INSERT … RETURNING id`` of ``model`` (see :func:`_insert_statement`)."""
    sql, fields, _returning = _insert_statement(model, vendor)
    head, _sep, tail = sql.partition(" VALUES (")
    values, _sep, returning = tail.rpartition(") RETURNING ")
    one = f"({values})"
    return f"{head} VALUES {', '.join([one] * rows)} RETURNING {returning}", fields


# Rows per multi-row insert: within SQLite's 32 766 and PostgreSQL's 65 535 parameters.
INSERT_ROWS = 200


def insert_rows(objs: list[M]) -> list[M]:
    """:func:`insert_row` for many instances of one model: multi-row statements of up to
    ``INSERT_ROWS`` rows, each built once per size; sets every primary key."""
    if not objs:
        return objs
    conn = connections[DEFAULT_DB_ALIAS]
    model = type(objs[0])
    if not conn.features.can_return_rows_from_bulk_insert:  # pragma: no cover
        model._default_manager.bulk_create(objs)
        return objs
    with conn.cursor() as cursor:
        for i in range(0, len(objs), INSERT_ROWS):
            chunk = objs[i : i + INSERT_ROWS]
            sql, fields = _insert_many_statement(model, conn.vendor, len(chunk))
            params: list[Any] = []
            for obj in chunk:
                params.extend(_row_params(obj, fields, conn))
            cursor.execute(sql, params)
            # Ids are drawn in the order of the VALUES rows; RETURNING's output order is not
            # promised (SQLite), so match them up by sorting.
            for obj, pk in zip(chunk, sorted(r[0] for r in cursor.fetchall()), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = conn.alias
    return objs


@lru_cache(maxsize=32)
def _select_statement(
    model: type[models.Model], vendor: str, where: str, defer: tuple[str, ...]
) -> tuple[str, list[str], tuple[tuple[int, Any, tuple[Any, ...]], ...]]:
    """(SQL, attribute names, (column index, column, converters) of the columns that need a
    conversion) of ``SELECT <columns> FROM <table> WHERE <where>`` for ``model`` without the
    ``defer`` fields."""
    opts = model._meta
    q = connection.ops.quote_name
    fields = [f for f in opts.concrete_fields if f.name not in defer]
    table = q(opts.db_table)
    sql = f"SELECT {', '.join(f'{table}.{q(str(f.column))}' for f in fields)} FROM {table} WHERE {where}"
    converting = []
    for i, f in enumerate(fields):
        col = f.get_col(opts.db_table)
        convs = tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        if convs:
            converting.append((i, col, convs))
    return sql, [f.attname for f in fields], tuple(converting)


def select_rows(
    model: type[M], where: str, params: list[Any], *, defer: tuple[str, ...] = ()
) -> list[M]:
    """Instances of ``model`` matching the raw ``where`` clause (``%s`` placeholders, columns
    quoted by the caller), through a statement built once, with Django's value conversions;
    ``defer`` fields are left to load on first access, as with ``QuerySet.defer``."""
    conn = connections[DEFAULT_DB_ALIAS]
    sql, names, converting = _select_statement(model, conn.vendor, where, defer)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for row in rows:
        values = list(row)
        for i, col, convs in converting:
            for conv in convs:
                values[i] = conv(values[i], col, conn)
        out.append(model.from_db(conn.alias, names, values))
    return out


def actor_label(actor: Any, default: str = "system") -> str:
    if getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return default


def record_event(
    *,
    case: Case,
    action: str,
    actor: Any,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> CaseEvent:
    """Append one timeline entry (no state change of its own) and move the indicators."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = CaseEvent(
        case=case,
        at=at or timezone.now(),
        action=str(action),
        actor=user,
        actor_name=actor_name or actor_label(actor),
        from_status=str(from_status),
        to_status=str(to_status or from_status),
        note=note,
        data=data or {},
    )
    insert_row(event)
    indicators.on_event(case=case, event=event)
    return event


def count_events(pairs: list[tuple[Case, CaseEvent]]) -> None:
    """Move the indicators for many timeline entries written together (e.g. with
    ``bulk_create``): the same counting as :func:`record_event`, in a few statements."""
    indicators.on_events(pairs)


def apply_action(
    *,
    case: Case,
    action: str,
    actor: Any,
    expected_version: int | None,
    to_status: str | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    actor_name: str = "",
) -> CaseEvent:
    """Set ``changes`` (and ``status`` when ``to_status``) on ``case`` if its version is still
    ``expected_version`` (``None``: the caller holds the row already, e.g. the sweep), bump the
    version, and append the timeline entry. Must run inside ``transaction.atomic()``.

    ``case`` is updated in memory to match the row.
    """
    from_status = case.status
    fields: dict[str, Any] = dict(changes or {})
    if to_status is not None:
        fields["status"] = str(to_status)
    now = at or timezone.now()
    fields["updated_at"] = now
    qs = Case.objects.filter(pk=case.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    updated = qs.update(version=F("version") + 1, **fields)
    if updated != 1:
        raise Conflict(
            _(
                "Case %(number)s was changed by someone else since you opened it. "
                "Reload it and try again."
            )
            % {"number": case.number},
            code="stale_version",
        )
    for name, value in fields.items():
        setattr(case, name, value)
    case.version = (expected_version if expected_version is not None else case.version) + 1
    return record_event(
        case=case,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=str(to_status) if to_status is not None else from_status,
        note=note,
        data=data,
        at=now,
        actor_name=actor_name,
    )
