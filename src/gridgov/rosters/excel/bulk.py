"""One ``executemany`` INSERT for many new rows of one model — the importer's hot path.

``bulk_create`` spends most of its time compiling one parameter per field per row through
the ORM; here each value is taken as is (text, numbers, booleans, foreign-key ids) and only
dates, times, JSON and decimals go through the field's ``get_db_prep_save``. ``auto_now`` /
``auto_now_add`` columns are filled like ``save()`` would. Primary keys are NOT set on the
objects (look them up afterwards when needed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

_CONVERTED = (models.DateField, models.DateTimeField, models.JSONField, models.DecimalField)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a Python value of ``field`` becomes a query parameter (``None``: as it is)."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return lambda v: ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: ops.adapt_datefield_value(v)
    if isinstance(field, _CONVERTED):
        return lambda v: field.get_db_prep_save(v, connection)
    return None


def insert(objs: Sequence[models.Model]) -> None:
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    converters = [_converter(f) for f in fields]
    attnames = [f.attname for f in fields]
    rows = []
    for obj in objs:
        for f in stamped:
            setattr(obj, f.attname, now)
        rows.append(
            tuple(
                conv(getattr(obj, name)) if conv else getattr(obj, name)
                for name, conv in zip(attnames, converters, strict=True)
            )
        )
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
