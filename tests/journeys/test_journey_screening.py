"""Screening (摸排) in Chromium: the street plans weekly screening, the worker opens the round,
grid 1's worker files "nothing found" in one tap on the phone, grid 2's worker reports the
disputes found, and the community sees the coverage. Screenshots: ``screening-*``."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from gridgov.mediation.models import Dispute, DisputeType, ScreeningReturn
from gridgov.mediation.screening import services

from .conftest import CHROMIUM, SCREENSHOT_DIR, assert_no_csp_violations, watch_csp
from .test_journey_cases import no_error, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HAVE_REGISTER = importlib.util.find_spec("gridgov.mediation.disputes.services") is not None
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone390(browser: Any) -> Any:
    """Pages in phone-sized (390×844) contexts of their own, one per person."""
    contexts: list[Any] = []
    violations: list[str] = []

    def build() -> Any:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return watch_csp(context.new_page(), violations)

    yield build
    for context in contexts:
        context.close()
    assert_no_csp_violations(violations)


def shot(page: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def test_grid_workers_file_their_returns_and_the_community_sees_coverage(
    live_server: Any, phone390: Any, tree: Any, make_user: Any
) -> None:
    assert CHROMIUM.exists()
    base = live_server.url
    DisputeType.objects.update_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]
    make_user("gw1", ("grid_worker", tree.grid1), display_name="王网格")
    make_user("gw2", ("grid_worker", tree.grid2), display_name="李网格")
    make_user("cs", ("community_staff", tree.community), display_name="社区张")
    make_user("di", ("dispatcher", tree.street), display_name="综治中心")
    services.screening_plan_set(actor=None, area=tree.street, period="weekly")
    assert services.screening_rounds_open_due().as_dict() == {"rounds": 1, "returns": 2}

    # Grid 1: nothing found, one tap.
    page = phone390()
    sign_in(page, base, "gw1")
    page.goto(f"{base}/mediation/screening/mine/")
    card = page.locator("[data-testid=pending-return]")
    assert card.count() == 1 and "网格一" in card.inner_text()
    shot(page, "screening-mine-phone")
    card.locator("[data-testid=nothing-found]").click()
    page.wait_for_url(f"{base}/mediation/screening/mine/")
    no_error(page)
    assert "已上报" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-testid=nothing-pending]").is_visible()
    shot(page, "screening-mine-filed-phone")

    # Grid 2: the disputes found.
    page2 = phone390()
    sign_in(page2, base, "gw2")
    page2.goto(f"{base}/mediation/screening/mine/")
    page2.click("[data-testid=report-disputes]")
    page2.wait_for_url(f"{base}/mediation/screening/returns/*/")
    page2.click("[data-testid=file-return]")  # nothing typed: told what is missing
    assert "请选择纠纷类型" in page2.locator("[data-testid=dispute-form]").inner_text()
    page2.select_option("#id_d-0-type", label="邻里纠纷")
    page2.fill("#id_d-0-title", "楼上漏水到楼下")
    page2.fill("#id_d-0-party_name", "张三")
    page2.fill("#id_d-0-party_phone", "13800138000")
    page2.click("[data-testid=add-dispute]")
    assert page2.locator("[data-testid=dispute-form]").count() == 2
    assert page2.input_value("#id_d-0-title") == "楼上漏水到楼下"  # kept while adding a row
    page2.select_option("#id_d-1-type", label="邻里纠纷")
    page2.fill("#id_d-1-title", "占道停车")
    page2.fill("#id_d-1-party_name", "李四")
    page2.select_option("#id_d-1-risk", "yellow")
    shot(page2, "screening-disputes-phone")
    ret2 = ScreeningReturn.objects.get(area=tree.grid2)
    if HAVE_REGISTER:  # the dispute register (i16-flow) registers what was found
        page2.click("[data-testid=file-return]")
        page2.wait_for_url(f"{base}/mediation/screening/mine/")
        no_error(page2)
        assert Dispute.objects.filter(screening_return=ret2).count() == 2
        page2.goto(f"{base}/mediation/screening/returns/{ret2.pk}/")
        assert "2 件纠纷" in page2.locator("[data-testid=result]").inner_text()
        shot(page2, "screening-filed-phone")

    # The community: coverage of its grids.
    page3 = phone390()
    sign_in(page3, base, "cs")
    page3.goto(f"{base}/mediation/screening/")
    page3.click("table a")
    page3.wait_for_url(f"{base}/mediation/screening/rounds/*/")
    total = page3.locator("[data-testid=coverage-total]").inner_text()
    filed = 2 if HAVE_REGISTER else 1
    assert f"{filed} / 2" in total
    if HAVE_REGISTER:
        found = page3.locator("[data-testid=round-disputes]").inner_text()
        assert "楼上漏水到楼下" in found and "占道停车" in found
    shot(page3, "screening-coverage-phone")
    assert not ScreeningReturn.objects.get(area=tree.grid1).late

    # The street's 综治中心: the plans, and a community switched to monthly.
    page4 = phone390()
    sign_in(page4, base, "di")
    page4.goto(f"{base}/mediation/screening/plans/")
    row = page4.locator("[data-testid=plan-row]", has_text="凤鸣社区")
    row.locator("select").select_option("monthly")
    row.locator("button[type=submit]", has_text="保存").click()
    page4.wait_for_url(f"{base}/mediation/screening/plans/")
    no_error(page4)
    assert "每月" in page4.locator(".alert-success").inner_text()
    shot(page4, "screening-plans-phone")
