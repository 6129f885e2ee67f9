"""Seed every year the installed ``chinesecalendar`` package knows (2004–2026 with 1.11)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from gridgov.workcal.package import package_schedules

    CalendarYear = apps.get_model("workcal", "CalendarYear")
    CalendarDay = apps.get_model("workcal", "CalendarDay")
    CalendarRevision = apps.get_model("workcal", "CalendarRevision")
    known = set(CalendarYear.objects.values_list("year", flat=True))
    for year, sched in package_schedules().items():
        if year in known:
            continue
        cal_year = CalendarYear.objects.create(year=year, source="package")
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar_year=cal_year, date=d, is_workday=w, name=n)
            for d, (w, n) in sorted(sched.days().items())
        )
    CalendarRevision.objects.update_or_create(
        pk=1, defaults={"revision": secrets.randbits(62) or 1}
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("workcal", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
