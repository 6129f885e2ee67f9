"""Journey: a 12345 sheet through the import job on a desktop. A dispatcher uploads a sheet
with one bad row and lands on the job page at once, still waiting; the background worker runs
and the page (polling) shows the counts, the problem with its row and column and the error
sheet, which is downloaded and opened. Sending the same file again shows the same job, and no
work order is imported twice. Screenshots: ``import-job-*``."""

from __future__ import annotations

import importlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from gridgov.cases.importers.hotline import HEADERS
from gridgov.cases.models import Case, Category
from gridgov.kernel.imports.models import ImportJob
from gridgov.kernel.imports.tests.support import run_worker

from .conftest import screenshot
from .test_journey_cases import GRID1_POINT, no_error, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def category(db: Any) -> Category:
    """The seeded categories (transactional tests flush the data migration's rows)."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def sheet(folder: Path) -> Path:
    """Three work orders; the second names a category that does not exist."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for n, code in ((1, "0101"), (2, "不存在的类别"), (3, "0101")):
        ws.append(
            [
                f"12345-20261203-000{n}",
                datetime(2026, 12, 3, 8, 10 + n),
                "张先生",
                "13900002222",
                code,
                f"路灯不亮{n}",
                "晚上路灯一直不亮。",
                "凤鸣路8号",
                GRID1_POINT[0],
                GRID1_POINT[1],
                "",
            ]
        )
    path = folder / "12345-orders.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def upload(page: Any, base: str, path: Path) -> None:
    page.goto(f"{base}/cases/import/")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    no_error(page)


def test_hotline_import_job(
    live_server: Any, desktop: Any, tree: Any, make_user: Any, category: Category, tmp_path: Path
) -> None:
    make_user("disp", ("dispatcher", tree.street), display_name="李调度")
    base = live_server.url
    page = desktop
    sign_in(page, base, "disp")
    path = sheet(tmp_path)

    upload(page, base, path)
    job = ImportJob.objects.get()
    assert page.url.endswith(f"/imports/{job.pk}/")
    status = page.locator("[data-testid=job-status]")
    assert status.get_attribute("data-status") == "pending"
    assert "12345-orders.xlsx" in page.locator("h1").inner_text()
    assert not Case.objects.exists()
    screenshot(page, "import-job-waiting")

    run_worker()  # the background worker; the page polls and shows the result
    done = page.locator("[data-testid=job-done]")
    done.wait_for(timeout=15_000)
    text = done.inner_text()
    assert "3" in text and "2" in text and "1" in text
    problems = page.locator("[data-testid=job-errors]").inner_text()
    assert "诉求类型(分类编码或名称)" in problems and "3" in problems
    screenshot(page, "import-job-done")
    assert Case.objects.count() == 2

    with page.expect_download() as info:
        page.locator("[data-testid=error-sheet]").click()
    saved = tmp_path / "errors.xlsx"
    info.value.save_as(str(saved))
    rows = [[c.value for c in r] for r in load_workbook(saved).worksheets[0].iter_rows()]
    assert len(rows) == 2 and rows[1][0] == "12345-20261203-0002"

    # The same file again (a second click, a retry): the same job, nothing imported twice.
    upload(page, base, path)
    assert page.url.endswith(f"/imports/{job.pk}/")
    page.locator("[data-testid=job-done]").wait_for()
    assert ImportJob.objects.count() == 1 and Case.objects.count() == 2

    # The import page lists the job.
    page.goto(f"{base}/cases/import/")
    assert "12345-orders.xlsx" in page.locator("[data-testid=recent-imports]").inner_text()
