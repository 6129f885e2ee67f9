"""The dispatcher's inbox on a phone (issue 13): overdue cases arrive as one daily digest, not
one notice per case; the dispatcher opens it, marks everything read and changes a setting.
Screenshots ``notify-*``."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridgov.cases.models import Case, Category
from gridgov.cases.states import Source
from gridgov.conftest import TEST_PASSWORD
from gridgov.notifications.models import Notification

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID1_POINT = (106.205, 38.505)


@pytest.fixture
def category(db: Any) -> Category:
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def overdue_case(category: Category, dispatcher: Any, unit: Any, title: str) -> Case:
    """A report in grid1 accepted and dispatched three days ago: its sign-for time has passed."""
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.services.lifecycle import case_accept, case_dispatch

    then = timezone.now() - timedelta(days=3)
    lon, lat = GRID1_POINT
    case = case_report(
        actor=None,
        source=Source.RESIDENT,
        category=category,
        title=title,
        lon=lon,
        lat=lat,
        reported_at=then,
    ).case
    case = case_accept(actor=dispatcher, case=case, version=case.version, now=then)
    return case_dispatch(actor=dispatcher, case=case, version=case.version, to_area=unit, now=then)


def test_dispatcher_reads_the_overdue_digest_on_a_phone(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    from gridgov.cases.digest import send_overdue_digests
    from gridgov.cases.supervision import sweep
    from gridgov.notifications.services import notify

    dispatcher_user = make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    leader = make_user("li", ("leader", tree.county), display_name="李领导")
    titles = ["小区门口垃圾堆放", "路灯不亮", "占道经营"]
    cases = [overdue_case(category, dispatcher_user, tree.grid1, t) for t in titles]
    now = timezone.now()
    sweep(now=now)
    send_overdue_digests(since=now - timedelta(days=4), until=now)
    # One message addressed to the dispatcher, which comes at once.
    notify(
        recipients=[dispatcher_user],
        kind="case.returned",
        title=f"承办单位退单：{cases[0].number} 小区门口垃圾堆放",
        body="不属于本网格职责范围。",
        url=f"/cases/{cases[0].pk}/",
    )
    assert not Notification.objects.filter(kind__in=["case.sign_overdue"]).exists()
    assert not Notification.objects.filter(recipient=leader).exists()
    base = live_server.url

    page = open_page("phone")
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", "diao")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("[data-testid=inbox-unread]").first.inner_text().startswith("2")

    # The inbox: the returned case, and one digest listing the three overdue cases.
    page.goto(f"{base}/inbox/")
    digest = page.locator("[data-testid=inbox] li", has=page.locator("details.gg-digest"))
    assert digest.count() == 1
    assert "超期案件汇总" in digest.inner_text() and "共 3 件" in digest.inner_text()
    digest.locator("summary").click()
    links = digest.locator("details a")
    assert sorted(links.all_inner_texts()) == sorted(c.number for c in cases)
    screenshot(page, "notify-inbox-digest")

    # Mark all read: the badge goes, nothing stays highlighted.
    with page.expect_navigation():
        page.click("#gg-read-all")
    assert page.locator("[data-testid=inbox-unread]").count() == 0
    assert page.locator("[data-testid=inbox] li[data-read='0']").count() == 0
    assert "已将 2 条消息标为已读" in page.locator(".alert").first.inner_text()
    screenshot(page, "notify-inbox-read")

    # The settings, from the inbox: overdue cases immediately instead of a daily digest.
    page.click("#gg-inbox-settings")
    page.wait_for_url(f"{base}/inbox/settings")
    overdue = page.locator("[data-topic='case.overdue']")
    assert "超期案件" in overdue.inner_text()
    switch = overdue.get_by_label("每日汇总一条")
    assert switch.is_checked()
    switch.uncheck()
    page.locator("[data-topic='case.due_soon']").get_by_label("站内提醒").uncheck()
    with page.expect_navigation():
        page.click("[data-testid=notification-settings] button[type=submit]")
    assert "通知设置已保存" in page.locator(".alert").first.inner_text()
    assert not page.locator("[data-topic='case.overdue']").get_by_label("每日汇总一条").is_checked()
    screenshot(page, "notify-settings")

    prefs = {
        p.topic: (p.inbox, p.email, p.digest)
        for p in dispatcher_user.notification_preferences.all()
    }
    assert prefs == {"case.overdue": (True, True, False), "case.due_soon": (False, True, False)}
