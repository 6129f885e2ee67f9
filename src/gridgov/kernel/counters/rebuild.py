"""Recomputing a kind's counters from its fact tables (``gridgov rebuild-counters``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction

from gridgov.kernel.counters.models import CounterMember, StockCount
from gridgov.kernel.counters.registry import ancestor_ids, get

BATCH = 2000


def rebuild_stock(kind: str) -> int:
    """Recompute the stock rows and the member rows of ``kind`` from ``facts()`` in one
    transaction; return the number of stock rows written."""
    k = get(kind)
    if k.facts is None:
        return 0
    totals: dict[tuple[int, str], int] = defaultdict(int)
    with transaction.atomic():
        StockCount.objects.filter(kind=kind).delete()
        CounterMember.objects.filter(kind=kind).delete()
        members: list[CounterMember] = []
        for object_id, path, keys in k.facts():
            members.append(
                CounterMember(
                    kind=kind, object_id=object_id, area_path=path, keys=",".join(sorted(keys))
                )
            )
            for area_id in ancestor_ids(path):
                for key in keys:
                    totals[(area_id, key)] += 1
            if len(members) >= BATCH:
                CounterMember.objects.bulk_create(members)
                members.clear()
        CounterMember.objects.bulk_create(members)
        StockCount.objects.bulk_create(
            [
                StockCount(kind=kind, area_id=a, key=key, value=v)
                for (a, key), v in sorted(totals.items())
                if v
            ],
            batch_size=BATCH,
        )
    return sum(1 for v in totals.values() if v)


def rebuild(
    kind: str, *, date_from: date | None = None, date_to: date | None = None
) -> dict[str, int]:
    """Recompute ``kind``'s flows (of the days ``date_from`` … ``date_to``, default all) and
    its stock; return ``{"flows": rows, "stock": rows}``."""
    k = get(kind)
    flows = k.rebuild_flows(date_from, date_to) if k.rebuild_flows is not None else 0
    return {"flows": flows, "stock": rebuild_stock(kind)}
