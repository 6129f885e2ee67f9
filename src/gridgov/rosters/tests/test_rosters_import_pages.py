"""The import pages and API: templates, upload, job page with polling fragment, error sheet,
permissions and idempotent uploads."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from gridgov.conftest import TEST_PASSWORD
from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters.models import Resident
from gridgov.rosters.tests.builders import make_household, make_resident, valid_id
from gridgov.rosters.tests.excel_support import person, sheet_rows, workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("worker", ("grid_worker", tree.grid1))


def signed_in(client: Any, user: Any) -> Any:
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def upload(rows: list[dict[str, Any]], kind: str = "residents") -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.xlsx", workbook(kind, rows), content_type=XLSX_TYPE)


@pytest.mark.parametrize("kind", ["residents", "buildings", "tags"])
def test_each_template_has_the_chinese_header_and_an_example(client, worker, kind):
    from gridgov.rosters.excel import SHEETS

    response = signed_in(client, worker).get(reverse("rosters:import_template", args=[kind]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    header, example = sheet_rows(response.content)[:2]
    assert tuple(header) == SHEETS[kind].headers
    assert any(example)


def test_the_import_page_needs_roster_edit(client, tree, make_user):
    chief = make_user("chief", ("building_chief", tree.grid1))
    assert signed_in(client, chief).get(reverse("rosters:import")).status_code == 403


def test_upload_goes_to_the_job_page_with_the_counts(client, tree, worker):
    c = signed_in(client, worker)
    page = c.get(reverse("rosters:import"))
    token = page.context["form"].initial["client_token"]
    response = c.post(
        reverse("rosters:import"),
        {
            "kind": "residents",
            "mode": "valid",
            "client_token": token,
            "file": upload([person(tree.grid1)]),
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "rosters:import_job", args=[job.pk]
    )
    done = c.get(response["Location"])
    assert 'data-status="done"' in done.content.decode()
    assert Resident.objects.count() == 1


def test_a_double_submitted_form_imports_once(client, tree, worker):
    c = signed_in(client, worker)
    data = {"kind": "residents", "mode": "valid", "client_token": "tok-1"}
    c.post(
        reverse("rosters:import"),
        {**data, "file": upload([person(tree.grid1, 身份证号=valid_id())])},
    )
    c.post(
        reverse("rosters:import"),
        {**data, "file": upload([person(tree.grid1, 身份证号=valid_id())])},
    )
    assert ImportJob.objects.count() == 1 and Resident.objects.count() == 1


def test_a_file_error_is_shown_on_the_form(client, worker):
    c = signed_in(client, worker)
    bad = SimpleUploadedFile("x.xlsx", b"not excel at all", content_type=XLSX_TYPE)
    response = c.post(
        reverse("rosters:import"), {"kind": "residents", "mode": "valid", "file": bad}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


def test_a_running_job_polls_every_two_seconds(client, tree, worker, monkeypatch):
    from gridgov.rosters.services import imports

    monkeypatch.setattr(imports, "SYNC_ROWS", 0)
    c = signed_in(client, worker)
    c.post(
        reverse("rosters:import"),
        {"kind": "residents", "mode": "valid", "file": upload([person(tree.grid1)])},
    )
    job = ImportJob.objects.get()
    fragment = c.get(reverse("rosters:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<html" not in html


def test_the_error_sheet_is_only_for_the_importer(client, tree, worker, make_user):
    c = signed_in(client, worker)
    c.post(
        reverse("rosters:import"),
        {"kind": "residents", "mode": "valid", "file": upload([person(tree.grid1, 身份证号="1")])},
    )
    job = ImportJob.objects.get()
    url = reverse("rosters:import_errors", args=[job.pk])
    sheet = c.get(url)
    assert sheet.status_code == 200
    assert load_workbook(io.BytesIO(sheet.content)).worksheets[0]["R2"].value == "身份证号"
    other = make_user("other", ("grid_worker", tree.grid1))
    c.logout()
    assert signed_in(c, other).get(url).status_code == 404
    assert signed_in(c, other).get(reverse("rosters:import_job", args=[job.pk])).status_code == 404


# --- API --------------------------------------------------------------------------------------


class Api:
    """A Django test client speaking to /api/v1 with a bearer token of ``user``."""

    def __init__(self, client: Any, user: Any) -> None:
        from gridgov.accounts.services import token_issue

        _token, raw = token_issue(user=user)
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, url: str) -> Any:
        return self.client.get(url, **self.headers)

    def post(self, url: str, data: dict[str, Any], **headers: Any) -> Any:
        return self.client.post(url, data, **self.headers, **headers)


@pytest.fixture
def api(client: Any, worker: Any) -> Api:
    return Api(client, worker)


def _post(api: Api, rows: list[dict[str, Any]], **headers: Any) -> Any:
    data = {"kind": "residents", "mode": "valid", "file": upload(rows)}
    return api.post("/api/v1/rosters/imports", data, **headers)


def test_api_upload_then_status_then_errors(api, tree):
    response = _post(api, [person(tree.grid1), person(tree.grid1, 身份证号="123", 住址="乙")])
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["created"], job["errors"], job["status"]) == (1, 1, "done")
    again = api.get(f"/api/v1/rosters/imports/{job['id']}")
    assert again.json()["id"] == job["id"]
    errors = api.get(f"/api/v1/rosters/imports/{job['id']}/errors?format=json").json()
    assert [(e["row"], e["column"]) for e in errors] == [(3, "身份证号")]


def test_api_retry_with_the_same_idempotency_key_returns_the_first_job(api, tree):
    first = _post(api, [person(tree.grid1)], HTTP_IDEMPOTENCY_KEY="k-42")
    second = _post(api, [person(tree.grid1)], HTTP_IDEMPOTENCY_KEY="k-42")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Resident.objects.count() == 1


def test_api_wrong_headers_is_a_400(api):
    response = api.post(
        "/api/v1/rosters/imports",
        {"kind": "residents", "file": SimpleUploadedFile("b.xlsx", workbook("tags", []))},
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_headers"


def test_api_template_needs_roster_edit(client, tree, make_user):
    chief = make_user("chief", ("building_chief", tree.grid1))
    c = Api(client, chief)
    assert c.get("/api/v1/rosters/templates/residents").status_code == 403


def test_api_someone_elses_job_is_a_404(api, tree, make_user):
    job = _post(api, [person(tree.grid1)]).json()
    other = Api(api.client, make_user("other", ("grid_worker", tree.grid1)))
    assert other.get(f"/api/v1/rosters/imports/{job['id']}").status_code == 404


def test_export_api_is_masked_by_default(api, tree):
    number = valid_id()
    make_resident(make_household(tree.grid1), id_number=number, phone="13912345678")
    response = api.get("/api/v1/rosters/exports/residents")
    assert response.status_code == 200
    row = sheet_rows(response.content)[1]
    assert number not in row and "13912345678" not in row
