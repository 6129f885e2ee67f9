"""Builders for the lifecycle, guard, selector and API tests of cases (CORE).

``people`` holds one user per role around the conftest tree; ``make_case`` builds a case
directly in the state a test needs (with the unit and deadlines that state implies), so each
test exercises exactly one service call. Times are fixed (``NOW``, a Wednesday morning working
hour in Asia/Shanghai), never slept on.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.services.timeline import record_department
from gridgov.cases.states import HandlingLevel, Source, Status

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 4 March 2026, 10:00 local: a plain working day, inside working hours.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=SH)

_numbers = itertools.count(1)


def category(code: str = "0103") -> Category:
    """A seeded category (the data migration's tree)."""
    return Category.objects.get(code=code)


def make_case(
    area: Any,
    cat: Category | None = None,
    *,
    status: str = Status.REPORTED,
    unit: Any = None,
    department: Any = None,
    **fields: Any,
) -> Case:
    n = next(_numbers)
    data: dict[str, Any] = {
        "number": f"2026{n:06d}",
        "source": Source.PATROL,
        "category": cat or category(),
        "title": f"测试案件{n}",
        "area": area,
        "reported_at": NOW - timedelta(hours=2),
        "status": status,
    }
    if status not in (Status.REPORTED, Status.REJECTED, Status.MERGED):
        data["accepted_at"] = NOW - timedelta(minutes=110)
    if status not in (Status.REPORTED, Status.ACCEPTED, Status.REJECTED, Status.MERGED):
        if department is not None:
            data.update(assigned_department=department, assigned_level=HandlingLevel.COUNTY)
        else:
            target = unit or area
            data.update(assigned_area=target, assigned_level=target.level)
        data.update(
            dispatched_at=NOW - timedelta(minutes=100), sign_due_at=NOW + timedelta(hours=2)
        )
    if status in (
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.RESOLVED,
        Status.CLOSED,
        Status.RATED,
    ):
        data.update(signed_at=NOW - timedelta(minutes=90), handle_due_at=NOW + timedelta(days=2))
    if status == Status.SUSPENDED:
        data["suspended_at"] = NOW - timedelta(minutes=60)
    if status in (Status.RESOLVED, Status.CLOSED, Status.RATED):
        data.update(resolved_at=NOW - timedelta(minutes=30), reply="已清理")
    if status in (Status.CLOSED, Status.RATED):
        data["closed_at"] = NOW - timedelta(minutes=20)
    data.update(fields)
    case = Case.objects.create(**data)
    if case.assigned_department_id is not None:
        # As the services do: the department holds the case, so its handlers see it.
        record_department(case, case.assigned_department_id, case.dispatched_at or NOW)
    return case


def row(case: Case) -> dict[str, Any]:
    """The case row as stored (for "nothing changed" checks)."""
    return Case.objects.filter(pk=case.pk).values().get()


def events(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))


def fresh(case: Case) -> Case:
    return Case.objects.select_related(
        "category", "area", "assigned_area", "assigned_department", "reporter", "handler"
    ).get(pk=case.pk)


@pytest.fixture
def people(tree: Any, make_user: Any) -> SimpleNamespace:
    """One user per role around the conftest tree (凤鸣街道 vs. 金沙镇)."""
    from gridgov.accounts.services import department_create

    dept = department_create(
        actor=None, name="凤城区城管执法局", kind="urban_management", area=tree.county
    )
    other_dept = department_create(
        actor=None, name="凤城区市场监管局", kind="market_regulation", area=tree.county
    )
    return SimpleNamespace(
        dept=dept,
        other_dept=other_dept,
        dispatcher=make_user("disp", ("dispatcher", tree.street)),
        county=make_user("county", ("dispatcher", tree.county)),
        town=make_user("town", ("dispatcher", tree.town)),
        community=make_user("comm", ("community_staff", tree.community)),
        worker=make_user("worker1", ("grid_worker", tree.grid1)),
        worker2=make_user("worker2", ("grid_worker", tree.grid2)),
        worker3=make_user("worker3", ("grid_worker", tree.grid3)),
        handler=make_user("cg", ("dept_handler", tree.county), department=dept),
        other_handler=make_user("sj", ("dept_handler", tree.county), department=other_dept),
        leader=make_user("leader", ("leader", tree.street)),
        resident=make_user("resident", ("resident", tree.grid1)),
        admin=make_user("admin", ("admin", tree.county)),
    )
