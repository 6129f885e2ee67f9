"""The partial indexes (rows that have a value) still serve the reads that need them: a filter
on the column implies it is set, and SQLite's planner must see that — here without ANALYZE
statistics, as a new installation runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from gridgov.cases.models import Case

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")


def plan(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@sqlite_only
@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (  # the overdue sweep
            lambda: Case.objects.filter(watch_at__lte=timezone.now()).order_by("watch_at", "pk"),
            "case_watch_set",
        ),
        (  # a unit's queue (cases.selectors)
            lambda: Case.objects.filter(
                assigned_area_id__in=[1, 2], assigned_department__isnull=True
            ),
            "case_assigned_status_set",
        ),
        (lambda: Case.objects.filter(assigned_department_id=3), "case_dept_status_set"),
        (
            lambda: Case.objects.filter(reporter_id=4).order_by("-reported_at"),
            "case_reporter_set",
        ),
        (lambda: Case.objects.filter(handler_id=5), "case_handler_set"),
        (lambda: Case.objects.filter(merged_into_id=6), "case_merged_into_set"),
        (lambda: Case.objects.filter(category_id=7), "case_category_reported"),
    ],
)
def test_partial_and_covering_indexes_are_used(queryset: Any, index: str) -> None:
    assert index in plan(queryset())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statistics")
def test_postgresql_knows_how_common_a_title_keyword_is(tree: Any) -> None:
    # The keyword search filters on upper(title): without statistics on that expression the
    # planner takes any keyword for rare and sorts every match instead of walking the
    # newest-first index (migration 0005).
    from gridgov.cases.models import Category
    from gridgov.core.statements import insert_rows, new_row

    category = Category.objects.create(code="T01", name="测试")
    now = timezone.now()
    insert_rows(
        [
            new_row(
                Case,
                number=f"2026{i:06d}",
                source="resident",
                category=category,
                title=("小区井盖缺失" if i % 2 else "路灯不亮") + f" {i}",
                area=tree.grid1,
                area_path=tree.grid1.path,
                reported_at=now,
            )
            for i in range(400)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        sql, params = Case.objects.filter(title__icontains="井盖").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    estimated = plan[0]["Plan"]["Plan Rows"]
    assert 100 <= estimated <= 300  # 200 match; without the statistics the guess is 1
