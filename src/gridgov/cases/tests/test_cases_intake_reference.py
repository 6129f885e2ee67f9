"""Intake keeps categories and grids in memory (core.revisions): every change is still seen by
the next report, whoever made it, and a report never goes out on rows that moved under it."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.areas.services import area_update
from gridgov.cases.models import Case, Category
from gridgov.cases.services.categories import CATEGORIES, category_deactivate, category_update
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source
from gridgov.cases.tests.intake_builders import IN_GRID1, cats  # noqa: F401
from gridgov.core import revisions
from gridgov.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def report(category: Any, **kw: Any) -> Any:
    data: dict[str, Any] = {
        "actor": None,
        "source": Source.RESIDENT,
        "category": category,
        "title": "路边有暴露垃圾",
        "lon": IN_GRID1[0],
        "lat": IN_GRID1[1],
    }
    data.update(kw)
    return case_report(**data)


def test_a_second_report_reads_neither_category_nor_grid(tree: Any, cats: Any) -> None:
    report(cats.litter)
    with CaptureQueriesContext(connection) as seen:
        case = report(cats.litter).case
    tables = " ".join(q["sql"] for q in seen.captured_queries)
    assert "cases_category" not in tables.replace("core_revision", "")
    assert 'FROM "areas_area"' not in tables
    assert case.category == cats.litter and case.area == tree.grid1


def test_a_deactivated_category_is_refused_at_once(tree: Any, cats: Any) -> None:
    report(cats.litter)  # remembered
    category_deactivate(actor=None, category=cats.litter)
    with pytest.raises(ValidationFailed) as refused:
        report(cats.litter)
    assert refused.value.code == "unknown_category"
    assert Case.objects.count() == 1


def test_a_renamed_category_and_grid_show_in_the_next_case(tree: Any, cats: Any) -> None:
    report(cats.litter)
    category_update(actor=None, category=cats.litter, name="垃圾乱堆")
    area_update(actor=None, area=tree.grid1, name="网格一（新）")
    case = report(cats.litter).case
    assert case.category.name == "垃圾乱堆"
    assert case.area.name == "网格一（新）"


def test_a_deactivated_grid_sends_the_next_report_to_the_pool(tree: Any, cats: Any) -> None:
    assert report(cats.litter).case.area == tree.grid1
    area_update(actor=None, area=tree.grid1, is_active=False)
    case = report(cats.litter).case
    assert case.area != tree.grid1 and case.outside_grids


def test_a_change_made_by_another_process_is_seen(tree: Any, cats: Any) -> None:
    report(cats.litter)
    # Another process: a different connection state is not needed, only the database: the row
    # and its revision token change without this process's caches being told.
    Category.objects.filter(pk=cats.litter.pk).update(is_active=False)
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE "core_revision" SET "token" = "token" + 1 WHERE "name" = %s', [CATEGORIES]
        )
        if cursor.rowcount == 0:
            cursor.execute(
                'INSERT INTO "core_revision" ("name", "token") VALUES (%s, 1)', [CATEGORIES]
            )
    with pytest.raises(ValidationFailed):
        report(cats.litter)
    assert Case.objects.count() == 1


def test_reference_data_that_keeps_moving_ends_in_a_conflict(tree: Any, cats: Any) -> None:
    report(cats.litter)

    def keeps_changing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith('UPDATE "cases_casesequence"'):
            revisions.bump(CATEGORIES)  # a category change lands before every number
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keeps_changing), pytest.raises(Conflict) as busy:
        report(cats.litter)
    assert busy.value.code == "reference_busy"
    assert Case.objects.count() == 1


def test_a_report_to_check_costs_no_more_statements(tree: Any, cats: Any, make_user: Any) -> None:
    """Whether the grid has a grid worker is kept with the reference rows: a resident's report
    waiting for the check (待核实) runs the statements of any other report."""
    report(cats.litter)
    with CaptureQueriesContext(connection) as plain:
        assert report(cats.litter).case.status == "reported"
    make_user("wang", ("grid_worker", tree.grid1))
    report(cats.litter)  # the first after the change reads who works in grid1
    with CaptureQueriesContext(connection) as checked:
        assert report(cats.litter).case.status == "to_check"
    assert len(checked.captured_queries) == len(plain.captured_queries)
    assert "accounts_rolegrant" not in " ".join(q["sql"] for q in checked.captured_queries)
