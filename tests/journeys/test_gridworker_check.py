"""The grid worker as the first responder of their grid (issue 13), in Chromium on a phone.

Three residents' reports arrive in grid 1 and wait for the grid worker's check (待核实): the
first is verified on site with a photo, goes to the dispatcher's 待受理, is handled by the
community and then checked on site (核查) by the grid worker; the second is resolved on the
spot with a photo; the third is not accepted as 不属实, and the resident sees why. Steps the
journey is not about go through the real services. Screenshots: ``gridworker-check-*``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gridgov.cases.models import Case, Category
from gridgov.cases.states import Action, Source, Status

from . import test_journey_cases as _cases
from .conftest import screenshot
from .test_journey_cases import (
    GRID1_POINT,
    no_error,
    open_action,
    photo_file,
    sign_in,
    submit_action,
    timeline_actions,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

category = _cases.category  # the fixture: the seeded category tree

REPORTS = [
    ("路灯不亮", "3号楼南侧路灯不亮，晚上出行不便。"),
    ("垃圾桶满溢", "菜市场门口垃圾桶满溢，垃圾散落地面。"),
    ("井盖松动", "小区北门井盖松动，车辆经过有响声。"),
]


def todo_count(page: Any, queue: str) -> int:
    box = page.locator(f"[data-testid=home-todo] a[data-queue={queue}]")
    return int(box.locator("[data-count]").inner_text().strip())


def open_from_home(page: Any, base: str, queue: str, number: str) -> None:
    """From the home page's to-dos: the queue, then the case."""
    page.goto(f"{base}/")
    page.click(f"[data-testid=home-todo] a[data-queue={queue}]")
    page.wait_for_url(f"{base}/cases/?queue={queue}")
    listing = page.locator("[data-testid=case-table], [data-testid=case-cards]").filter(
        visible=True
    )
    listing.locator("a", has_text=number).first.click()
    page.wait_for_url(f"{base}/cases/*/")


def test_grid_worker_checks_reports_on_site(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category, tmp_path: Path
) -> None:
    from gridgov.cases.services import lifecycle
    from gridgov.cases.services.intake import case_report

    resident_user = make_user("zhang", ("resident", tree.community), display_name="张居民")
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    staff = make_user("she", ("community_staff", tree.community), display_name="佘社区")
    base = live_server.url
    lon, lat = GRID1_POINT
    cases = [
        case_report(
            actor=resident_user,
            source=Source.RESIDENT,
            category=category,
            title=title,
            description=description,
            lon=lon,
            lat=lat,
        ).case
        for title, description in REPORTS
    ]
    assert all(c.status == Status.TO_CHECK for c in cases)
    confirmed, resolved, rejected = cases
    photo = str(photo_file(tmp_path))

    # The grid worker's phone: three reports to verify on site.
    worker = open_page("phone")
    sign_in(worker, base, "wang")
    assert todo_count(worker, "to_check") == 3
    assert todo_count(worker, "to_verify") == 0
    screenshot(worker, "gridworker-check-home")

    # 1. Verified on site with a photo: on to the dispatchers' 待受理.
    open_from_home(worker, base, "to_check", confirmed.number)
    assert worker.locator(".gg-status[data-status=to_check]").count() == 1
    box = open_action(worker, Action.CHECK_CONFIRM)
    box.locator("textarea[name=note]").fill("现场查看属实，路灯不亮。")
    box.locator("input[name=photos]").set_input_files(photo)
    screenshot(worker, "gridworker-check-detail")
    submit_action(worker, box)
    assert Case.objects.get(pk=confirmed.pk).status == Status.REPORTED
    assert timeline_actions(worker)[-1] == Action.CHECK_CONFIRM

    dispatcher = open_page("desktop")
    sign_in(dispatcher, base, "diao")
    dispatcher.goto(f"{base}/cases/?queue=to_accept")
    no_error(dispatcher)
    rows = dispatcher.locator("[data-testid=accept-rows]").locator("a", has_text=confirmed.number)
    assert rows.count() == 1
    # The community takes it on and replies (through the services).
    case = Case.objects.get(pk=confirmed.pk)
    case = lifecycle.case_accept(actor=dispatcher_user(), case=case, version=case.version)
    case = lifecycle.case_dispatch(
        actor=dispatcher_user(), case=case, version=case.version, to_area=tree.community
    )
    case = lifecycle.case_sign(actor=staff, case=case, version=case.version)
    lifecycle.case_reply(actor=staff, case=case, version=case.version, reply="已更换路灯灯泡。")

    # 2. Resolved on the spot: without a photo the form says so; with one the case closes.
    open_from_home(worker, base, "to_check", resolved.number)
    box = open_action(worker, Action.CHECK_RESOLVE)
    box.locator("textarea[name=reply]").fill("已联系环卫清运，现场已清理干净。")
    with worker.expect_navigation():
        box.locator("button[type=submit]").click()
    error = worker.locator("details[data-action=check_resolve] .invalid-feedback")
    assert "照片" in error.first.inner_text()
    assert Case.objects.get(pk=resolved.pk).status == Status.TO_CHECK
    box = open_action(worker, Action.CHECK_RESOLVE)
    box.locator("input[name=photos]").set_input_files(photo)
    screenshot(worker, "gridworker-check-resolve")
    submit_action(worker, box)
    done = Case.objects.get(pk=resolved.pk)
    assert done.status == Status.CLOSED and done.resolved_on_spot

    # 3. Not true: rejected with the reason the resident is told.
    open_from_home(worker, base, "to_check", rejected.number)
    box = open_action(worker, Action.CHECK_REJECT)
    box.locator("select[name=reason]").select_option("untrue")
    box.locator("textarea[name=note]").fill("现场查看，北门井盖完好牢固。")
    screenshot(worker, "gridworker-check-reject")
    submit_action(worker, box)
    assert Case.objects.get(pk=rejected.pk).status == Status.REJECTED

    # The on-site check (核查) of the community's reply, from the home page's 待核查.
    worker.goto(f"{base}/")
    assert todo_count(worker, "to_check") == 0
    assert todo_count(worker, "to_verify") == 1
    open_from_home(worker, base, "to_verify", confirmed.number)
    box = open_action(worker, Action.VERIFY_PASS)
    box.locator("textarea[name=note]").fill("现场核查，路灯已亮。")
    box.locator("input[name=photos]").set_input_files(photo)
    submit_action(worker, box)
    assert Case.objects.get(pk=confirmed.pk).status == Status.CLOSED

    # The resident sees why the third report was not accepted.
    resident = open_page("phone")
    sign_in(resident, base, "zhang")
    resident.goto(f"{base}/cases/mine/")
    resident.locator(f"[data-case='{rejected.pk}'] a").first.click()
    resident.wait_for_url(f"{base}/cases/*/")
    reason = resident.locator("[data-testid=public-reason]").inner_text()
    assert "不属实" in reason and "北门井盖完好牢固" in reason
    screenshot(resident, "gridworker-check-resident")
    resident.goto(f"{base}/cases/receipt/{rejected.token}/")
    assert "不属实" in resident.locator("[data-testid=public-reason]").inner_text()


def dispatcher_user() -> Any:
    from gridgov.accounts.models import User

    return User.objects.get(username="diao")
