"""Reporting pages: public report + receipt, quick report, staff entry, 12345 import, my reports."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from gridgov.cases.importers.hotline import HEADERS
from gridgov.cases.models import Case, CaseAttachment
from gridgov.cases.states import Source, Status
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    _media,
    cats,
    image_bytes,
    upload,
)
from gridgov.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def key_of(html: str) -> str:
    m = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert m, "no idempotency key on the form"
    return m.group(1)


def form_data(client: Any, url: str, cats: Any, **kw: Any) -> dict[str, Any]:
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "idempotency_key": key_of(page.content.decode()),
        "category": str(cats.litter.pk),
        "title": "楼下垃圾没人清",
        "description": "",
        "lon": str(IN_GRID1[0]),
        "lat": str(IN_GRID1[1]),
        "address": "",
    }
    data.update(kw)
    return data


def test_public_report_signed_out(client: Any, tree: Any, cats: Any) -> None:
    data = form_data(
        client, reverse("cases:report"), cats, reporter_name="张三", reporter_phone="13812345678"
    )
    data["photos"] = [upload(image_bytes("PNG"), "a.png", "image/png")]
    r = client.post(reverse("cases:report"), data)
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cases:receipt", args=[case.token])
    assert (case.source, case.reporter, case.area) == (Source.RESIDENT, None, tree.grid1)
    assert CaseAttachment.objects.filter(case=case).count() == 1
    receipt = client.get(r["Location"]).content.decode()
    assert case.number in receipt
    assert "张三" not in receipt and "1381234" not in receipt


def test_double_submit_makes_one_case(client: Any, tree: Any, cats: Any) -> None:
    data = form_data(client, reverse("cases:report"), cats)
    first = client.post(reverse("cases:report"), data)
    second = client.post(reverse("cases:report"), data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_each_rendering_has_a_new_key(client: Any, tree: Any, cats: Any) -> None:
    a = key_of(client.get(reverse("cases:report")).content.decode())
    b = key_of(client.get(reverse("cases:report")).content.decode())
    assert a != b


def test_report_outside_china_shows_an_error(client: Any, tree: Any, cats: Any) -> None:
    data = form_data(client, reverse("cases:report"), cats, lon="2.35", lat="48.85")
    r = client.post(reverse("cases:report"), data)
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode()
    assert not Case.objects.exists()


def test_report_fake_photo_shows_an_error(client: Any, tree: Any, cats: Any) -> None:
    data = form_data(client, reverse("cases:report"), cats)
    data["photos"] = [upload(b"not an image", "x.jpg")]
    r = client.post(reverse("cases:report"), data)
    assert r.status_code == 200 and not Case.objects.exists()


def test_report_signed_in_resident_sees_it_in_mine(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    resident = make_user("res", ("resident", tree.community))
    client.login(username="res", password=TEST_PASSWORD)
    client.post(reverse("cases:report"), form_data(client, reverse("cases:report"), cats))
    case = Case.objects.get()
    assert case.reporter == resident
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    page = client.get(reverse("cases:mine")).content.decode()
    assert case.number in page and reverse("cases:detail", args=[case.pk]) in page


def test_grid_outlines_are_public_geojson(client: Any, tree: Any) -> None:
    data = client.get(reverse("cases:report_grids")).json()
    assert {f["properties"]["code"] for f in data["features"]} == {
        tree.grid1.code,
        tree.grid2.code,
        tree.grid3.code,
    }


def test_receipt_unknown_token_is_404(client: Any, db: Any) -> None:
    assert client.get(reverse("cases:receipt", args=["nope"])).status_code == 404


def test_quick_report_resolved_on_the_spot(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    make_user("w1", ("grid_worker", tree.grid1))
    client.login(username="w1", password=TEST_PASSWORD)
    data = form_data(
        client, reverse("cases:quick"), cats, resolved_on_spot="on", on_spot_reply="已清理"
    )
    r = client.post(reverse("cases:quick"), data)
    assert r.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.status, case.resolved_on_spot) == (Source.PATROL, Status.CLOSED, True)


def test_quick_report_needs_sign_in_and_permission(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    assert client.get(reverse("cases:quick")).status_code == 302
    make_user("nobody")
    client.login(username="nobody", password=TEST_PASSWORD)
    assert client.get(reverse("cases:quick")).status_code == 403


def test_staff_entry_with_area_and_phone(client: Any, tree: Any, cats: Any, make_user: Any) -> None:
    make_user("cs", ("community_staff", tree.community))
    client.login(username="cs", password=TEST_PASSWORD)
    data = form_data(
        client,
        reverse("cases:new"),
        cats,
        source="phone",
        area=str(tree.community.pk),
        lon="",
        lat="",
        reporter_name="李四",
        reporter_phone="0951-1234567",
    )
    r = client.post(reverse("cases:new"), data)
    assert r.status_code == 302, re.findall(
        r"invalid-feedback[^<]*</div>|alert-danger[^<]*<", r.content.decode()
    )
    case = Case.objects.get()
    assert (case.source, case.area, case.lon) == (Source.PHONE, tree.community, None)


def test_staff_entry_without_location_is_refused(
    client: Any, tree: Any, cats: Any, make_user: Any
) -> None:
    make_user("cs", ("community_staff", tree.community))
    client.login(username="cs", password=TEST_PASSWORD)
    data = form_data(client, reverse("cases:new"), cats, source="phone", area="", lon="", lat="")
    r = client.post(reverse("cases:new"), data)
    assert r.status_code == 200 and not Case.objects.exists()


def _xlsx(*rows: list[Any]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "orders.xlsx"
    return out


@pytest.mark.django_db(transaction=True)  # real commits: the worker closes its connection
def test_import_page_with_error_sheet(
    client: Any, tree: Any, cats: Any, make_user: Any, settings: Any, tmp_path: Any
) -> None:
    from gridgov.kernel.imports.tests.support import run_worker

    settings.DATA_DIR = tmp_path
    make_user("disp", ("dispatcher", tree.street))
    client.login(username="disp", password=TEST_PASSWORD)
    good = ["GD1", "2025-01-05 09:30", "", "", "I0101", "垃圾", "", "", *IN_GRID1, None]
    bad = ["GD2", "2025-01-05 09:30", "", "", "nope", "垃圾", "", "", *IN_GRID1, None]
    r = client.post(reverse("cases:import"), {"file": _xlsx(good, bad), "mode": "valid"})
    # The upload answers at once with the job page; the background worker imports.
    assert r.status_code == 302 and "/imports/" in r["Location"]
    assert not Case.objects.exists()
    assert 'data-status="pending"' in client.get(r["Location"]).content.decode()
    run_worker()
    html = client.get(r["Location"]).content.decode()
    assert 'data-testid="job-done"' in html and 'data-testid="job-errors"' in html
    assert Case.objects.filter(external_id="GD1").exists()
    link = re.search(r'href="([^"]+)" data-testid="error-sheet"', html)
    assert link
    sheet = client.get(link.group(1))
    assert sheet.status_code == 200
    ws = load_workbook(io.BytesIO(sheet.content)).worksheets[0]
    assert ws.cell(2, 1).value == "GD2"


def test_import_page_refuses_non_excel(client: Any, tree: Any, cats: Any, make_user: Any) -> None:
    make_user("disp", ("dispatcher", tree.street))
    client.login(username="disp", password=TEST_PASSWORD)
    f = io.BytesIO(b"hello")
    f.name = "x.xlsx"
    r = client.post(reverse("cases:import"), {"file": f, "mode": "all"})
    assert r.status_code == 200 and not Case.objects.exists()
    assert "invalid-feedback" in r.content.decode() or "import-error" in r.content.decode()


def test_import_page_needs_permission(client: Any, tree: Any, make_user: Any) -> None:
    make_user("w1", ("grid_worker", tree.grid1))
    client.login(username="w1", password=TEST_PASSWORD)
    assert client.get(reverse("cases:import")).status_code == 403
    assert client.get(reverse("cases:import_template")).status_code == 403


def test_import_template_download(client: Any, tree: Any, cats: Any, make_user: Any) -> None:
    make_user("disp", ("dispatcher", tree.street))
    client.login(username="disp", password=TEST_PASSWORD)
    r = client.get(reverse("cases:import_template"))
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_error_sheet_of_another_session_is_404(client: Any, tree: Any, make_user: Any) -> None:
    make_user("disp", ("dispatcher", tree.street))
    client.login(username="disp", password=TEST_PASSWORD)
    assert client.get(reverse("cases:import_errors", args=["guess"])).status_code == 404
