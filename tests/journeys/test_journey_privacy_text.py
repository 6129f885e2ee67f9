"""Privacy in typed-in text, in Chromium at phone size (issue 13, items 3 and 4):

1. A resident types their phone and ID number into a report. The dispatcher sees them masked
   in the description (and cannot unmask); community staff unmask them — refused without a
   reason, shown once with one, written to the audit log.
2. The resident follows the report on 我的上报 and on the receipt page: states, dates, the
   handling unit and the public reply — no staff names, no internal notes.
3. On the rosters, an unmask with an empty reason shows the field error, and a special group's
   facts appear under their labels (残疾类别：多重), not as raw keys.

Screenshots: ``privacy-*``.
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest

from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.models import Case, Category
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source
from gridgov.conftest import TEST_PASSWORD

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, PHONE_MASKED = "13912345678", "139****5678"
ID_NUMBER, ID_MASKED = "11010519491231002X", "1***************2X"
INTERNAL = "内部备注：已电话联系物业经理"
REPLY = "已责令施工方调整作业时间，咨询电话0951-5012345。"
REASON_ERROR = "请填写查看明文信息的事由。"


@pytest.fixture
def seeded(db: Any) -> None:
    """Categories and special groups (a transactional test's flush removes seeded rows)."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("gridgov.rosters.migrations.0002_seed_tag_types").seed(apps, None)


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def handled_case(tree: Any, users: dict[str, Any]) -> Case:
    """The resident's report, accepted, dispatched to the department, signed for, noted
    internally and replied to — through the services."""
    from gridgov.accounts.services import department_create

    dept = users["dept"]
    case = case_report(
        actor=users["resident"],
        source=Source.RESIDENT,
        category=Category.objects.get(code="0101"),
        title="夜间施工噪音扰民",
        description=f"凤鸣路工地夜里十一点还在施工。我的电话{PHONE}，身份证号{ID_NUMBER}，请回电。",
        address="凤鸣路1号",
        lon=106.205,
        lat=38.505,
        reporter_name="李居民",
        reporter_phone=PHONE,
    ).case
    assert department_create  # (the department was made by the caller)
    case = lc.case_accept(actor=users["dispatcher"], case=case, version=case.version)
    case = lc.case_dispatch(
        actor=users["dispatcher"], case=case, version=case.version, to_department=dept
    )
    case = lc.case_sign(actor=users["handler"], case=case, version=case.version)
    lc.case_comment(actor=users["handler"], case=case, note=INTERNAL)
    case = Case.objects.get(pk=case.pk)
    return lc.case_reply(actor=users["handler"], case=case, version=case.version, reply=REPLY)


def test_masked_text_unmask_and_public_timeline(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, seeded: None
) -> None:
    from gridgov.accounts.services import department_create

    dept = department_create(
        actor=None, name="凤城区住建局", kind="urban_management", area=tree.county
    )
    users = {
        "dept": dept,
        "resident": make_user("cunmin", ("resident", tree.grid1), display_name="李居民"),
        "dispatcher": make_user("diaodu", ("dispatcher", tree.street), display_name="赵调度"),
        "community": make_user("shequ", ("community_staff", tree.community), display_name="孙社区"),
        "handler": make_user(
            "zhujian", ("dept_handler", tree.county), department=dept, display_name="钱科员"
        ),
    }
    case = handled_case(tree, users)
    base = live_server.url
    detail = f"{base}/cases/{case.pk}/"

    # 1. The dispatcher reads the description: phone and ID number masked, no unmask form.
    dispatcher = open_page("phone")
    sign_in(dispatcher, base, "diaodu")
    dispatcher.goto(detail)
    description = dispatcher.locator("[data-testid=case-description]").inner_text()
    assert PHONE_MASKED in description and ID_MASKED in description
    html = dispatcher.content()
    assert PHONE not in html and ID_NUMBER not in html
    assert dispatcher.locator("[data-testid=case-unmask]").count() == 0
    assert "0951-***2345" in dispatcher.locator("[data-testid=case-reply]").inner_text()
    screenshot(dispatcher, "privacy-dispatcher-masked")

    # 2. Community staff unmask: refused without a reason (a Chinese field error) ...
    staff = open_page("phone")
    sign_in(staff, base, "shequ")
    staff.goto(detail)
    box = staff.locator("[data-testid=case-unmask]")
    with staff.expect_navigation():
        box.locator("button[type=submit]").click()
    error = staff.locator("[data-testid=case-unmask] .invalid-feedback")
    assert REASON_ERROR in error.inner_text()
    assert PHONE not in staff.content()
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).exists()
    screenshot(staff, "privacy-unmask-reason")
    # ... and shown once with one, audited.
    staff.locator("[data-testid=case-unmask] input[name=reason]").fill("回电核实施工地点")
    with staff.expect_navigation():
        staff.locator("[data-testid=case-unmask] button[type=submit]").click()
    staff.locator("[data-testid=case-unmasked]").wait_for()
    assert PHONE in staff.locator("[data-testid=case-description]").inner_text()
    assert PHONE in staff.locator("[data-testid=reporter-phone]").inner_text()
    screenshot(staff, "privacy-unmasked")
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_VIEWED)
    assert entry.actor_id == users["community"].pk and entry.target_id == str(case.pk)
    assert entry.detail["reason"] == "回电核实施工地点"
    # Reloading the page shows it masked again.
    staff.goto(detail)
    assert PHONE not in staff.content()

    # 3. The resident follows their report: the public timeline only.
    resident = open_page("phone")
    sign_in(resident, base, "cunmin")
    resident.goto(f"{base}/cases/mine/")
    resident.locator(f"[data-case='{case.pk}'] a").first.click()
    resident.wait_for_url(detail)
    timeline = resident.locator("[data-testid=public-timeline]")
    text = timeline.inner_text()
    assert "凤城区住建局" in text and "0951-***2345" in text
    html = resident.content()
    for hidden in (INTERNAL, "赵调度", "钱科员", "diaodu", "zhujian", "孙社区"):
        assert hidden not in html, hidden
    assert resident.locator("[data-testid=case-timeline]").count() == 0
    screenshot(resident, "privacy-resident-timeline")
    # The receipt page by its token says the same to anyone holding the link.
    resident.goto(f"{base}/cases/receipt/{case.token}/")
    receipt = resident.content()
    assert "凤城区住建局" in receipt and INTERNAL not in receipt and "钱科员" not in receipt
    screenshot(resident, "privacy-receipt")


def test_roster_unmask_needs_a_reason_and_facts_are_labelled(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, seeded: None
) -> None:
    from gridgov.rosters.models import TagType
    from gridgov.rosters.services.people import household_create, resident_create
    from gridgov.rosters.services.tags import tag_add

    worker = make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    make_user("shequ", ("community_staff", tree.community), display_name="孙社区")
    household = household_create(
        actor=worker, area=tree.grid1, household_type="registered", address="凤鸣路12号"
    )
    resident = resident_create(
        actor=worker,
        household=household,
        name="李建国",
        id_number=ID_NUMBER,
        relation="02",
        residence_type="registered",
        phone=PHONE,
        moved_in_on=date(2012, 4, 1),
    )
    tag_add(
        actor=None,
        resident=resident,
        tag_type=TagType.objects.get(code="disabled"),
        start_on=date(2020, 1, 1),
        facts={"disability_type": "多重", "grade": "二级"},
    )
    base = live_server.url
    page = open_page("phone")
    sign_in(page, base, "shequ")
    page.goto(f"{base}/rosters/residents/{resident.pk}/")
    facts = page.locator("[data-testid=tag-facts]").inner_text()
    assert "残疾类别：多重" in facts and "disability_type" not in facts
    box = page.locator("#gg-unmask")
    with page.expect_response(f"{base}/rosters/residents/{resident.pk}/unmask/"):
        box.locator("button[type=submit]").click()
    error = page.locator("#gg-unmask .invalid-feedback")
    error.wait_for()
    assert REASON_ERROR in error.inner_text()
    screenshot(page, "privacy-roster-unmask-reason")
