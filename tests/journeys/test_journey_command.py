"""The command centre screen in Chromium (issue 18): a county dispatcher's 1920×1080 screen loads
without errors and without scrollbars; a resident's report in another browser appears on it
within seconds (the live stream); drilling down into a street re-scopes the tiles; the
dispatcher accepts and dispatches the new case from the side panel and notifies the grid
worker; a leader's phone shows the compact version. The screenshots (``command-*``) go into
docs/guide/command-centre.md.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from gridgov.cases.models import Case, Category
from gridgov.cases.states import Source, Status
from gridgov.command.screen import notify as screen_topic
from gridgov.notifications.models import Notification

from .conftest import SCREENSHOT_DIR, screenshot
from .test_journey_cases import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FULL_HD = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
GRID1_POINT = (106.205, 38.505)
GRID3_POINT = (106.305, 38.605)


@pytest.fixture
def category(db: Any) -> Category:
    """The seeded category tree (transactional tests flush the data migration's rows)."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def _report(category: Category, point: tuple[float, float], title: str) -> Case:
    from gridgov.cases.services.intake import case_report

    return case_report(
        actor=None,
        source=Source.PATROL,
        category=category,
        title=title,
        lon=point[0],
        lat=point[1],
    ).case


def _screen_context(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str]]:
    """A browser context of its own whose console and page errors are collected."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" or "Content Security Policy" in m.text
            else None
        ),
    )
    return context, page, problems


def _figure(page: Any, tile: str, key: str) -> str:
    return (
        page.locator(f"[data-tile='{tile}'] [data-key='{key}'] .cc-figure-value")
        .inner_text()
        .strip()
    )


def _no_scrollbars(page: Any) -> None:
    sizes = page.evaluate(
        """() => ({
          sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
          sh: document.documentElement.scrollHeight, ch: document.documentElement.clientHeight,
          iw: window.innerWidth, ih: window.innerHeight,
          overflow: getComputedStyle(document.documentElement).overflow
        })"""
    )
    assert sizes["sw"] <= sizes["cw"] and sizes["sh"] <= sizes["ch"], sizes
    # No scrollbar takes room either: the page is exactly as wide and high as the window.
    assert sizes["cw"] == sizes["iw"] and sizes["ch"] == sizes["ih"], sizes


def _wide_screenshot(page: Any, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"))


def test_command_screen(
    live_server: Any, browser: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("zhang", ("resident", tree.community), display_name="张居民")
    base = live_server.url
    # One case in 凤鸣街道 and one in 金沙镇 today: the county counts both, the street one.
    _report(category, GRID1_POINT, "路边垃圾堆放")
    _report(category, GRID3_POINT, "村口垃圾未清运")

    # The dispatcher opens the screen at 1920×1080 from the home page.
    context, screen, problems = _screen_context(browser, FULL_HD)
    try:
        sign_in(screen, base, "diao")
        screen.click("[data-testid=home-command-screen]")
        screen.wait_for_url(f"{base}/command/")
        screen.locator("[data-tile='cases.intake']").wait_for()
        screen.locator("#cc-rank-body table").wait_for()
        screen.locator("#cc-live-state[data-state=open]").wait_for()
        assert screen.locator("[data-testid=screen-area]").inner_text() == "凤城区"
        assert _figure(screen, "cases.intake", "reported_today") == "2"
        # The live map draws the county's areas, and offers the measures to colour them by.
        screen.locator("#cc-map path.leaflet-interactive").first.wait_for()
        screen.locator("#cc-measures button[data-measure='cases.open']").wait_for()
        _no_scrollbars(screen)

        # A resident reports a problem on their phone, in another browser.
        resident = open_page("phone")
        sign_in(resident, base, "zhang")
        resident.goto(f"{base}/cases/report/")
        resident.select_option("#id_category", str(category.pk))
        resident.fill("#id_title", "小区门口井盖缺失")
        resident.fill("#id_description", "凤鸣社区北门井盖缺失，夜间有安全隐患。")
        outlines = resident.locator(
            "[data-gg-locate] .leaflet-overlay-pane path.leaflet-interactive"
        )
        outlines.nth(2).wait_for()
        outlines.first.click()
        resident.fill("#id_address", "凤鸣社区北门")
        resident.fill("#id_reporter_phone", "13900002222")
        resident.click("#gg-report-submit")
        resident.wait_for_url(f"{base}/cases/receipt/*/")
        number = resident.locator("[data-testid=receipt-number]").inner_text().strip()
        case = Case.objects.get(number=number)
        # No grid worker in grid 1 when it came in: it waits for acceptance (待受理), not for
        # a grid worker's check. The grid worker the dispatcher notifies later starts now.
        assert case.status == Status.REPORTED
        make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")

        # It appears on the screen within seconds, pushed by the live stream (no reload).
        event = screen.locator(f".cc-event[data-item='case:{case.pk}']")
        event.first.wait_for(timeout=10_000)
        screen.wait_for_function(
            """() => {
              const v = document.querySelector(
                "[data-tile='cases.intake'] [data-key='reported_today'] .cc-figure-value");
              return v && v.textContent.trim() === "3";
            }""",
            timeout=15_000,
        )
        _wide_screenshot(screen, "command-screen")

        # Drill down into 凤鸣街道 from the rankings: the whole screen is re-scoped.
        screen.locator("#cc-rank-body tr.cc-clickable", has_text="凤鸣街道").click()
        screen.wait_for_function(
            "() => document.getElementById('cc-area-name').textContent === '凤鸣街道'"
        )
        assert f"area={tree.street.pk}" in screen.url
        screen.wait_for_function(
            """() => {
              const v = document.querySelector(
                "[data-tile='cases.intake'] [data-key='reported_today'] .cc-figure-value");
              return v && v.textContent.trim() === "2";
            }"""
        )
        crumbs = screen.locator("[data-testid=screen-crumbs]")
        assert crumbs.locator("button", has_text="凤城区").count() == 1
        _no_scrollbars(screen)

        # The dispatcher clicks the event: the side panel shows the case and its actions.
        event.first.click()
        panel = screen.locator("[data-testid=screen-panel]")
        panel.locator("[data-testid=panel-actions]").wait_for()
        assert panel.locator("#cc-panel-title").inner_text() == number
        panel.locator("button[data-action=accept_dispatch]").click()
        form = panel.locator("form[data-action=accept_dispatch]")
        form.locator("select[name=to_area]").select_option(str(tree.grid1.pk))
        form.locator("textarea[name=note]").fill("请网格员今天内处置。")
        _wide_screenshot(screen, "command-panel")
        form.locator("button[type=submit]").click()
        panel.locator(".cc-ok").first.wait_for()
        case.refresh_from_db()
        assert case.status == Status.ASSIGNED
        assert case.assigned_area_id == tree.grid1.pk

        # … and notifies the grid worker of grid 1.
        panel.locator("button[data-action=notify_grid_worker]").click()
        notice = panel.locator("form[data-action=notify_grid_worker]")
        notice.locator("textarea[name=message]").fill("井盖缺失有安全隐患，请先设置围挡。")
        notice.locator("button[type=submit]").click()
        panel.locator(".cc-ok", has_text="网格员").wait_for()
        note = Notification.objects.get(kind=screen_topic.KIND)
        assert note.recipient.username == "wang"
        assert note.body == "井盖缺失有安全隐患，请先设置围挡。"
        assert not problems, problems
    finally:
        context.close()

    # A video wall of 2×2 screens: each part shows a quarter of one layout, without scrollbars.
    context, part, problems = _screen_context(browser, FULL_HD)
    try:
        sign_in(part, base, "diao")
        part.goto(f"{base}/command/?wall=2x2&part=4")
        part.locator("[data-tile='cases.intake']").wait_for(state="attached")
        box = part.locator("#cc-root").bounding_box()
        assert box["width"] == 3840 and box["height"] == 2160
        assert box["x"] == -1920 and box["y"] == -1080
        _no_scrollbars(part)
        # One 4K layout (3840×2160) scaled to the window: here half size, the whole of it.
        part.goto(f"{base}/command/?size=4k")
        part.locator("[data-tile='cases.intake']").wait_for()
        box = part.locator("#cc-root").bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 1920, 1080)
        _no_scrollbars(part)
        assert not problems, problems
        # A wall part the wall does not have: a page that says which parts there are.
        part.goto(f"{base}/command/?wall=2x2&part=7")
        assert "1 至 4" in part.locator("main").inner_text()
    finally:
        context.close()

    # A leader's phone: the compact version, key tiles, alerts and rankings, no map.
    make_user("ling", ("leader", tree.county), display_name="林领导")
    context, phone, problems = _screen_context(browser, PHONE)
    try:
        sign_in(phone, base, "ling")
        phone.goto(f"{base}/command/phone/")
        phone.locator("[data-tile='cases.intake']").wait_for()
        phone.locator("#cc-rank-body table").wait_for()
        assert not phone.locator(".cc-map-box").is_visible()
        assert phone.locator("[data-testid=screen-alerts]").is_visible()
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        screenshot(phone, "command-phone")
        # The full screen's address on a narrow window turns into the same compact version.
        phone.goto(f"{base}/command/")
        phone.locator("[data-tile='cases.intake']").wait_for()
        assert "cc-phone" in (phone.locator("html").get_attribute("class") or "")
        assert not phone.locator(".cc-map-box").is_visible()
        assert not problems, problems
    finally:
        context.close()
