"""Dispute mediation end to end (issue 16), in Chromium: a grid worker's screening return on a
phone reports a dispute; the 综治中心 dispatcher accepts it and assigns it to a mediator; the
mediator holds two sessions, adds the other party, records the agreement, downloads the
人民调解协议书 (opened here with python-docx), visits the parties and closes the dispute. A
sensitive family dispute stays invisible to a grid worker of another grid and to a department
handler. Steps the journey is not about (the round, the rooms, the mediator's profile) go
through the real services. Screenshots: ``mediation-*``.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gridgov.accounts.services import department_create
from gridgov.mediation.choices import Status
from gridgov.mediation.disputes.services import PartyIn, dispute_register
from gridgov.mediation.models import Dispute, DisputeType
from gridgov.mediation.orgs.services import mediator_create, room_create
from gridgov.mediation.screening.services import screening_round_open
from gridgov.rosters.tests.builders import valid_id

from .conftest import screenshot
from .test_journey_cases import no_error, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _now_local() -> str:
    """Now as a datetime-local value with seconds (a session may not lie in the future nor
    before the dispute was registered, a few seconds earlier)."""
    return datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def act(page: Any, action: str, fill: dict[str, str] | None = None) -> None:
    """Take ``action`` on the dispute page: unfold its form if it has fields, fill them, submit,
    and wait for the page it leads back to."""
    box = page.locator(f".gg-action[data-action={action}]")
    if box.evaluate("e => e.tagName") == "DETAILS" and box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in (fill or {}).items():
        field = box.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        box.locator("button[type=submit]").click()
    no_error(page)


@pytest.fixture
def world(tree: Any, make_user: Any) -> dict[str, Any]:
    neighbour, _ = DisputeType.objects.get_or_create(
        code="neighbour", defaults={"name": "邻里纠纷", "deadline_days": 30}
    )
    family, _ = DisputeType.objects.get_or_create(
        code="family", defaults={"name": "婚姻家庭纠纷", "sensitive": True}
    )
    admin = make_user("med-admin", ("dispatcher", tree.county))
    mediator_user = make_user("mediator1", ("mediator", tree.community), display_name="马建才")
    room = room_create(actor=admin, name="马建才调解室", area=tree.community)
    mediator = mediator_create(
        actor=admin, name="马建才", area=tree.community, room=room, user=mediator_user
    )
    department = department_create(
        actor=None, name="城管中队", kind="urban_management", area=tree.county
    )
    screening_round_open(
        actor=None, area=tree.community, period="weekly", starts_on=timezone.localdate()
    )
    return {
        "neighbour": neighbour,
        "family": family,
        "room": room,
        "mediator": mediator,
        "worker": make_user("gw-grid1", ("grid_worker", tree.grid1)),
        "dispatcher": admin,
        "other_worker": make_user("gw-grid3", ("grid_worker", tree.grid3)),
        "handler": make_user("dept-1", ("dept_handler", tree.county), department=department),
    }


def test_screening_to_closed_agreement(
    live_server: Any, open_page: Any, world: dict[str, Any], tree: Any, tmp_path: Any
) -> None:
    base = live_server.url

    # 1. The grid worker's weekly return, on a phone: one dispute found.
    worker = open_page("phone")
    sign_in(worker, base, "gw-grid1")
    worker.goto(f"{base}/mediation/screening/mine/")
    worker.locator("[data-testid=pending-return]").first.wait_for()
    screenshot(worker, "mediation-screening-mine")
    worker.click("[data-testid=report-disputes]")
    form = worker.locator("[data-testid=dispute-form]").first
    form.locator("select[name$='-type']").select_option(str(world["neighbour"].pk))
    form.locator("input[name$='-title']").fill("楼上漏水，楼下住户与楼上住户争执")
    form.locator("input[name$='-party_name']").fill("王芳")
    form.locator("input[name$='-party_phone']").fill("13912345678")
    form.locator("select[name$='-risk']").select_option("yellow")
    screenshot(worker, "mediation-screening-file")
    with worker.expect_navigation():
        worker.click("[data-testid=file-return]")
    no_error(worker)
    dispute = Dispute.objects.get(title__startswith="楼上漏水")
    assert dispute.source == "screening" and dispute.status == Status.REGISTERED
    assert dispute.screening_return is not None and dispute.screening_return.filed_at

    # 2. The 综治中心 dispatcher accepts it and assigns it to the mediator and the room.
    office = open_page("desktop")
    sign_in(office, base, "med-admin")
    office.goto(f"{base}/mediation/")
    office.locator("a", has_text=dispute.number).filter(visible=True).first.click()
    office.wait_for_url(f"{base}/mediation/{dispute.pk}/")
    act(office, "accept", {"note": "属人民调解受理范围"})
    act(
        office,
        "assign",
        {"mediator": str(world["mediator"].pk), "room": str(world["room"].pk)},
    )
    assert office.locator("[data-testid=dispute-mediator]").inner_text().startswith("马建才")
    screenshot(office, "mediation-dispute-assigned")
    # The round's coverage as the community and the 综治中心 see it.
    office.goto(f"{base}/mediation/screening/rounds/{dispute.screening_return.round_id}/")
    office.locator("[data-testid=coverage-total]").wait_for()
    screenshot(office, "mediation-screening-round")

    # 3. The mediator, on a phone: two sessions, the other party, the agreement.
    mediator = open_page("phone")
    sign_in(mediator, base, "mediator1")
    mediator.goto(f"{base}/mediation/mine/")
    mediator.locator("[data-testid=mediator-profiles]").wait_for()
    screenshot(mediator, "mediation-mine")
    mediator.locator("a", has_text=dispute.number).filter(visible=True).first.click()
    mediator.wait_for_url(f"{base}/mediation/{dispute.pk}/")
    act(
        mediator,
        "session",
        {
            "held_at": _now_local(),
            "place": "马建才调解室",
            "attendees": "王芳、李强、网格员",
            "minutes": "双方陈述漏水经过，同意请物业查明漏点。",
        },
    )
    screenshot(mediator, "mediation-dispute-session")
    act(mediator, "add_party", {"name": "李强", "role": "respondent", "id_number": valid_id()})
    act(
        mediator,
        "session",
        {
            "held_at": _now_local(),
            "place": "马建才调解室",
            "attendees": "王芳、李强、物业",
            "minutes": "物业确认漏点在楼上卫生间，李强同意维修并赔偿。",
        },
    )
    assert mediator.locator("[data-testid=session]").count() == 2
    act(mediator, "agree", {"note": "李强于十日内修复卫生间防水，并赔偿王芳装修损失二千元。"})
    dispute.refresh_from_db()
    assert dispute.status == Status.AGREED and dispute.outcome == "agreement"
    screenshot(mediator, "mediation-dispute-agreed")

    # 4. The agreement (人民调解协议书) as DOCX: downloaded and opened.
    mediator.goto(f"{base}/mediation/documents/{dispute.pk}/")
    box = mediator.locator("[data-testid=doc-agreement]")
    box.locator("[name=terms]").fill("李强于十日内修复卫生间防水，并赔偿王芳装修损失二千元。")
    box.locator("[name=performance_method]").fill("当面支付")
    screenshot(mediator, "mediation-documents")
    with mediator.expect_download() as download_info:
        box.locator("[data-testid=agreement-download]").click()
    path = tmp_path / "agreement.docx"
    download_info.value.save_as(path)
    from docx import Document

    document = Document(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "王芳" in text and "李强" in text and dispute.number in text
    assert "二千元" in text

    # 5. The follow-up visit, then the dispute is closed.
    mediator.goto(f"{base}/mediation/{dispute.pk}/")
    act(
        mediator,
        "follow_up",
        {"visited_at": _now_local(), "performance": "full", "note": "已修复，赔偿已付。"},
    )
    act(mediator, "close", {"note": "协议已全部履行"})
    dispute.refresh_from_db()
    assert dispute.status == Status.CLOSED and dispute.performance == "full"
    assert mediator.locator("[data-testid=follow-up]").count() == 1
    screenshot(mediator, "mediation-dispute-closed")

    # 6. The 综治中心's figures and the organisations it manages.
    office.goto(f"{base}/mediation/stats/")
    office.locator("#gg-numbers-kpis").wait_for()
    no_error(office)
    screenshot(office, "mediation-numbers")
    office.goto(f"{base}/mediation/orgs/")
    office.locator("[data-testid=mediators]").wait_for()
    screenshot(office, "mediation-orgs")


def test_sensitive_dispute_stays_with_mediation_roles(
    live_server: Any, open_page: Any, world: dict[str, Any], tree: Any
) -> None:
    base = live_server.url
    family = dispute_register(
        actor=world["dispatcher"],
        area=tree.grid3,
        type=world["family"],
        title="夫妻分居财产纠纷",
        source="walk_in",
        parties=[PartyIn(name="赵敏"), PartyIn(name="钱伟", role="respondent")],
    )
    assert family.sensitive
    plain = dispute_register(
        actor=world["dispatcher"],
        area=tree.grid3,
        type=world["neighbour"],
        title="宅基地边界纠纷",
        source="walk_in",
        risk="red",
        risk_reasons="一方扬言堵路，已有多人聚集",
        parties=[PartyIn(name="孙强")],
    )

    # A grid worker of another grid: neither in the list nor by address.
    other = open_page("phone")
    sign_in(other, base, "gw-grid1")
    other.goto(f"{base}/mediation/")
    assert other.locator("a", has_text=family.number).count() == 0
    assert other.goto(f"{base}/mediation/{family.pk}/").status == 404

    # The grid's own worker sees the plain dispute but not the family one (no sensitive right).
    own = open_page("phone")
    sign_in(own, base, "gw-grid3")
    own.goto(f"{base}/mediation/")
    assert own.locator("a", has_text=plain.number).count() >= 1
    assert own.locator("a", has_text=family.number).count() == 0

    # A department handler: no mediation at all.
    handler = open_page("desktop")
    sign_in(handler, base, "dept-1")
    assert handler.goto(f"{base}/mediation/{family.pk}/").status in (403, 404)

    # The 综治中心 dispatcher (mediation.sensitive) does see it.
    office = open_page("desktop")
    sign_in(office, base, "med-admin")
    office.goto(f"{base}/mediation/{family.pk}/")
    assert office.locator("[data-testid=dispute-sensitive]").count() == 1
    screenshot(office, "mediation-dispute-sensitive")
    # The red dispute waits on the 综治中心's high-risk board.
    office.goto(f"{base}/mediation/board/")
    assert office.locator("[data-testid=board] a", has_text=plain.number).count() == 1
    screenshot(office, "mediation-board")
