"""The edge (gridgov.core.edge): bad characters, unreadable and oversized bodies are a clear
4xx — JSON for the API, the GeoReport error for Open311, the 400 page for the web — never a
500, and nothing is stored."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.db import connection
from openpyxl import load_workbook

from gridgov.accounts.services import token_issue
from gridgov.api import api as ninja_api
from gridgov.areas.models import Area
from gridgov.conftest import TEST_PASSWORD
from gridgov.core import excel

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree: Any, make_user: Any) -> Any:
    return make_user("admin", ("admin", tree.county))


@pytest.fixture
def bearer(admin: Any) -> dict[str, str]:
    _token, raw = token_issue(user=admin)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post_json(client: Any, url: str, body: bytes | str, headers: dict[str, str], **kw: Any) -> Any:
    kw.setdefault("content_type", "application/json")
    return client.post(url, data=body, **headers, **kw)


# --- JSON bodies (the API's parser) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "char"),
    [
        ('{"name": "abc\\ud800"}', "U+D800"),
        ('{"name": "a\\u0000b"}', "U+0000"),
        ('{"name": "a\\u0001b"}', "U+0001"),
        ('{"name": "a\\u007fb"}', "U+007F"),
    ],
)
def test_a_bad_character_in_json_is_400_naming_the_field(client, bearer, raw, char) -> None:
    before = Area.objects.count()
    response = post_json(client, "/api/v1/areas", raw, bearer)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "bad_characters" and char in data["message"]
    assert list(data["fields"]) == ["name"]
    assert Area.objects.count() == before


def test_the_field_path_of_a_nested_bad_character_is_named(client, bearer) -> None:
    body = {"source": "patrol", "category": 1, "extra": {"plate": ["ok", "a\x02"]}}
    response = post_json(client, "/api/v1/cases/report", json.dumps(body), bearer)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["extra.plate.1"]


def test_a_bad_character_in_a_json_key_is_refused(client, bearer) -> None:
    response = post_json(client, "/api/v1/cases/report", '{"extra": {"k\\u0000": 1}}', bearer)
    assert response.status_code == 400 and response.json()["code"] == "bad_characters"


def test_a_lone_surrogate_in_a_key_is_named_escaped(client, bearer) -> None:
    response = post_json(client, "/api/v1/cases/report", '{"extra": {"k\\ud800": 1}}', bearer)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["extra.k\\ud800"]


def test_tab_and_newlines_are_allowed_in_json_text(client, bearer) -> None:
    response = post_json(client, "/api/v1/cases/report", '{"title": "a\\tb\\r\\nc"}', bearer)
    assert response.status_code != 400 or response.json()["code"] != "bad_characters"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe{}", "bad_encoding"),
        (b'{"name": "\xe4\xb8"}', "bad_encoding"),
        (b'{"name": ', "malformed_json"),
        (b'{"lon": NaN}', "malformed_json"),
        (b"[" * 100_000, "malformed_json"),
        (b'{"n": ' + b"9" * 5000 + b"}", "malformed_json"),
    ],
)
def test_a_body_that_is_not_utf8_json_is_400(client, bearer, raw, code) -> None:
    response = post_json(client, "/api/v1/cases/report", raw, bearer)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_json_sent_as_another_media_type_is_415(client, bearer, content_type) -> None:
    body = json.dumps({"name": "新网格"})
    response = post_json(client, "/api/v1/areas", body, bearer, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_json_with_a_charset_parameter_is_fine(client, bearer) -> None:
    response = post_json(
        client, "/api/v1/cases/report", "{}", bearer, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 422  # parsed; the fields are missing


def test_a_json_body_over_the_upload_limit_is_413(client, bearer, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    response = post_json(client, "/api/v1/areas", body, bearer)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_report_too_large_for_json_names_the_multipart_photo_route(client, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"source": "patrol", "category": 1, "photos": ["A" * 2000]})
    response = post_json(client, "/api/v1/cases/report", body, bearer)
    assert response.status_code == 413
    assert "/api/v1/cases/{id}/photos" in response.json()["message"]


def test_a_two_megabyte_base64_photo_in_json_is_413_not_500(client, bearer) -> None:
    photo = "A" * (2 * 1024 * 1024 * 4 // 3)  # a 2 MB photo, base64
    body = json.dumps({"source": "patrol", "category": 1, "photos": [photo]})
    response = post_json(client, "/api/v1/cases/report", body, bearer)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_the_report_operation_documents_the_json_limit() -> None:
    schema = ninja_api.get_openapi_schema()
    report = schema["paths"]["/api/v1/cases/report"]["post"]
    assert "/api/v1/cases/{id}/photos" in report["description"]
    assert "413" in report["description"]


def test_sign_in_with_a_nul_in_the_username_is_400(client, admin) -> None:
    body = json.dumps({"username": "ad\u0000min", "password": TEST_PASSWORD})
    response = post_json(client, "/api/v1/auth/token", body, {})
    assert response.status_code == 400 and response.json()["code"] == "bad_characters"


# --- Path, query string and headers ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cases?q=%00",
        "/api/v1/cases/%00",
        "/api/v1/areas?q=a%01",
        "/api/v1/areas?a%00=1",
    ],
)
def test_a_bad_character_in_the_api_url_is_400_json(client, bearer, url) -> None:
    response = client.get(url, **bearer)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_characters"


@pytest.mark.parametrize("url", ["/cases/?q=%00", "/areas/?q=%01", "/%00/"])
def test_a_bad_character_in_a_page_url_is_the_400_page(client, admin, url) -> None:
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "不允许的字符" in response.content.decode()


def test_a_nul_in_a_header_is_400(client, bearer) -> None:
    response = post_json(client, "/api/v1/cases/report", "{}", bearer, HTTP_IDEMPOTENCY_KEY="k\x00")
    assert response.status_code == 400 and response.json()["code"] == "bad_characters"


def test_utf8_text_in_a_header_is_not_refused(client, bearer) -> None:
    # WSGI hands headers over as latin-1: UTF-8 bytes 0x80–0x9F look like C1 controls there.
    latin1 = "小区".encode().decode("latin-1")
    response = client.get("/api/v1/areas", HTTP_X_NOTE=latin1, **bearer)
    assert response.status_code == 200


def test_a_forged_session_cookie_with_a_nul_is_ignored(client) -> None:
    client.cookies["sessionid"] = "abc\x00def0123456789"
    response = client.get("/accounts/login/")
    assert response.status_code == 200


# --- Open311 ----------------------------------------------------------------------------------


def test_open311_nul_in_the_path_is_the_spec_error(client) -> None:
    response = client.get("/open311/v2/tokens/a%00b.json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_open311_nul_in_the_path_answers_xml_for_xml(client) -> None:
    response = client.get("/open311/v2/tokens/a%00b.xml")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/xml")
    assert b"<errors>" in response.content


def test_open311_nul_in_service_code_is_400_and_stores_nothing(client, tree) -> None:
    from gridgov.cases.models import Case

    data = {"api_key": "k", "service_code": "T01\x0001", "lat": "38.505", "long": "106.205"}
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 400
    assert "不允许的字符" in response.json()[0]["description"]
    assert not Case.objects.exists()


def test_open311_nul_in_a_query_is_400(client) -> None:
    response = client.get("/open311/v2/requests.json?service_code=%00")
    assert response.status_code == 400


# --- Forms and uploads ----------------------------------------------------------------------


def test_a_web_form_with_a_control_character_is_a_field_error_and_stores_nothing(
    client, tree, admin
):
    client.login(username=admin.username, password=TEST_PASSWORD)
    url = f"/areas/{tree.grid1.pk}/rename/"
    version = tree.grid1.version
    response = client.post(url, {"name": "网格\x01一", "version": version})
    assert response.status_code == 400  # the form again (a 400, as every refused form), typed
    assert "不允许的字符（U+0001）" in response.content.decode()
    assert response.context["form"].errors["name"]
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "网格一"
    assert (
        client.post(url, {"name": "网格甲", "version": version}).status_code == 302
    )  # the same form, clean
    tree.grid1.refresh_from_db()
    assert tree.grid1.name == "网格甲"


def test_the_case_report_form_with_a_control_character_is_a_field_error_and_stores_nothing(
    client, tree, make_user
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from gridgov.cases.models import Case

    worker = make_user("w1", ("grid_worker", tree.grid1))
    client.login(username=worker.username, password=TEST_PASSWORD)
    photo = SimpleUploadedFile("p.jpg", b"not really", content_type="image/jpeg")
    data = {"title": "路灯坏了", "description": "坏\x01了", "photos": photo}
    response = client.post(reverse("cases:report"), data)
    assert response.status_code in (200, 400)
    assert "description" in response.context["form"].errors
    assert "不允许的字符（U+0001）" in response.content.decode()
    assert not Case.objects.exists()


def test_every_form_char_field_carries_the_rule() -> None:
    from django import forms

    field = forms.CharField(required=False)
    with pytest.raises(forms.ValidationError):
        field.clean("a\x0bb")  # a vertical tab pasted from a word processor
    assert field.clean("第一行\n第二行\t完") == "第一行\n第二行\t完"


def test_api_form_values_are_still_refused_at_the_edge(client, bearer) -> None:
    response = client.post("/open311/v2/requests.json", {"service_code": "a\x01"})
    assert response.status_code == 400


def test_a_field_name_with_a_control_character_is_400(client, tree, admin) -> None:
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.post(f"/areas/{tree.grid1.pk}/rename/", {"na\x00me": "x"})
    assert response.status_code == 400


def _upload_operations() -> list[str]:
    schema = ninja_api.get_openapi_schema()
    urls = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method == "post" and "multipart/form-data" in content:
                urls.append(path.replace("{", "").replace("}", ""))
    return urls


def _with_ids(url: str) -> str:
    return "/".join(
        "1" if part.endswith("_id") or part == "id" else part for part in url.split("/")
    )


def test_there_are_upload_operations_to_check() -> None:
    assert len(_upload_operations()) >= 3


@pytest.mark.parametrize("bad", ["no boundary", "broken"])
def test_broken_multipart_is_400_on_every_upload_operation(client, bearer, bad) -> None:
    for url in _upload_operations():
        if bad == "no boundary":
            response = client.post(
                _with_ids(url), data=b"xx", content_type="multipart/form-data", **bearer
            )
        else:
            response = client.post(
                _with_ids(url),
                data=b"--b\r\nContent-Disposition: form-data\r\n\r\nx",
                content_type="multipart/form-data; boundary=b",
                **bearer,
            )
        assert 400 <= response.status_code < 500, (url, response.status_code)
        if response.status_code == 400:
            assert response.json()["code"] in ("bad_request", "validation_failed"), url


def test_broken_multipart_on_a_page_is_the_400_page(client, admin) -> None:
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.post("/rosters/import/", data=b"xx", content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_form_over_the_upload_limit_is_413(client, tree, admin, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.post(f"/areas/{tree.grid1.pk}/rename/", {"name": "x" * 2000})
    assert response.status_code == 413


def test_too_many_form_fields_is_400(client, tree, admin, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.login(username=admin.username, password=TEST_PASSWORD)
    data = {f"f{i}": "x" for i in range(20)}
    response = client.post(f"/areas/{tree.grid1.pk}/rename/", data)
    assert response.status_code == 400


def test_too_many_query_parameters_is_400_json(client, bearer, settings) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{i}=1" for i in range(20))
    response = client.get(f"/api/v1/areas?{query}", **bearer)
    assert response.status_code == 400 and response.json()["code"] == "too_many_fields"


# --- Exports: text stored before the rule ---------------------------------------------------


def _cells(data: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(data))
    return [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row]


def test_write_rows_strips_forbidden_characters() -> None:
    data = excel.write_rows(title="t", headers=["姓名"], rows=[["王\x01一\x00"], ["李\ufffe四"]])
    assert {"王一", "李四"} <= set(_cells(data))


def test_error_sheet_and_template_strip_forbidden_characters() -> None:
    row = excel.SheetRow(row=2, values=["a\x0bb"])
    row.error("姓名", "bad\x02")
    assert "ab" in _cells(excel.error_sheet(title="t", headers=["姓名"], rows=[row]))
    data = excel.template(title="t", headers=["姓名"], example=["c\x1fd"], notes=["n\x00"])
    assert {"cd", "n"} <= set(_cells(data))


def test_the_12345_template_survives_a_category_name_with_a_control_character() -> None:
    from gridgov.cases.importers import hotline
    from gridgov.cases.models import Category

    Category.objects.create(code="Z01", name="垃圾\x01清运")
    assert "垃圾清运" in _cells(hotline.build_template())


# --- HTML: text stored before the rule (SQLite could store NUL) -------------------------------


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL never stored NUL")
def test_an_area_name_with_a_stored_nul_does_not_break_its_page(client, tree, admin) -> None:
    Area.objects.filter(pk=tree.grid1.pk).update(name="网格\x00一\x01")
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.get(f"/areas/{tree.grid1.pk}/")
    assert response.status_code == 200
