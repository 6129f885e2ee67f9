"""/api/v1/cases intake endpoints: report with Idempotency-Key, photos, duplicates, proposal,
12345 import and template."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from openpyxl import Workbook

from gridgov.accounts.services import token_issue
from gridgov.cases.importers.hotline import HEADERS
from gridgov.cases.models import Case, CaseAttachment
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    _media,
    cats,
    image_bytes,
)

pytestmark = pytest.mark.django_db


def auth(user: Any) -> dict[str, str]:
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client: Any, url: str, user: Any, body: Any, **headers: Any) -> Any:
    return client.post(
        url, data=json.dumps(body), content_type="application/json", **auth(user), **headers
    )


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("w1", ("grid_worker", tree.grid1))


@pytest.fixture
def dispatcher(tree: Any, make_user: Any) -> Any:
    return make_user("disp", ("dispatcher", tree.street))


def body(cats: Any, **kw: Any) -> dict[str, Any]:
    data = {
        "source": "patrol",
        "category": cats.litter.pk,
        "title": "路边垃圾",
        "lon": IN_GRID1[0],
        "lat": IN_GRID1[1],
    }
    data.update(kw)
    return data


def test_report_returns_201_then_200_on_retry(client: Any, cats: Any, worker: Any) -> None:
    first = post(client, "/api/v1/cases/report", worker, body(cats), HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    again = post(client, "/api/v1/cases/report", worker, body(cats), HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Case.objects.count() == 1


def test_key_reused_for_another_body_is_409(client: Any, cats: Any, worker: Any) -> None:
    post(client, "/api/v1/cases/report", worker, body(cats), HTTP_IDEMPOTENCY_KEY="abc")
    r = post(
        client, "/api/v1/cases/report", worker, body(cats, title="别的"), HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"


def test_report_without_key_twice_makes_two(client: Any, cats: Any, worker: Any) -> None:
    post(client, "/api/v1/cases/report", worker, body(cats))
    post(client, "/api/v1/cases/report", worker, body(cats))
    assert Case.objects.count() == 2


def test_report_with_base64_photo(client: Any, cats: Any, worker: Any) -> None:
    photo = base64.b64encode(image_bytes("PNG")).decode()
    r = post(client, "/api/v1/cases/report", worker, body(cats, photos=[photo]))
    assert r.status_code == 201 and r.json()["photos"] == 1


def test_report_with_fake_photo_is_400(client: Any, cats: Any, worker: Any) -> None:
    fake = base64.b64encode(b"text, not an image").decode()
    r = post(client, "/api/v1/cases/report", worker, body(cats, photos=[fake]))
    assert r.status_code == 400 and r.json()["code"] == "bad_photo"
    r = post(client, "/api/v1/cases/report", worker, body(cats, photos=["!!notbase64"]))
    assert r.status_code == 400
    assert not Case.objects.exists()


def test_report_outside_china_is_400(client: Any, cats: Any, worker: Any) -> None:
    r = post(client, "/api/v1/cases/report", worker, body(cats, lon=2.35, lat=48.85))
    assert r.status_code == 400 and r.json()["code"] == "out_of_bounds"
    assert "location" in r.json()["fields"]


def test_report_unknown_category_is_400(client: Any, cats: Any, worker: Any) -> None:
    r = post(client, "/api/v1/cases/report", worker, body(cats, category="nope"))
    assert r.status_code == 400 and "category" in r.json()["fields"]


def test_report_without_permission_is_403(
    client: Any, cats: Any, tree: Any, make_user: Any
) -> None:
    other = make_user("w3", ("grid_worker", tree.grid3))
    r = post(client, "/api/v1/cases/report", other, body(cats))
    assert r.status_code == 403
    assert not Case.objects.exists()


def test_report_needs_authentication(client: Any, cats: Any) -> None:
    r = client.post(
        "/api/v1/cases/report", data=json.dumps(body(cats)), content_type="application/json"
    )
    assert r.status_code == 401


def test_photos_upload_multipart(client: Any, cats: Any, worker: Any) -> None:
    case_id = post(client, "/api/v1/cases/report", worker, body(cats)).json()["id"]
    f = io.BytesIO(image_bytes("JPEG"))
    f.name = "a.jpg"
    r = client.post(f"/api/v1/cases/{case_id}/photos", data={"files": [f]}, **auth(worker))
    assert r.status_code == 201, r.content
    assert CaseAttachment.objects.filter(case_id=case_id).count() == 1


def test_photos_upload_refuses_text_file(client: Any, cats: Any, worker: Any) -> None:
    case_id = post(client, "/api/v1/cases/report", worker, body(cats)).json()["id"]
    f = io.BytesIO(b"just text")
    f.name = "x.jpg"
    r = client.post(f"/api/v1/cases/{case_id}/photos", data={"files": [f]}, **auth(worker))
    assert r.status_code == 400 and r.json()["code"] == "bad_photo"
    assert not CaseAttachment.objects.exists()


def test_duplicates_and_proposal(client: Any, cats: Any, worker: Any, dispatcher: Any) -> None:
    a = post(client, "/api/v1/cases/report", worker, body(cats, title="小区门口垃圾堆放")).json()
    b = post(client, "/api/v1/cases/report", worker, body(cats, title="小区门口垃圾堆放")).json()
    r = client.get(f"/api/v1/cases/{b['id']}/duplicates", **auth(dispatcher))
    assert r.status_code == 200 and [d["id"] for d in r.json()] == [a["id"]]
    r = client.get(f"/api/v1/cases/{b['id']}/proposal", **auth(dispatcher))
    assert r.status_code == 200 and r.json()["area"]["id"] == b["area"]["id"]
    assert r.json()["level"] == 6


def test_proposal_needs_triage(client: Any, cats: Any, worker: Any) -> None:
    b = post(client, "/api/v1/cases/report", worker, body(cats)).json()
    assert client.get(f"/api/v1/cases/{b['id']}/proposal", **auth(worker)).status_code == 403


def test_duplicates_outside_jurisdiction_is_404(
    client: Any, cats: Any, worker: Any, tree: Any, make_user: Any
) -> None:
    b = post(client, "/api/v1/cases/report", worker, body(cats)).json()
    other = make_user("d3", ("dispatcher", tree.town))
    assert client.get(f"/api/v1/cases/{b['id']}/duplicates", **auth(other)).status_code == 404


def _xlsx(rows: list[list[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "orders.xlsx"
    return out


def test_import_hotline_api(client: Any, cats: Any, dispatcher: Any) -> None:
    good = ["GD1", "2025-01-05 09:30", "", "", "I0101", "垃圾", "", "", *IN_GRID1, None]
    bad = ["GD2", "2025-01-05 09:30", "", "", "nope", "垃圾", "", "", *IN_GRID1, None]
    r = client.post(
        "/api/v1/cases/import/hotline",
        data={"file": _xlsx([good, bad]), "mode": "valid"},
        **auth(dispatcher),
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["created"], data["failed_rows"]) == (1, 1)
    assert data["errors"][0]["row"] == 3 and data["error_report_base64"]


def test_import_hotline_not_excel_is_400(client: Any, cats: Any, dispatcher: Any) -> None:
    f = io.BytesIO(b"not excel")
    f.name = "x.xlsx"
    r = client.post("/api/v1/cases/import/hotline", data={"file": f}, **auth(dispatcher))
    assert r.status_code == 400 and r.json()["code"] == "not_excel"


def test_import_hotline_needs_permission(client: Any, cats: Any, worker: Any) -> None:
    r = client.post("/api/v1/cases/import/hotline", data={"file": _xlsx([])}, **auth(worker))
    assert r.status_code == 403


def test_template_download(client: Any, cats: Any, dispatcher: Any, worker: Any) -> None:
    r = client.get("/api/v1/cases/import/hotline/template", **auth(dispatcher))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert client.get("/api/v1/cases/import/hotline/template", **auth(worker)).status_code == 403
