"""The report form in Chromium at phone size (issue 13, item 8): an empty submission shows every
problem at once, in Chinese; a filled one gives a receipt; Back and submit again shows the same
case instead of making a second one. Screenshots ``form-*``."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from gridgov.cases.models import Case, Category

from .conftest import screenshot
from .test_journey_cases import photo_file, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def category(db: Any) -> Category:
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def field_errors(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".invalid-feedback > div").all_inner_texts()]


def test_report_form_errors_receipt_and_back(
    live_server: Any, phone: Any, tree: Any, category: Category, tmp_path: Path
) -> None:
    base = live_server.url
    page = phone
    page.goto(f"{base}/cases/report/")
    assert page.locator("label[for=id_category] .text-danger").inner_text() == "*"
    key = page.input_value("input[name=idempotency_key]")

    # An empty form: every problem at once, each under its field and listed at the top.
    with page.expect_navigation():
        page.click("#gg-report-submit")
    assert field_errors(page) == [
        "请选择问题类别。",
        "请填写标题或问题描述。",
        "请在地图上标注位置，或使用当前位置。",
    ]
    summary = page.locator("#gg-form-errors")
    assert "请修改以下 3 处问题后再提交：" in summary.inner_text()
    assert summary.locator("li").count() == 3
    assert page.input_value("input[name=idempotency_key]") == key  # still the same draft
    screenshot(page, "form-errors")

    # Fill it in: category, title, a photo, a tap on grid1 on the map.
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_title", "楼下垃圾桶满溢")
    page.fill("#id_description", "三号楼东侧垃圾桶满溢，垃圾散落路面。")
    page.set_input_files("input[name=photos]", str(photo_file(tmp_path)))
    outlines = page.locator("[data-gg-locate] .leaflet-overlay-pane path.leaflet-interactive")
    outlines.nth(2).wait_for()
    outlines.first.click()
    assert page.input_value("input[name=lon]")
    screenshot(page, "form-filled")
    with page.expect_navigation():
        page.click("#gg-report-submit")
    page.wait_for_url(f"{base}/cases/receipt/*/")
    number = page.locator("[data-testid=receipt-number]").inner_text().strip()
    assert Case.objects.filter(number=number).exists()
    screenshot(page, "form-receipt")

    # Back: the browser shows the submitted draft again (its key with it); submit it again.
    page.go_back()
    page.wait_for_url(f"{base}/cases/report/")
    assert page.input_value("input[name=idempotency_key]") == key
    assert page.input_value("#id_title") == "楼下垃圾桶满溢"
    screenshot(page, "form-back")
    with page.expect_navigation():
        page.click("#gg-report-submit")
    page.wait_for_url(f"{base}/cases/receipt/*/")
    assert page.locator("[data-testid=receipt-number]").inner_text().strip() == number
    assert f"此次上报已提交过，编号 {number}，未重复登记。" in page.content()
    assert Case.objects.count() == 1
    screenshot(page, "form-resubmitted")

    # A new form is a new draft with a key of its own.
    page.goto(f"{base}/cases/report/")
    new_key = page.input_value("input[name=idempotency_key]")
    assert re.fullmatch(r"[0-9a-f]{32}", new_key) and new_key != key


def test_quick_report_and_staff_entry_show_every_problem(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    base = live_server.url

    worker = open_page("phone")
    sign_in(worker, base, "wang")
    worker.goto(f"{base}/cases/quick/")
    worker.check("#id_resolved_on_spot")
    with worker.expect_navigation():
        worker.locator("form[data-gg-once] button[type=submit]").click()
    assert field_errors(worker) == [
        "请选择问题类别。",
        "请填写标题或问题描述。",
        "请在地图上标注位置，或使用当前位置。",
        "请填写处置情况。",
    ]
    screenshot(worker, "form-quick-errors")

    staff = open_page("desktop")
    sign_in(staff, base, "diao")
    staff.goto(f"{base}/cases/new/")
    staff.select_option("#id_category", str(category.pk))
    staff.fill("#id_description", "描" * 5001)
    staff.fill("#id_lon", "107.2")
    staff.fill("#id_lat", "38.5")
    with staff.expect_navigation():
        staff.locator("form[data-gg-once] button[type=submit]").click()
    assert field_errors(staff) == [
        "问题描述最多 5000 字，当前 5001 字。",
        "该位置不在本辖区（凤城区）范围内。",
    ]
    screenshot(staff, "form-staff-errors")
    assert Case.objects.count() == 0


def test_statistics_date_inputs_show_their_dates(
    live_server: Any, open_page: Any, tree: Any, make_user: Any
) -> None:
    """Chromium drops a date value that is not yyyy-mm-dd (the zh-Hans 2026/12/01 left the
    inputs empty)."""
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    base = live_server.url
    page = open_page("desktop")
    sign_in(page, base, "diao")
    page.goto(f"{base}/cases/stats/?period=custom&date_from=2026-11-01&date_to=2026-11-30")
    assert page.input_value("input[name=date_from]") == "2026-11-01"
    assert page.input_value("input[name=date_to]") == "2026-11-30"
    page.goto(f"{base}/cases/stats/")
    assert re.fullmatch(r"\d{4}-\d{2}-01", page.input_value("input[name=date_from]"))
    screenshot(page, "form-stats-dates")
