"""转人民调解 and the mediation documents, in Chromium.

A neighbour's report about a blocked passage arrives in grid 1; the community's staff turn it
into people's mediation from the case page (the report is not accepted as a case, with the
dispute's number as the reason) and see the dispute on the case page. The mediator downloads
the agreement (人民调解协议书) — opened here with python-docx: the parties' names and full ID
numbers, the dispute's number and the agreed terms are in it — and files the signed scan back.
Steps the journey is not about (the respondent, the mediator's assignment) go through the
services. Screenshots: ``mediation-documents-*``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document

from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.mediation.models import Dispute, DisputeAttachment, DisputeType

from . import test_journey_cases as _cases
from .conftest import screenshot
from .test_journey_cases import GRID1_POINT, no_error, photo_file, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

category = _cases.category  # the fixture: the seeded category tree


def _valid(number17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(number17, weights, strict=True))
    return number17 + "10X98765432"[total % 11]


def test_a_case_becomes_a_mediation_and_the_agreement_is_downloaded(
    live_server: Any, open_page: Any, tree: Any, make_user: Any, category: Category, tmp_path: Path
) -> None:
    from gridgov.cases.services.intake import case_report
    from gridgov.mediation.disputes.services import PartyIn, dispute_party_add

    make_user("she", ("community_staff", tree.community), display_name="佘社区")
    mediator = make_user("ma", ("mediator", tree.community), display_name="马调解")
    DisputeType.objects.update_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]
    lon, lat = GRID1_POINT
    case = case_report(
        actor=None,
        source="phone",
        category=category,
        title="邻居在通道堆放柴草",
        description="张建国家在两户之间的通道堆放柴草，李秀兰家通行受阻，双方多次争吵。",
        lon=lon,
        lat=lat,
        reporter_name="李秀兰",
        reporter_phone="13987654321",
    ).case
    base = live_server.url

    # The community's staff turn the report into people's mediation from the case page.
    staff = open_page("desktop")
    sign_in(staff, base, "she")
    staff.goto(f"{base}/cases/{case.pk}/")
    panel = staff.locator("[data-testid=case-mediation]")
    panel.locator("summary").click()
    panel.locator("#id_type").select_option(label="邻里纠纷")
    panel.locator("[data-testid=case-to-mediation]").click()
    staff.wait_for_url(f"{base}/cases/{case.pk}/")
    no_error(staff)
    dispute = Dispute.objects.get(from_case=case)
    linked = staff.locator("[data-testid=case-linked-dispute]")
    assert dispute.number in linked.inner_text()
    case.refresh_from_db()
    assert case.status == "rejected"
    assert dispute.number in CaseEvent.objects.filter(case=case).latest("id").note
    screenshot(staff, "mediation-documents-case")

    # The parties' ID numbers, as the mediator takes them down (the journey is not about it).
    assert dispute.parties.get().name == "李秀兰"  # the reporter applies
    dispute_party_add(
        actor=mediator,
        dispute=dispute,
        version=dispute.version,
        party=PartyIn(
            name="张建国",
            role="respondent",
            id_number=_valid("11010119900307123"),
            phone="13812341234",
            address="凤鸣社区3号院1户",
        ),
    )

    # The mediator downloads the agreement and opens it.
    page = open_page("desktop")
    sign_in(page, base, mediator.username)
    page.goto(f"{base}/mediation/documents/{dispute.pk}/")
    assert page.locator("[data-testid=agreement-unmask-note]").is_visible()
    page.fill("#id_terms", "一、张建国于三日内清理通道内柴草；\n二、李秀兰不再追究此事。")
    page.fill("#id_performance_method", "当场清理，调解员现场见证")
    page.fill("#id_deadline", "2026-12-20")
    screenshot(page, "mediation-documents-page")
    with page.expect_download() as info:
        page.click("[data-testid=agreement-download]")
    saved = tmp_path / "agreement.docx"
    info.value.save_as(saved)
    doc = Document(str(saved))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == "人民调解协议书"
    assert f"编号：{dispute.number}" in text
    assert "张建国" in text and "李秀兰" in text
    assert _valid("11010119900307123") in text
    assert "一、张建国于三日内清理通道内柴草；" in text
    assert "于2026年12月20日前履行完毕" in text

    # The signed, sealed agreement comes back as a photo.
    page.select_option("#id_kind", "agreement")
    page.set_input_files("#id_file", str(photo_file(tmp_path, "协议书签字.jpg")))
    page.click("[data-testid=doc-signed] button[type=submit]")
    page.wait_for_url(f"{base}/mediation/documents/{dispute.pk}/")
    no_error(page)
    assert page.locator("[data-testid=signed-document]").count() == 1
    row = DisputeAttachment.objects.get(dispute=dispute)
    assert row.document_kind == "agreement"
    assert Case.objects.count() == 1
