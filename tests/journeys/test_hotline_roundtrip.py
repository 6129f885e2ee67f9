"""Journey: the 12345 round trip on a desktop. A dispatcher imports a work-order sheet, sees
the citizen (masked) as the reporter and themself as the intake operator, finds nothing of it
under 我的上报, and once the orders are handled exports 办理结果回传 and the file is opened with
openpyxl. Screenshots: ``hotline-*``."""

from __future__ import annotations

import importlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gridgov.cases.exports import hotline as results
from gridgov.cases.importers.hotline import HEADERS
from gridgov.cases.models import Case, Category
from gridgov.core import crypto
from gridgov.kernel.imports.tests.support import run_worker

from .conftest import screenshot
from .test_journey_cases import GRID1_POINT, no_error, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITIZEN, CITIZEN_PHONE = "王秀兰", "13900001111"
REPLY_PHONE = "13912345678"


@pytest.fixture
def category(db: Any) -> Category:
    """The seeded categories (transactional tests flush the data migration's rows)."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def work_orders(folder: Path) -> Path:
    """Two work orders from the hotline platform, in the import template's layout."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for n, title in ((1, "小区门口垃圾堆放"), (2, "楼道杂物堆积")):
        ws.append(
            [
                f"12345-20261201-000{n}",
                datetime(2026, 12, 1, 9, 30 + n),
                CITIZEN,
                CITIZEN_PHONE,
                "0101",
                title,
                f"{title}，已有三天。",
                "凤鸣路12号",
                GRID1_POINT[0],
                GRID1_POINT[1],
                "",
            ]
        )
    path = folder / "12345-work-orders.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def handle(people: dict[str, Any], dept: Any) -> None:
    """The first order is closed with a reply naming a phone number; the second rejected."""
    from gridgov.cases.services.handling import case_reply, case_verify
    from gridgov.cases.services.lifecycle import (
        case_accept,
        case_dispatch,
        case_reject,
        case_sign,
    )

    first = Case.objects.get(external_id="12345-20261201-0001")
    county, handler = people["county"], people["handler"]
    first = case_accept(actor=county, case=first, version=first.version)
    first = case_dispatch(actor=county, case=first, version=first.version, to_department=dept)
    first = case_sign(actor=handler, case=first, version=first.version)
    reply = f"已清运完毕，现场负责人电话{REPLY_PHONE}。"
    first = case_reply(actor=handler, case=first, version=first.version, reply=reply)
    case_verify(actor=county, case=first, version=first.version, passed=True)
    second = Case.objects.get(external_id="12345-20261201-0002")
    case_reject(actor=county, case=second, version=second.version, reason="物业管理范围，已转物业")


def test_hotline_roundtrip(
    live_server: Any,
    desktop: Any,
    tree: Any,
    make_user: Any,
    category: Category,
    tmp_path: Path,
) -> None:
    from gridgov.accounts.services import department_create

    dept = department_create(
        actor=None, name="凤城区城管局", kind="urban_management", area=tree.county
    )
    people = {
        "disp": make_user("disp", ("dispatcher", tree.street), display_name="李调度"),
        "county": make_user("county", ("dispatcher", tree.county), display_name="区调度"),
        "handler": make_user(
            "cg", ("dept_handler", tree.county), department=dept, display_name="城管办"
        ),
    }
    base = live_server.url
    page = desktop
    sign_in(page, base, "disp")

    # Import the sheet from the 12345 page.
    page.goto(f"{base}/cases/import/")
    page.set_input_files("#id_file", str(work_orders(tmp_path)))
    with page.expect_navigation():
        page.locator("form[enctype] button[type=submit]").click()
    no_error(page)
    # The upload answers with the job page at once; the background worker imports.
    run_worker()
    done = page.locator("[data-testid=job-done]")
    done.wait_for(timeout=15_000)  # the page polls every 2 s
    assert "2" in done.inner_text()
    assert Case.objects.filter(intake_by=people["disp"], reporter__isnull=True).count() == 2

    # The citizen is the reporter (masked); the dispatcher is the intake operator.
    case = Case.objects.get(external_id="12345-20261201-0001")
    page.goto(f"{base}/cases/{case.pk}/")
    card = page.locator("[data-testid=case-reporter]").inner_text()
    assert crypto.mask_name(CITIZEN) in card and CITIZEN not in card
    assert crypto.mask_mobile(CITIZEN_PHONE) in card and CITIZEN_PHONE not in card
    assert page.locator("[data-testid=case-entered-by]").inner_text() == "李调度"
    screenshot(page, "hotline-detail")

    # 我的上报 stays the dispatcher's own.
    page.goto(f"{base}/cases/mine/")
    assert "小区门口垃圾堆放" not in page.content()

    # The orders are handled; the results go back to 12345.
    handle(people, dept)
    page.goto(f"{base}/cases/import/")
    today = timezone.localdate().isoformat()
    page.fill("#id_date_from", "2026-12-01")
    page.fill("#id_date_to", today)
    screenshot(page, "hotline-import")
    with page.expect_download() as info:
        page.locator("[data-testid=hotline-results] button[type=submit]").click()
    download = info.value
    assert download.suggested_filename.startswith("12345-results-20261201-")
    saved = tmp_path / "results.xlsx"
    download.save_as(str(saved))
    ws = load_workbook(saved).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == results.HEADERS
    by_id = {r[0]: dict(zip(results.HEADERS, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"12345-20261201-0001", "12345-20261201-0002"}
    closed = by_id["12345-20261201-0001"]
    assert (closed["办理结果"], closed["办理单位"]) == ("办结", "凤城区城管局")
    assert crypto.mask_mobile(REPLY_PHONE) in closed["答复内容"]
    assert REPLY_PHONE not in repr(rows) and CITIZEN_PHONE not in repr(rows)
    assert by_id["12345-20261201-0002"]["办理结果"] == "不予受理"
