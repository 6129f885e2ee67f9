"""Journey: a street dispatcher on a phone opens the reports page, forgets the day
(a Chinese field error), generates the monthly report of a past month, downloads it as Excel
and PDF (both open: the workbook holds the figures and the formulas sheet, the PDF is a PDF),
and subscribes to the weekly report. Screenshots: ``command-reports-*``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from gridgov.command.models import Report, ReportSubscription

from .conftest import screenshot
from .test_journey_cases import no_error, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reports_generate_download_subscribe(
    live_server: Any, phone: Any, tree: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    user = make_user("disp", ("dispatcher", tree.street), display_name="李调度")
    base = live_server.url
    page = phone
    sign_in(page, base, "disp")
    page.goto(f"{base}/command/reports/?area={tree.street.pk}")
    no_error(page)
    assert "凤鸣街道" in page.locator("h1").inner_text()
    assert "还没有报表" in page.content()

    form = page.locator("[data-testid=generate-form]")
    form.locator("select[name=period]").select_option("month")
    # No day given (the phone's date picker keeps out a day that does not exist).
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "请输入要统计期间内的任一天" in page.locator(".invalid-feedback").first.inner_text()
    assert not Report.objects.exists()

    form = page.locator("[data-testid=generate-form]")
    form.locator("select[name=period]").select_option("month")
    form.locator("input[name=date]").fill("2025-03-15")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    no_error(page)
    report = Report.objects.get()
    assert (report.area_id, report.period, str(report.date_from)) == (
        tree.street.pk,
        "month",
        "2025-03-01",
    )
    assert "2025年3月" in page.locator("[data-testid=reports-table]").inner_text()
    screenshot(page, "command-reports")

    with page.expect_download() as info:
        page.locator("[data-testid=report-xlsx]").first.click()
    saved = tmp_path / "report.xlsx"
    info.value.save_as(str(saved))
    wb = load_workbook(saved)
    assert wb.sheetnames[0] == "封面" and wb.sheetnames[-1] == "指标说明"
    assert info.value.suggested_filename.endswith(".xlsx")

    with page.expect_download() as info:
        page.locator("[data-testid=report-pdf]").first.click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")

    subscribe = page.locator("[data-testid=subscribe-form]")
    subscribe.locator("select[name=period]").select_option("week")
    with page.expect_navigation():
        subscribe.locator("button[type=submit]").click()
    no_error(page)
    assert "周报" in page.locator("[data-testid=subscriptions]").inner_text()
    assert ReportSubscription.objects.filter(user=user, area=tree.street, period="week").exists()
