"""Dispute pages in Chromium (issue 16 §2): a grid worker registers a dispute on a phone (a
party added in place), the 综治中心 sees it on the high-risk board, community staff accept it
and assign a mediator, the mediator records two sessions, the agreement, a follow-up visit and
closes it; a sensitive dispute stays invisible to a grid worker of another grid.

Screenshots (``disputes-*``) go where the other journeys' go.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridgov.conftest import TEST_PASSWORD
from gridgov.mediation.models import Dispute, DisputeType, MediationRoom, Mediator

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def act(page: Any, action: str, fields: dict[str, str] | None = None) -> None:
    """Open the action's form on the detail page, fill it in, send it and expect success."""
    box = page.locator(f"details[data-action={action}]")
    box.locator("summary").click()
    for name, value in (fields or {}).items():
        field = box.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count(), page.locator(".alert").all_inner_texts()


def minute(delta: timedelta = timedelta()) -> str:
    moment = timezone.localtime(timezone.now() + delta)
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_dispute_from_the_phone_to_closed(
    live_server: Any, open_page: Any, tree: Any, make_user: Any
) -> None:
    base = live_server.url
    DisputeType.objects.update_or_create(code="land", defaults={"name": "土地山林"})[0]
    make_user("gw", ("grid_worker", tree.grid1), display_name="刘强")
    make_user("zz", ("dispatcher", tree.street), display_name="马晓燕")
    make_user("sq", ("community_staff", tree.community), display_name="张丽")
    med_user = make_user("tj", ("mediator", tree.community), display_name="马建才")
    room = MediationRoom.objects.create(name="马建才调解室", area=tree.community)
    Mediator.objects.create(name="马建才", area=tree.community, room=room, user=med_user)

    # A grid worker registers it on a phone, a third party added in place.
    phone = open_page("phone")
    sign_in(phone, base, "gw")
    phone.goto(f"{base}/mediation/new/")
    phone.select_option("#id_type", label="土地山林")
    phone.fill("#id_title", "宅基地边界争议")
    phone.fill("#id_summary", "两户因院墙位置发生冲突。")
    phone.check("input[name=risk][value=red]")
    phone.fill("#id_risk_reasons", "一方扬言动手")
    phone.fill("#id_parties-0-name", "张三")
    phone.fill("#id_parties-0-phone", "13812341234")
    phone.fill("#id_parties-1-name", "李四")
    phone.click("[data-testid=add-party]")
    phone.fill("#id_parties-2-name", "王五")
    phone.select_option("#id_parties-2-role", "other")
    screenshot(phone, "disputes-register")
    phone.click("[data-testid=dispute-register-submit]")
    phone.wait_for_url(f"{base}/mediation/*/")
    dispute = Dispute.objects.get()
    assert phone.locator("[data-testid=party]").count() == 3
    assert "13812341234" not in phone.content()

    # The 综治中心 sees it on the high-risk board at once.
    board = open_page("desktop")
    sign_in(board, base, "zz")
    board.goto(f"{base}/mediation/board/")
    assert board.locator("[data-testid=board] li").count() == 1
    screenshot(board, "disputes-board")

    # Community staff accept it and assign the mediator.
    staff = open_page("desktop")
    sign_in(staff, base, "sq")
    staff.goto(f"{base}/mediation/{dispute.pk}/")
    act(staff, "accept", {"note": "受理"})
    mediator_pk = str(Mediator.objects.get().pk)
    act(staff, "assign", {"mediator": mediator_pk})

    # The mediator works it from "my disputes" on a phone.
    mediator = open_page("phone")
    sign_in(mediator, base, "tj")
    mediator.goto(f"{base}/mediation/mine/")
    mediator.click(f"[data-testid=dispute-cards] a[href='/mediation/{dispute.pk}/']")
    for n in (1, 2):
        act(
            mediator,
            "session",
            {
                "held_at": minute(timedelta(minutes=1)),
                "attendees": "张三、李四",
                "minutes": f"第{n}次",
            },
        )
    act(mediator, "agree", {"note": "院墙按原址重砌，费用各半。"})
    act(mediator, "follow_up", {"visited_at": minute(timedelta(minutes=2)), "performance": "full"})
    act(mediator, "close")
    screenshot(mediator, "disputes-closed")
    dispute.refresh_from_db()
    assert dispute.status == "closed"
    assert dispute.sessions.count() == 2 and dispute.follow_ups.count() == 1
    assert mediator.locator("[data-testid=session]").count() == 2

    # Closed: off the board.
    board.goto(f"{base}/mediation/board/")
    assert board.locator("[data-testid=board-empty]").count() == 1


def test_a_sensitive_dispute_is_invisible_to_another_grids_worker(
    live_server: Any, open_page: Any, tree: Any, make_user: Any
) -> None:
    from gridgov.mediation.disputes.services import PartyIn, dispute_register

    base = live_server.url
    family = DisputeType.objects.update_or_create(
        code="family", defaults={"name": "婚姻家庭", "sensitive": True}
    )[0]
    dispute = dispute_register(
        actor=None,
        area=tree.grid3,
        type=family,
        title="离婚财产纠纷",
        source="walk_in",
        parties=[PartyIn(name="张三")],
    )
    make_user("gw2", ("grid_worker", tree.grid1))
    page = open_page("phone")
    sign_in(page, base, "gw2")
    page.goto(f"{base}/mediation/")
    assert "离婚财产纠纷" not in page.content()
    response = page.goto(f"{base}/mediation/{dispute.pk}/")
    assert response is not None and response.status == 404
