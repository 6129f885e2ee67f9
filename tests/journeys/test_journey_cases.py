"""Case journeys in Chromium (issue 3): the whole loop from a resident's report to the rating,
a return (退单) and the dispatch that follows it, and an overdue case surfacing in the
dispatcher's queue and the grid worker's inbox.

Each person works in a browser context of their own (``open_page``). Steps the journey is not
about are taken through the real services; the screenshots (``cases-*``) go into the user
guides.
"""

from __future__ import annotations

import importlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from gridgov.cases import search
from gridgov.cases.models import Case, Category
from gridgov.cases.states import Action, Source, Status
from gridgov.conftest import TEST_PASSWORD

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 暴露垃圾 (exposed rubbish): handled by the grid, no extra fields to fill in.
CATEGORY_CODE = "0101"
# A point inside grid1 (106.20–106.21 E, 38.50–38.51 N).
GRID1_POINT = (106.205, 38.505)


@pytest.fixture
def category(db: Any) -> Category:
    """The seeded category tree. Transactional tests flush the database after each test, which
    also removes the data migration's rows, so seed again (the seed skips existing codes)."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code=CATEGORY_CODE)


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def no_error(page: Any) -> None:
    """Fail with the page's own message when it shows an error."""
    alerts = page.locator(".alert-danger, .invalid-feedback")
    if alerts.count():
        raise AssertionError(f"{page.url}: {alerts.all_inner_texts()}")


def open_case_from_queue(page: Any, base: str, queue: str, number: str) -> None:
    """Open the work queue ``queue`` from the queue tabs and the case from its row or card."""
    page.goto(f"{base}/cases/")
    page.click(f"[data-testid=queue-tabs] a[data-queue={queue}]")
    page.wait_for_url(f"{base}/cases/?queue={queue}")
    listing = page.locator(
        "[data-testid=case-table], [data-testid=case-cards], [data-testid=accept-rows]"
    ).filter(visible=True)
    listing.locator("a", has_text=number).first.click()
    page.wait_for_url(f"{base}/cases/*/")


def open_action(page: Any, action: str) -> Any:
    """Unfold the action's form on the detail page (a <details> box); return the box."""
    box = page.locator(f"details.gg-action[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def submit_action(page: Any, box: Any) -> None:
    """Submit an action form and wait for the detail page it redirects to."""
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    no_error(page)


def timeline_actions(page: Any) -> list[str]:
    items = page.locator("[data-testid=case-timeline] li[data-action]")
    return [items.nth(i).get_attribute("data-action") for i in range(items.count())]


def photo_file(folder: Path, name: str = "photo.jpg") -> Path:
    """A small, real JPEG (a rubbish-coloured rectangle on grey)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (200, 200, 200))
    ImageDraw.Draw(image).rectangle((40, 40, 120, 100), fill=(120, 90, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def dispatched_case(category: Category, reporter: Any, dispatcher: Any, unit: Any) -> Case:
    """A resident's report in grid1, accepted and dispatched to ``unit`` (through the services)."""
    from gridgov.cases.services.intake import case_report
    from gridgov.cases.services.lifecycle import case_accept, case_dispatch

    lon, lat = GRID1_POINT
    case = case_report(
        actor=reporter,
        source=Source.RESIDENT,
        category=category,
        title="楼下垃圾桶满溢",
        description="三号楼东侧垃圾桶满溢，垃圾散落路面。",
        lon=lon,
        lat=lat,
    ).case
    case = case_accept(actor=dispatcher, case=case, version=case.version)
    return case_dispatch(actor=dispatcher, case=case, version=case.version, to_area=unit)


# --- 1. The full loop ---------------------------------------------------------------------------


def test_report_to_rating(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category, tmp_path: Path
) -> None:
    make_user("zhang", ("resident", tree.community), display_name="张居民")
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("she", ("community_staff", tree.community), display_name="佘社区")
    base = live_server.url

    # The resident reports on a phone: category, title, a photo and a tap on the map.
    resident = open_page("phone")
    sign_in(resident, base, "zhang")
    resident.goto(f"{base}/cases/report/")
    resident.select_option("#id_category", str(category.pk))
    resident.fill("#id_title", "楼下垃圾桶满溢")
    resident.fill("#id_description", "三号楼东侧垃圾桶满溢，垃圾散落路面。")
    resident.set_input_files("input[name=photos]", str(photo_file(tmp_path)))
    resident.locator("[data-gg-photo-preview] img").wait_for()
    # The map draws the grid outlines (in code order: grid1 first) once they are loaded;
    # clicking the middle of grid1's square sets the point.
    outlines = resident.locator("[data-gg-locate] .leaflet-overlay-pane path.leaflet-interactive")
    outlines.nth(2).wait_for()
    outlines.first.click()
    lon = float(resident.input_value("input[name=lon]"))
    lat = float(resident.input_value("input[name=lat]"))
    assert 106.20 < lon < 106.21 and 38.50 < lat < 38.51
    resident.fill("#id_address", "凤鸣社区三号楼东侧")
    resident.fill("#id_reporter_phone", "13900001111")
    screenshot(resident, "cases-report")
    resident.click("#gg-report-submit")
    resident.wait_for_url(f"{base}/cases/receipt/*/")
    number = resident.locator("[data-testid=receipt-number]").inner_text().strip()
    case = Case.objects.get(number=number)
    # No grid worker in grid1 yet: the report goes to acceptance directly (with one it would
    # wait for the grid worker's check first, see test_gridworker_check.py).
    assert case.status == Status.REPORTED
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    assert case.area_id == tree.grid1.pk
    assert case.attachments.count() == 1
    screenshot(resident, "cases-receipt")

    # The county dispatcher accepts it from the 待受理 queue and dispatches it to grid1.
    dispatcher = open_page("desktop")
    sign_in(dispatcher, base, "diao")
    dispatcher.goto(f"{base}/cases/")
    screenshot(dispatcher, "cases-queues-dispatcher")
    open_case_from_queue(dispatcher, base, "to_accept", number)
    assert dispatcher.locator("[data-testid=case-photos] img").count() == 1
    screenshot(dispatcher, "cases-detail-to-accept")
    submit_action(dispatcher, open_action(dispatcher, Action.ACCEPT))
    box = open_action(dispatcher, Action.DISPATCH)
    box.locator("select[name=unit]").select_option(f"area:{tree.grid1.pk}")
    box.locator("textarea[name=note]").fill("请尽快清理。")
    screenshot(dispatcher, "cases-dispatch")
    submit_action(dispatcher, box)
    assert Case.objects.get(pk=case.pk).status == Status.ASSIGNED

    # The case list finds it by a word of its title or its address, before the keyword index
    # has it and after the worker's job has added it; a word it does not hold finds nothing.
    def search_list(keyword: str) -> Any:
        dispatcher.goto(f"{base}/cases/list/")
        dispatcher.fill("#id_q", keyword)
        dispatcher.locator("#gg-case-filter button[type=submit]").click()
        dispatcher.wait_for_load_state()
        no_error(dispatcher)
        return dispatcher.locator("[data-testid=case-table] tr", has_text=number)

    assert search_list("垃圾桶").count() == 1
    search.index_pending()
    assert search_list("垃圾桶").count() == 1
    assert search_list("三号楼东侧").count() == 1
    screenshot(dispatcher, "cases-list-keyword")
    assert search_list("地震").count() == 0
    assert dispatcher.locator("[data-testid=case-empty]").count() == 1

    # The grid worker signs for it on a phone, cleans up and replies with a note and a photo.
    worker = open_page("phone")
    sign_in(worker, base, "wang")
    open_case_from_queue(worker, base, "to_sign", number)
    screenshot(worker, "cases-sign")
    with worker.expect_navigation():
        worker.click("form.gg-action[data-action=sign] button[type=submit]")
    no_error(worker)
    box = open_action(worker, Action.REPLY)
    box.locator("textarea[name=reply]").fill("已清理散落垃圾，并联系物业增加清运频次。")
    box.locator("input[name=photos]").set_input_files(str(photo_file(tmp_path, "after.jpg")))
    screenshot(worker, "cases-reply")
    submit_action(worker, box)
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED

    # Community staff verify the result on the spot: passed, the case is closed.
    staff = open_page("desktop")
    sign_in(staff, base, "she")
    open_case_from_queue(staff, base, "to_verify", number)
    box = open_action(staff, Action.VERIFY_PASS)
    box.locator("textarea[name=note]").fill("现场核查：已清理干净。")
    screenshot(staff, "cases-verify")
    submit_action(staff, box)
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED

    # The resident rates the result from "my reports".
    resident.goto(f"{base}/cases/mine/")
    row = resident.locator(f"li[data-case='{case.pk}']")
    assert number in row.inner_text()
    screenshot(resident, "cases-mine")
    row.locator("a").first.click()
    resident.wait_for_url(f"{base}/cases/{case.pk}/")
    box = open_action(resident, Action.RATE)
    box.locator("input[name=rating][value=satisfied]").check()
    box.locator("textarea[name=comment]").fill("处理及时，谢谢！")
    screenshot(resident, "cases-rate")
    submit_action(resident, box)

    case.refresh_from_db()
    assert case.status == Status.RATED
    assert case.rating == "satisfied"
    # The resident sees the public progress (no staff names, no internal notes).
    public = resident.locator("[data-testid=public-timeline] li[data-action]")
    assert [public.nth(i).get_attribute("data-action") for i in range(public.count())] == [
        Action.REPORT,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.SIGN,
        Action.REPLY,
        Action.VERIFY_PASS,
        Action.RATE,
    ]
    assert (
        resident.locator(
            "[data-testid=case-actions] details, [data-testid=case-actions] form"
        ).count()
        == 0
    )
    screenshot(resident, "cases-detail-rated")


# --- 2. Return and dispatch again ---------------------------------------------------------------


def test_return_and_dispatch_again(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    dispatcher_user = make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    make_user("she", ("community_staff", tree.community), display_name="佘社区")
    resident = make_user("zhang", ("resident", tree.community), display_name="张居民")
    case = dispatched_case(category, resident, dispatcher_user, tree.grid1)
    base = live_server.url

    # The grid worker returns it: it needs the community (e.g. the property company).
    worker = open_page("phone")
    sign_in(worker, base, "wang")
    open_case_from_queue(worker, base, "to_sign", case.number)
    box = open_action(worker, Action.RETURN)
    box.locator("textarea[name=reason]").fill("垃圾桶归物业管理，需社区协调物业处理。")
    screenshot(worker, "cases-return")
    submit_action(worker, box)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.assigned_area_id is None
    assert case.return_count == 1

    # The dispatcher finds it back in 待派单, with the reason, and dispatches it to the
    # community.
    dispatcher = open_page("desktop")
    sign_in(dispatcher, base, "diao")
    open_case_from_queue(dispatcher, base, "to_dispatch", case.number)
    returned = dispatcher.locator("[data-testid=case-timeline] li[data-action=return]")
    assert "需社区协调物业处理" in returned.inner_text()
    box = open_action(dispatcher, Action.DISPATCH)
    box.locator("select[name=unit]").select_option(f"area:{tree.community.pk}")
    box.locator("textarea[name=note]").fill("请社区协调物业清运。")
    screenshot(dispatcher, "cases-dispatch-again")
    submit_action(dispatcher, box)
    case.refresh_from_db()
    assert case.status == Status.ASSIGNED
    assert case.assigned_area_id == tree.community.pk

    # The grid worker can still read the case but no longer sign for it.
    worker.goto(f"{base}/cases/{case.pk}/")
    worker.locator("[data-testid=case-timeline]").wait_for()
    assert worker.locator("[data-action=sign].gg-action").count() == 0
    worker.goto(f"{base}/cases/?queue=to_sign")
    assert worker.locator("a", has_text=case.number).count() == 0

    # Community staff sign for it.
    staff = open_page("desktop")
    sign_in(staff, base, "she")
    open_case_from_queue(staff, base, "to_sign", case.number)
    with staff.expect_navigation():
        staff.click("form.gg-action[data-action=sign] button[type=submit]")
    no_error(staff)
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert timeline_actions(staff) == [
        Action.REPORT,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.RETURN,
        Action.DISPATCH,
        Action.SIGN,
    ]
    to_units = staff.locator("[data-testid=case-timeline] li[data-action=dispatch]")
    assert tree.grid1.name in to_units.nth(0).inner_text()
    assert tree.community.name in to_units.nth(1).inner_text()
    screenshot(staff, "cases-detail-returned")


# --- 3. Overdue surfacing -----------------------------------------------------------------------


def test_overdue_case_surfaces(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category
) -> None:
    from gridgov.cases import supervision
    from gridgov.notifications.models import Notification, NotificationPreference

    dispatcher_user = make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    worker_user = make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    # The grid worker chose immediate overdue notices (the default is a daily digest, see
    # tests/journeys/test_inbox_digest.py).
    NotificationPreference.objects.create(user=worker_user, topic="case.overdue", digest=False)
    resident = make_user("zhang", ("resident", tree.community), display_name="张居民")
    case = dispatched_case(category, resident, dispatcher_user, tree.grid1)
    # Test set-up: the sign-for deadline passed an hour ago.
    past = timezone.now() - timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(
        dispatched_at=past - timedelta(hours=4), sign_due_at=past, watch_at=past
    )
    result = supervision.sweep()
    assert result.sign_overdue == 1
    case.refresh_from_db()
    assert case.sign_overdue
    notice = Notification.objects.get(recipient=worker_user, kind="case.sign_overdue")
    base = live_server.url

    # The dispatcher: the monitoring tile 其他单位超期 counts it (the grid's work, not the
    # dispatcher's), and the queue lists it marked overdue.
    dispatcher = open_page("desktop")
    sign_in(dispatcher, base, "diao")
    dispatcher.goto(f"{base}/cases/")
    tile = dispatcher.locator("[data-testid=watch-tabs] a[data-queue=watch_overdue]")
    assert tile.locator("[data-count]").get_attribute("data-count") == "1"
    tile.click()
    dispatcher.wait_for_url(f"{base}/cases/?queue=watch_overdue")
    row = dispatcher.locator("[data-testid=case-table] tr", has_text=case.number)
    assert row.locator("[data-due=overdue]").count() == 1
    screenshot(dispatcher, "cases-queue-overdue")
    row.locator("a").first.click()
    dispatcher.wait_for_url(f"{base}/cases/{case.pk}/")
    assert "text-danger" in (
        dispatcher.locator("[data-testid=sign-due]").get_attribute("class") or ""
    )
    assert Action.OVERDUE in timeline_actions(dispatcher)

    # The grid worker: the overdue notice in the inbox, which leads to the case.
    worker = open_page("phone")
    sign_in(worker, base, "wang")
    worker.goto(f"{base}/inbox/")
    item = worker.locator(f"[data-testid=inbox] li[data-notification='{notice.pk}']")
    assert notice.title in item.inner_text()
    assert item.get_attribute("data-read") == "0"
    screenshot(worker, "cases-inbox-overdue")
    with worker.expect_navigation():
        item.locator("button[type=submit]").click()
    assert worker.url == f"{base}/cases/{case.pk}/"
    assert worker.locator("[data-testid=case-number]").inner_text().strip() == case.number
    assert worker.locator("form.gg-action[data-action=sign]").count() == 1
