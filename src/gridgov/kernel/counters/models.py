"""The counter rows (see :mod:`gridgov.kernel.counters`).

All three tables are derived data: :func:`gridgov.kernel.counters.rebuild.rebuild` recomputes
them from a kind's fact tables. ``area`` carries no database constraint (a counter row must never
block an area's life, and the benchmark fills the tables without the area rows).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlowCount(models.Model):
    """How often ``name`` happened on ``day`` (local date) in ``area``'s subtree, for a kind
    that keeps its flows in the shared table (a kind may bring its own wide table instead)."""

    kind = models.CharField(max_length=40)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    day = models.DateField()
    name = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("flow counter")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "area", "day", "name"], name="flowcount_kind_area_day_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_id} {self.day} {self.name}={self.value}"


class StockCount(models.Model):
    """How many objects of ``kind`` in ``area``'s subtree are in ``key`` now (``open``,
    ``status:assigned``, ``overdue`` …): a tile is the rows of one (kind, area)."""

    kind = models.CharField(max_length=40)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    key = models.CharField(max_length=60)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stock counter")
        constraints = [
            models.UniqueConstraint(fields=["kind", "area", "key"], name="stockcount_kind_area_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.area_id} {self.key}={self.value}"


class CounterMember(models.Model):
    """What one object of ``kind`` is counted as in the stock now: the area path it is counted
    under and its keys (comma-separated). A change is the difference between this row and the
    object's state after the change, so any path (a sweep, a bulk update, an area move) moves the
    stock by exactly what changed."""

    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    area_path = models.CharField(max_length=255)
    keys = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("counted object")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="countermember_kind_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.keys}"
