"""The working calendar for a year without a schedule, in Chromium (desktop): a case's deadline
reaching into 2027 is marked 暂定, the administrator finds the missing year in the inbox, enters
the 2027 schedule on the calendar page, the worker recomputes, and the mark is gone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from gridgov.cases.models import Case, Category
from gridgov.cases.states import Source
from gridgov.conftest import TEST_PASSWORD

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
HOLIDAYS = "2027-01-01 2027-01-03 元旦\n2027-02-06 2027-02-13 春节\n"
WORKDAYS = "2027-02-20 春节调休上班\n"


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def a_case_due_in_2027(tree: Any, worker: Any, dispatcher: Any) -> Case:
    """Signed for on Wednesday 3 Feb 2027: 2 working days, counted on the assumed 春节."""
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.services.lifecycle import case_accept, case_dispatch, case_sign

    category = Category.objects.create(
        code="T01",
        name="暴露垃圾",
        sign_limit=4,
        sign_unit="hours",
        handle_limit=2,
        handle_unit="days",
    )
    case = case_report(
        actor=worker,
        source=Source.PATROL,
        category=category,
        title="路边垃圾堆放",
        lon=106.205,
        lat=38.505,
        reported_at=datetime(2026, 11, 30, 9, tzinfo=SH),
    ).case
    at = datetime(2027, 2, 3, 10, tzinfo=SH)
    case_accept(actor=dispatcher, case=case, version=case.version, now=at)
    case_dispatch(actor=dispatcher, case=case, version=case.version, to_area=case.area, now=at)
    return case_sign(actor=worker, case=case, version=case.version, now=at)


def test_admin_enters_the_missing_year_and_the_provisional_mark_goes(
    live_server: Any, desktop: Any, tree: Any, make_user: Any
) -> None:
    from gridgov.workcal import notices, selectors
    from gridgov.workcal.models import CalendarYear

    CalendarYear.objects.filter(year=2027).delete()
    selectors.cache.reset()
    notices._checked.clear()
    admin = make_user("cal_admin", ("admin", tree.county))
    dispatcher = make_user("disp", ("dispatcher", tree.county))
    worker = make_user("worker", ("grid_worker", tree.grid1))
    case = a_case_due_in_2027(tree, worker, dispatcher)  # first use: the admin is told
    assert Case.objects.get(pk=case.pk).deadline_provisional

    base = live_server.url
    page = desktop
    sign_in(page, base, "cal_admin")

    # The case shows its handling deadline as provisional.
    page.goto(f"{base}/cases/{case.pk}/")
    handle_due = page.get_by_test_id("handle-due")
    assert "2027-02-11 10:00" in handle_due.inner_text()
    assert handle_due.get_by_test_id("deadline-provisional").inner_text() == "暂定"
    screenshot(page, "workcal-case-provisional")

    # The calendar page shows 2027 as missing, with the holidays it assumes meanwhile.
    page.goto(f"{base}/calendar/2027/")
    assert page.locator("#gg-calendar-missing").is_visible()
    assumed = page.get_by_test_id("assumed-holidays").inner_text()
    assert "2027-02-05 – 2027-02-08 春节" in assumed
    screenshot(page, "workcal-assumed-2027")

    # The inbox has the missing year, once.
    page.goto(f"{base}/inbox/")
    item = page.get_by_test_id("inbox").locator("li", has_text="2027 年节假日安排尚未录入")
    assert item.count() == 1
    screenshot(page, "workcal-inbox")
    item.locator("button").click()

    # It opens the entry form for 2027.
    page.wait_for_url(f"{base}/calendar/2027/edit/")
    page.fill("#id_holidays", HOLIDAYS)
    page.fill("#id_workdays", WORKDAYS)
    screenshot(page, "workcal-enter-2027")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{base}/calendar/2027/")
    assert page.locator("#gg-calendar-missing").count() == 0
    assert "2027 年" in page.locator(".alert-success").inner_text()

    # The worker recomputes the provisional deadlines (enqueued when the year was saved).
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    page.goto(f"{base}/cases/{case.pk}/")
    handle_due = page.get_by_test_id("handle-due")
    assert "2027-02-05 10:00" in handle_due.inner_text()
    assert handle_due.get_by_test_id("deadline-provisional").count() == 0
    screenshot(page, "workcal-case-recomputed")
    # Exactly one message about 2027, and none after the year was entered.
    from gridgov.workcal.notices import KIND, notify_missing_years

    assert notify_missing_years([2027]) == 0
    assert admin.notifications.filter(kind=KIND).count() == 1
