"""Statements built once: the driver path, the cursor path, and rows equal to the ORM's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.states import Action, Source, Status
from gridgov.core import statements
from gridgov.core.models import Revision

pytestmark = pytest.mark.django_db


def _case(tree: Any, category: Category, number: str = "2026000001", **kw: Any) -> Case:
    values: dict[str, Any] = {
        "number": number,
        "source": Source.RESIDENT,
        "category": category,
        "title": "井盖缺失",
        "area": tree.grid1,
        "area_path": tree.grid1.path,
        "reported_at": timezone.now() - timedelta(minutes=3),
    }
    values.update(kw)
    return statements.new_row(Case, **values)


@pytest.fixture
def category(db: Any) -> Category:
    return Category.objects.create(code="T01", name="测试类别")


def test_execute_runs_through_djangos_cursor() -> None:
    """One path, watched or not: what a test captures is what production runs."""
    Revision.objects.create(name="probe", token=7)
    sql = 'SELECT "token" FROM "core_revision" WHERE "name" = %s'
    calls: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        calls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert statements.execute(sql, ["probe"]) == [(7,)]
    assert calls == [sql]  # not watched by a query log, still through the cursor
    with CaptureQueriesContext(connection) as seen:
        assert statements.execute(sql, ["probe"]) == [(7,)]
    (query,) = seen.captured_queries
    assert "core_revision" in query["sql"]


def test_insert_row_goes_through_the_cursor(tree: Any, category: Category) -> None:
    calls: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        calls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        case = statements.insert_row(_case(tree, category))
    (sql,) = calls
    assert sql.startswith(f"INSERT INTO {connection.ops.quote_name(Case._meta.db_table)} (")
    assert Case.objects.get(pk=case.pk).number == case.number


def test_execute_raises_django_errors() -> None:
    Revision.objects.create(name="probe", token=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.execute(
            'INSERT INTO "core_revision" ("name", "token") VALUES (%s, %s)', ["probe", 2]
        )
    assert Revision.objects.get(name="probe").token == 1


def test_new_row_matches_the_keyword_constructor(tree: Any, category: Category) -> None:
    fast = _case(tree, category)
    slow = Case(
        number="2026000001",
        source=Source.RESIDENT,
        category=category,
        title="井盖缺失",
        area=tree.grid1,
        area_path=tree.grid1.path,
        reported_at=fast.reported_at,
    )
    for field in Case._meta.concrete_fields:
        if field.name != "token":
            assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert fast.token and fast.token != _case(tree, category).token  # called per row
    assert fast._state.adding
    with CaptureQueriesContext(connection) as seen:
        assert fast.category is category and fast.area is tree.grid1  # no query
    assert not seen.captured_queries
    by_id = statements.new_row(CaseEvent, case_id=5, action=Action.REPORT, at=timezone.now())
    assert by_id.case_id == 5 and by_id.data == {}
    with pytest.raises(TypeError, match="no field colour"):
        statements.new_row(Case, colour="red")


def test_insert_row_writes_what_save_writes(tree: Any, category: Category) -> None:
    case = statements.insert_row(_case(tree, category, extra={"plate": "宁A12345"}, lon=106.2))
    assert case.pk and not case._state.adding
    assert case.created_at == case.updated_at  # one moment for the row
    stored = Case.objects.get(pk=case.pk)
    for field in Case._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(case, field.attname), field.name
    assert stored.extra == {"plate": "宁A12345"} and stored.status == Status.REPORTED

    event = statements.new_row(CaseEvent, case=case, action=Action.REPORT, at=case.reported_at)
    statements.insert_row(event)
    assert CaseEvent.objects.get(pk=event.pk).case_id == case.pk


def test_insert_row_takes_the_id_of_a_target_saved_later(tree: Any, category: Category) -> None:
    case = _case(tree, category)
    event = statements.new_row(CaseEvent, case=case, action=Action.REPORT, at=timezone.now())
    with pytest.raises(ValueError, match="unsaved related object 'case'"):
        statements.insert_row(event)
    statements.insert_row(case)
    statements.insert_row(event)
    assert event.case_id == case.pk


def test_insert_rows_and_select_rows(tree: Any, category: Category) -> None:
    cases = [_case(tree, category, number=f"20260000{i:02d}") for i in range(1, 6)]
    statements.insert_rows(cases)
    assert sorted(c.pk for c in cases) == sorted(Case.objects.values_list("pk", flat=True))
    by_number = {c.number: c.pk for c in Case.objects.all()}
    assert all(by_number[c.number] == c.pk for c in cases)

    (found,) = statements.select_rows(Case, '"number" = %s', ["2026000003"], defer=("extra",))
    assert found.pk == by_number["2026000003"] and found.reported_at == cases[2].reported_at
    assert "extra" not in found.__dict__
    assert found.extra == {}  # loaded on first access
