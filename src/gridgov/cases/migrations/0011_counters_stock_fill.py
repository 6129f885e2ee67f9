"""Fill the kernel's stock counters (open / overdue / by status, per area and ancestor) and
their member rows for the cases that exist (the flows stay in CaseStat)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import migrations

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    from gridgov.cases.indicators import stock_keys_of

    Case = apps.get_model("cases", "Case")
    StockCount = apps.get_model("counters", "StockCount")
    CounterMember = apps.get_model("counters", "CounterMember")
    db = schema_editor.connection.alias
    StockCount.objects.using(db).filter(kind="cases").delete()
    CounterMember.objects.using(db).filter(kind="cases").delete()
    totals: dict[tuple[int, str], int] = defaultdict(int)
    members: list[Any] = []
    rows = (
        Case.objects.using(db)
        .order_by("pk")
        .values_list("pk", "area_path", "status", "sign_overdue", "handle_overdue")
    )
    for pk, path, status, sign, handle in rows.iterator(chunk_size=BATCH):
        keys = stock_keys_of(status=status, sign_overdue=sign, handle_overdue=handle)
        members.append(
            CounterMember(kind="cases", object_id=pk, area_path=path, keys=",".join(sorted(keys)))
        )
        for area_id in (int(p) for p in path.split("/") if p):
            for key in keys:
                totals[(area_id, key)] += 1
        if len(members) >= BATCH:
            CounterMember.objects.using(db).bulk_create(members)
            members.clear()
    CounterMember.objects.using(db).bulk_create(members)
    StockCount.objects.using(db).bulk_create(
        [
            StockCount(kind="cases", area_id=a, key=k, value=v)
            for (a, k), v in sorted(totals.items())
        ],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_caseattachment_on_kernel_attachment"),
        ("counters", "0001_counter_tables"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
