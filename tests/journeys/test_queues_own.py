"""Journeys: queues that are the viewer's own. A department handler (城管) at phone size lists
and opens only its department's cases with the right counts; the dispatcher's queues separate
to-dos from monitoring; the dispatcher accepts and dispatches a report in one step, the
suggested unit already chosen. Screenshots: ``queues-own-*``."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridgov.accounts.services import department_create
from gridgov.cases.models import Case, Category
from gridgov.cases.services import lifecycle
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source, Status

from .conftest import screenshot
from .test_journey_cases import GRID1_POINT, no_error, sign_in, timeline_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def category(db: Any) -> Category:
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")  # 暴露垃圾: a grid-level category


def report(category: Category, title: str) -> Case:
    lon, lat = GRID1_POINT
    return case_report(
        actor=None, source=Source.RESIDENT, category=category, title=title, lon=lon, lat=lat
    ).case


def dispatch(case: Case, dispatcher: Any, **unit: Any) -> Case:
    case = lifecycle.case_accept(actor=dispatcher, case=case, version=case.version)
    return lifecycle.case_dispatch(actor=dispatcher, case=case, version=case.version, **unit)


def counts(page: Any, testid: str) -> dict[str, str]:
    tiles = page.locator(f"[data-testid={testid}] a[data-queue]")
    return {
        tiles.nth(i).get_attribute("data-queue"): tiles.nth(i)
        .locator("[data-count]")
        .get_attribute("data-count")
        for i in range(tiles.count())
    }


def test_department_handler_sees_only_its_cases(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    cg = department_create(
        actor=None, name="凤城区城管执法局", kind="urban_management", area=tree.county
    )
    sj = department_create(
        actor=None, name="凤城区市场监管局", kind="market_regulation", area=tree.county
    )
    dispatcher = make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("chengguan", ("dept_handler", tree.county), department=cg, display_name="程城管")
    ours = dispatch(report(category, "占道经营堵塞人行道"), dispatcher, to_department=cg)
    late = dispatch(report(category, "广告牌松动"), dispatcher, to_department=cg)
    lifecycle.case_sign(
        actor=cg_handler(cg), case=Case.objects.get(pk=late.pk), version=late.version
    )
    Case.objects.filter(pk=late.pk).update(handle_due_at=timezone.now() - timedelta(hours=2))
    theirs = dispatch(report(category, "过期食品销售"), dispatcher, to_department=sj)
    grids = [
        dispatch(report(category, f"垃圾堆放{i}"), dispatcher, to_area=tree.grid1) for i in range(3)
    ]
    Case.objects.filter(pk__in=[c.pk for c in grids]).update(
        status=Status.IN_PROGRESS, handle_due_at=timezone.now() - timedelta(hours=1)
    )
    base = live_server.url

    phone = open_page("phone")
    sign_in(phone, base, "chengguan")
    phone.goto(f"{base}/cases/")
    no_error(phone)
    # Its own to-dos only: one to sign for, one in progress (overdue); no monitoring, and the
    # grids' three overdue cases are not counted.
    tiles = counts(phone, "queue-tabs")
    assert tiles == {"to_sign": "1", "in_progress": "1", "due_soon": "0", "overdue": "1"}
    assert phone.locator("[data-testid=watch-tabs]").count() == 0
    screenshot(phone, "queues-own-dept-queues")

    phone.goto(f"{base}/cases/list/")
    text = phone.locator("main").inner_text()
    assert ours.number in text and late.number in text
    assert theirs.number not in text and all(c.number not in text for c in grids)
    screenshot(phone, "queues-own-dept-list")
    # Another department's case is not found at all.
    response = phone.goto(f"{base}/cases/{theirs.pk}/")
    assert response is not None and response.status == 404


def cg_handler(dept: Any) -> Any:
    from gridgov.accounts.models import User

    return User.objects.get(grants__department=dept)


def test_dispatcher_to_dos_and_monitoring(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    dispatcher = make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    report(category, "井盖缺失")
    waiting = dispatch(report(category, "路灯不亮"), dispatcher, to_area=tree.grid1)
    working = dispatch(report(category, "绿化带垃圾"), dispatcher, to_area=tree.grid1)
    Case.objects.filter(pk=working.pk).update(
        status=Status.IN_PROGRESS, handle_due_at=timezone.now() - timedelta(hours=1)
    )
    base = live_server.url

    page = open_page("desktop")
    sign_in(page, base, "diao")
    page.goto(f"{base}/cases/")
    no_error(page)
    todo = counts(page, "queue-tabs")
    assert todo["to_accept"] == "1" and todo["to_sign"] == "0" and todo["overdue"] == "0"
    watch = counts(page, "watch-tabs")
    assert watch == {"watch_to_sign": "1", "watch_in_progress": "1", "watch_overdue": "1"}
    assert "我的待办" in page.inner_text("main") and "监控" in page.inner_text("main")
    screenshot(page, "queues-own-dispatcher")
    page.click("[data-testid=watch-tabs] a[data-queue=watch_to_sign]")
    page.wait_for_url(f"{base}/cases/?queue=watch_to_sign")
    assert waiting.number in page.locator("main").inner_text()
    screenshot(page, "queues-own-dispatcher-monitoring")


def test_accept_and_dispatch_in_one_step(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    # Reported before the grid has its grid worker: straight to 待受理 (no check on site).
    low = report(category, "楼道杂物堆放")
    Case.objects.filter(pk=low.pk).update(priority=3)
    urgent = report(category, "井盖缺失有人跌倒风险")
    Case.objects.filter(pk=urgent.pk).update(priority=1)
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    base = live_server.url

    page = open_page("phone")
    sign_in(page, base, "diao")
    page.goto(f"{base}/cases/?queue=to_accept")
    rows = page.locator("[data-testid=accept-rows] > li")
    assert rows.count() == 2
    # Most urgent first; each row shows its deadline, source and the suggested unit.
    assert rows.nth(0).get_attribute("data-case") == urgent.number
    first = rows.nth(0).inner_text()
    assert "受理时限" in first and "建议承办单位" in first and tree.grid1.name in first
    screenshot(page, "queues-own-to-accept")

    rows.nth(0).locator("a").click()
    page.wait_for_url(f"{base}/cases/{urgent.pk}/")
    box = page.locator("details.gg-action[data-action=accept_dispatch]")
    box.locator("summary").click()
    chosen = box.locator("select[name=unit]").input_value()
    assert chosen == f"area:{tree.grid1.pk}"  # the suggestion, preselected
    screenshot(page, "queues-own-accept-dispatch")
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    no_error(page)
    assert timeline_actions(page)[-2:] == ["accept", "dispatch"]
    case = Case.objects.get(pk=urgent.pk)
    assert case.status == Status.ASSIGNED and case.assigned_area_id == tree.grid1.pk
    screenshot(page, "queues-own-dispatched")
