"""Statements built once per process, for the few write paths that run thousands of times a
second (case intake, the case timeline, the overdue sweep).

The ORM compiles a query on every call; on a path that writes a case in a handful of
single-row statements that is most of the cost. Here, with Django's public interfaces only
(``connection.cursor()``, the model's ``_meta``, the fields' own conversions,
``connection.ops.quote_name`` and ``connection.features``):

* :func:`insert_row` / :func:`insert_rows` — ``INSERT INTO <db_table> (<columns>) VALUES …``
  written once per model from ``_meta``, executed with each instance's values converted by the
  fields themselves (defaults, ``auto_now``/``auto_now_add`` and ``get_db_prep_save``, like
  ``save()``; no ``save()`` override runs); the new id from the cursor's ``lastrowid`` for one
  row, from ``RETURNING`` for several (where ``connection.features`` says the database can);
* :func:`new_row` — an unsaved instance built through the positional constructor;
* :func:`select_rows` — ``SELECT <columns> WHERE <raw clause>`` built once and run as the
  ORM's raw query (``Manager.raw``: Django's converters, ``Model.from_db``), deferred fields
  loaded on first access;
* :func:`execute` — runs one such statement through ``connection.cursor()``: always the same
  path, so tests that watch queries run what production runs.
"""

from __future__ import annotations

import threading
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

_STAMP = object()  # see _needs_pre_save
# Per parameter of an INSERT: attribute name, pre-save (False, True or _STAMP), field, the
# Python type passed unchanged.
_Plan = tuple[tuple[str, Any, Any, type | None], ...]

# Field kinds whose database conversion leaves a value of this exact Python type unchanged (on
# every supported database); any other value goes through the field's own conversion.
_PLAIN = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "URLField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "SmallAutoField": int,
    "BooleanField": bool,
    "FloatField": float,
}


def _connection() -> Any:
    return connections[DEFAULT_DB_ALIAS]  # the real connection, not the per-access proxy


# One cursor per connection, reused (making one through ``connection.cursor()`` costs about as
# much as the statement run through it): kept for as long as the database connection and the
# query log's state stay the same, so a reconnect, ``CaptureQueriesContext`` or ``DEBUG`` get a
# new one from ``connection.cursor()`` — the logging cursor then. Connections are per thread,
# and so is this.
_local = threading.local()


def cursor(conn: Any = None) -> Any:
    """A cursor of ``conn`` (the default database) from ``connection.cursor()``, reused while
    the connection and its query logging stay the same. Not to be closed by the caller."""
    conn = conn or _connection()
    kept = getattr(_local, "kept", None)
    logged = conn.queries_logged
    if kept is not None and kept[0] is conn and kept[1] is conn.connection and kept[2] is logged:
        return kept[3]
    made = conn.cursor()  # connects if need be
    _local.kept = (conn, conn.connection, logged, made)
    return made


def execute(
    sql: str, params: list[Any] | tuple[Any, ...], conn: Any = None
) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``%s`` placeholders) through a cursor from ``connection.cursor()`` (see
    :func:`cursor`) and return its rows (``[]`` for a statement without any). ``conn``: the
    default database's connection when the caller has it at hand."""
    cur = cursor(conn)
    cur.execute(sql, params)
    return cur.fetchall() if cur.description else []


# --- Inserting --------------------------------------------------------------------------------


def _insert_fields(model: type[models.Model]) -> tuple[Any, ...]:
    """The columns an ``INSERT`` of ``model`` writes: its own concrete fields but the primary
    key (drawn by the database) and generated columns."""
    opts = model._meta
    return tuple(
        f
        for f in opts.local_concrete_fields
        if f is not opts.pk and not getattr(f, "generated", False)
    )


@lru_cache(maxsize=64)
def _insert_statement(
    model: type[models.Model], vendor: str
) -> tuple[str, str, str, _Plan, tuple[tuple[str, Any], ...]]:
    """(``INSERT INTO <table> (<columns>) VALUES``, one row's ``(%s, …)``, the ``RETURNING``
    clause, plan, foreign keys) of ``model``, from its ``_meta``. The plan holds, per
    parameter: attribute name, whether the field's ``pre_save`` must run (``auto_now``, files
    …), the field, and the Python type it passes unchanged; the foreign keys are (attribute
    name, field)."""
    conn = _connection()
    opts = model._meta
    q = conn.ops.quote_name
    fields = _insert_fields(model)
    head = f"INSERT INTO {q(opts.db_table)} ({', '.join(q(str(f.column)) for f in fields)}) VALUES"
    row = f"({', '.join(['%s'] * len(fields))})"
    returning = f" RETURNING {q(opts.db_table)}.{q(str(opts.pk.column))}"
    plan = []
    for f in fields:
        # A foreign key converts like its target.
        base: Any = f.target_field if f.is_relation else f
        plain = _PLAIN.get(base.get_internal_type()) if _stock(f) and _stock(base) else None
        plan.append((f.attname, _needs_pre_save(f), f, plain))
    relations = tuple((f.attname, f) for f in fields if f.is_relation)
    return head, row, returning, tuple(plan), relations


def _needs_pre_save(field: Any) -> Any:
    """``_STAMP`` for a stock ``DateTimeField`` with ``auto_now``/``auto_now_add`` (set to the
    row's moment, as its ``pre_save`` does), else whether ``pre_save`` must run."""
    if isinstance(field, models.DateField | models.TimeField) and _stock(field):
        stamped = bool(field.auto_now or field.auto_now_add)
        return _STAMP if stamped and isinstance(field, models.DateTimeField) else stamped
    return type(field).pre_save is not models.Field.pre_save


def _stock(field: Any) -> bool:
    """Whether ``field`` is one of Django's own field classes (a subclass may convert values)."""
    return type(field).__module__.startswith("django.db.models.fields")


def _take_related_ids(obj: models.Model, relations: tuple[tuple[str, Any], ...]) -> None:
    """As ``save()`` does: a foreign key set to an instance saved after the assignment takes
    its id now; one set to a still unsaved instance is refused."""
    values = obj.__dict__
    for attname, field in relations:
        if values[attname] is None:
            target = field.get_cached_value(obj, None)
            if target is not None:
                value = getattr(target, field.target_field.attname)
                if value is None:
                    raise ValueError(
                        f"save() prohibited to prevent data loss due to unsaved related object "
                        f"'{field.name}'."
                    )
                values[attname] = value


def _row_params(obj: models.Model, plan: _Plan, conn: Any) -> list[Any]:
    params: list[Any] = []
    values = obj.__dict__
    now = None  # one moment for every auto_now/auto_now_add field of the row
    converted: dict[int, Any] = {}  # a datetime set on several fields is converted once
    for attname, pre_save, field, plain in plan:
        if pre_save is _STAMP:
            value = values[attname] = now = now or timezone.now()
        elif pre_save:
            value = field.pre_save(obj, True)
        else:
            value = values[attname]
        if value is None or type(value) is plain:
            params.append(value)
        elif type(value) is datetime:
            key = id(value)
            if key not in converted:
                converted[key] = field.get_db_prep_save(value, connection=conn)
            params.append(converted[key])
        else:
            params.append(field.get_db_prep_save(value, connection=conn))
    return params


_CALL = object()  # marks a default produced by calling it for each new row


@lru_cache(maxsize=64)
def _construction_plan(
    model: type[models.Model],
) -> tuple[list[Any], dict[str, tuple[int, Any, bool]], tuple[tuple[int, Any], ...]]:
    """(default arguments, position of each field name and attribute name, fields whose default
    is called for each row) of ``model``'s positional constructor. Defaults are the fields' own
    (``Field.get_default``), worked out once unless callable."""
    defaults: list[Any] = []
    positions: dict[str, tuple[int, Any, bool]] = {}
    called = []
    for i, f in enumerate(model._meta.concrete_fields):
        if f.has_default() and callable(f.default):
            defaults.append(_CALL)
            called.append((i, f))
        else:
            defaults.append(f.get_default())
        positions[f.attname] = (i, f, False)
        positions[f.name] = (i, f, f.is_relation)
    return defaults, positions, tuple(called)


def new_row(model: type[M], **values: Any) -> M:
    """``model(**values)`` — an unsaved instance, values by field name (a related instance or
    ``None``) or attribute name (``category_id``), defaults for the rest — built through the
    positional constructor, about three times faster for a wide model."""
    defaults, positions, called = _construction_plan(model)
    args = defaults.copy()
    related: list[tuple[Any, Any]] = []
    for key, value in values.items():
        try:
            index, field, instance = positions[key]
        except KeyError:
            raise TypeError(f"{model.__name__} has no field {key}") from None
        if instance and value is not None:
            related.append((field, value))
            value = getattr(value, field.target_field.attname)
        args[index] = value
    for index, field in called:
        if args[index] is _CALL:
            args[index] = field.get_default()
    obj = model(*args)
    for field, value in related:
        field.set_cached_value(obj, value)
    return obj


def _mark_saved(obj: models.Model, pk: Any, alias: str) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


def _single_returns(conn: Any) -> bool:
    """Whether a single-row insert takes its id from ``RETURNING`` rather than the cursor's
    ``lastrowid``. SQLite gives ``lastrowid`` for free and spends ~100 µs on ``RETURNING``;
    PostgreSQL has no ``lastrowid``."""
    return bool(conn.features.can_return_columns_from_insert) and conn.vendor != "sqlite"


def insert_row(obj: M) -> M:
    """Insert ``obj`` (a new instance without a primary key) like ``obj.save()`` does, through a
    statement written once; set its primary key and mark it saved."""
    conn = _connection()
    model = type(obj)
    head, row, returning, plan, relations = _insert_statement(model, conn.vendor)
    _take_related_ids(obj, relations)
    params = _row_params(obj, plan, conn)
    cur = cursor(conn)
    if _single_returns(conn):
        cur.execute(f"{head} {row}{returning}", params)
        pk = cur.fetchone()[0]
    else:
        cur.execute(f"{head} {row}", params)
        pk = cur.lastrowid
    _mark_saved(obj, pk, conn.alias)
    return obj


@lru_cache(maxsize=64)
def _insert_many_statement(model: type[models.Model], vendor: str, rows: int) -> str:
    """The ``rows``-row ``INSERT … RETURNING id`` of ``model`` (see :func:`_insert_statement`)."""
    head, row, returning, _plan, _relations = _insert_statement(model, vendor)
    return f"{head} {', '.join([row] * rows)}{returning}"


# Rows per multi-row insert: within SQLite's 32 766 and PostgreSQL's 65 535 parameters.
INSERT_ROWS = 200


def insert_rows(objs: list[M]) -> list[M]:
    """:func:`insert_row` for many instances of one model: multi-row statements of up to
    ``INSERT_ROWS`` rows, each built once per size, where the database returns the ids of a
    multi-row insert (``connection.features.can_return_rows_from_bulk_insert``), else one
    statement a row; sets every primary key."""
    if not objs:
        return objs
    conn = _connection()
    if not conn.features.can_return_rows_from_bulk_insert:
        for obj in objs:
            insert_row(obj)
        return objs
    model = type(objs[0])
    _head, _row, _returning, plan, relations = _insert_statement(model, conn.vendor)
    for i in range(0, len(objs), INSERT_ROWS):
        chunk = objs[i : i + INSERT_ROWS]
        params: list[Any] = []
        for obj in chunk:
            _take_related_ids(obj, relations)
            params.extend(_row_params(obj, plan, conn))
        rows = execute(_insert_many_statement(model, conn.vendor, len(chunk)), params, conn)
        # Ids are drawn in the order of the VALUES rows; RETURNING's output order is not
        # promised (SQLite), so match them up by sorting.
        for obj, pk in zip(chunk, sorted(r[0] for r in rows), strict=True):
            _mark_saved(obj, pk, conn.alias)
    return objs


# --- Selecting --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _select_statement(
    model: type[models.Model], vendor: str, where: str, defer: tuple[str, ...]
) -> str:
    """``SELECT <columns> FROM <table> WHERE <where>`` for ``model`` without the ``defer``
    fields, from its ``_meta``."""
    opts = model._meta
    q = _connection().ops.quote_name
    table = q(opts.db_table)
    columns = ", ".join(
        f"{table}.{q(str(f.column))}" for f in opts.concrete_fields if f.name not in defer
    )
    return f"SELECT {columns} FROM {table} WHERE {where}"


def select_rows(
    model: type[M], where: str, params: list[Any], *, defer: tuple[str, ...] = ()
) -> list[M]:
    """Instances of ``model`` matching the raw ``where`` clause (``%s`` placeholders, columns
    quoted by the caller), through a statement built once and the ORM's raw query
    (``Manager.raw``: Django's value conversions, ``Model.from_db``); ``defer`` fields are left
    to load on first access, as with ``QuerySet.defer``."""
    sql = _select_statement(model, _connection().vendor, where, defer)
    return list(model._default_manager.raw(sql, params))
