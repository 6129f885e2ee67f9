"""POST requests: a client with a valid key reports a case through the intake service; every
refusal is the spec's error document and creates nothing."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from gridgov.cases.models import Case, CaseAttachment, CaseEvent

URL = "/open311/v2/requests.json"
IN_GRID1 = {"lat": "38.505", "long": "106.205"}


@pytest.fixture
def key(tree, categories, client_key) -> str:
    return client_key[1]


def post(data: dict[str, Any], url: str = URL, **headers: Any) -> tuple[int, Any]:
    response = Client().post(url, data, **headers)
    if url.endswith(".json"):
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return response.status_code, json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return response.status_code, ET.fromstring(response.content)


def report(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": key,
        "service_code": "T0101",
        "description": "路口有垃圾",
        **IN_GRID1,
        **extra,
    }


def test_valid_key_creates_a_case_through_intake(key, tree) -> None:
    status, data = post(report(key))
    assert status == 201
    (item,) = data
    assert item["account_id"] is None
    assert item["service_notice"]
    case = Case.objects.get(pk=item["service_request_id"])
    assert case.source == "open311"
    assert case.category.code == "T0101"
    assert case.area == tree.grid1
    assert case.description == "路口有垃圾"
    assert CaseEvent.objects.filter(case=case, action="report").count() == 1


def test_the_case_remembers_which_client_sent_it(client_key, tree, categories) -> None:
    from gridgov.open311.models import Open311Request

    client, raw = client_key
    _status, data = post(report(raw))
    link = Open311Request.objects.get(case_id=data[0]["service_request_id"])
    assert link.client == client


def test_xml_post_answers_xml(key) -> None:
    status, root = post(report(key), url="/open311/v2/requests.xml")
    assert status == 201
    assert root.tag == "service_requests"
    pk = int(root.findtext("request/service_request_id") or 0)
    assert Case.objects.filter(pk=pk, source="open311").exists()


def test_contact_details_are_stored_but_never_echoed(key) -> None:
    from gridgov.cases.services.intake import reporter_phone

    status, data = post(
        report(key, first_name="三", last_name="张", phone="13800138000", email="z@example.com")
    )
    assert status == 201
    case = Case.objects.get(pk=data[0]["service_request_id"])
    assert reporter_phone(case) == "13800138000"
    assert "13800138000" not in Case.objects.filter(pk=case.pk).values().get().__repr__()
    assert case.reporter_name == "张三"
    reads = Client().get(f"/open311/v2/requests/{case.pk}.json").content.decode()
    for secret in ("13800138000", "张三", "z@example.com"):
        assert secret not in json.dumps(data, ensure_ascii=False)
        assert secret not in reads


def test_attributes_become_the_case_extra_fields(key) -> None:
    status, data = post(
        report(
            key, service_code="T0102", **{"attribute[plate]": "宁A12345", "attribute[kind]": "货车"}
        )
    )
    assert status == 201
    case = Case.objects.get(pk=data[0]["service_request_id"])
    assert case.extra["plate"] == "宁A12345"
    assert case.extra["kind"] == "货车"


def test_a_missing_required_attribute_is_a_400(key) -> None:
    status, data = post(report(key, service_code="T0102"))
    assert status == 400
    assert any("attribute[plate]" in e["description"] for e in data)
    assert not Case.objects.exists()


@pytest.mark.parametrize("api_key", ["", "o311_forged"])
def test_missing_or_invalid_key_is_403(key, api_key) -> None:
    status, data = post(report(api_key))
    assert status == 403
    assert data[0]["code"] == 403
    assert not Case.objects.exists()


def test_invalid_key_is_403_in_xml_too(key) -> None:
    status, root = post(report("o311_forged"), url="/open311/v2/requests.xml")
    assert status == 403
    assert root.findtext("error/code") == "403"


def test_deactivated_key_is_403(client_key, tree, categories) -> None:
    from gridgov.open311.services import client_deactivate

    client, raw = client_key
    client_deactivate(actor=None, client=client)
    assert post(report(raw))[0] == 403
    assert not Case.objects.exists()


def test_unknown_service_code_is_a_400(key) -> None:
    status, data = post(report(key, service_code="NOPE"))
    assert status == 400
    assert data[0]["code"] == 400
    assert not Case.objects.exists()


def test_a_category_with_children_is_not_a_service(key) -> None:
    assert post(report(key, service_code="T01"))[0] == 400
    assert not Case.objects.exists()


def test_missing_location_is_a_400(key) -> None:
    data = report(key)
    del data["lat"], data["long"]
    assert post(data)[0] == 400
    assert not Case.objects.exists()


def test_coordinates_outside_china_are_a_400(key) -> None:
    status, data = post(report(key, lat="37.76", long="-122.46"))
    assert status == 400
    assert data[0]["code"] == 400
    assert not Case.objects.exists()


def test_an_address_alone_goes_to_the_pool_and_says_so(key, tree) -> None:
    data = report(key, address_string="凤城区金沙镇政府门口")
    del data["lat"], data["long"]
    status, body = post(data)
    assert status == 201
    case = Case.objects.get(pk=body[0]["service_request_id"])
    assert case.area == tree.county
    assert case.address == "凤城区金沙镇政府门口"
    assert "address" in body[0]["service_notice"].lower() or "地址" in body[0]["service_notice"]


def test_retry_with_the_same_idempotency_key_answers_the_same_id(key) -> None:
    first = post(report(key), HTTP_IDEMPOTENCY_KEY="retry-1")
    again = post(report(key), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first[0] == 201
    assert again[1][0]["service_request_id"] == first[1][0]["service_request_id"]
    assert Case.objects.count() == 1


def test_a_client_limited_to_an_area_cannot_report_outside_it(tree, categories) -> None:
    from gridgov.open311.services import client_create

    _client, raw = client_create(actor=None, name="金沙镇 App", area=tree.town)
    status, _data = post(report(raw))  # the point lies in 网格一 of 凤鸣街道
    assert status == 403
    assert not Case.objects.exists()
    assert post(report(raw, lat="38.605", long="106.305"))[0] == 201


def test_other_jurisdiction_is_refused_on_post(key) -> None:
    assert post(report(key, jurisdiction_id="sfgov.org"))[0] == 404
    assert not Case.objects.exists()


def test_media_url_is_kept_as_text_not_fetched(key) -> None:
    status, data = post(report(key, media_url="https://photos.example.org/1.jpg"))
    assert status == 201
    case = Case.objects.get(pk=data[0]["service_request_id"])
    assert "https://photos.example.org/1.jpg" in case.description


def test_an_uploaded_photo_is_attached(key) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    status, data = post(report(key, media=buffer))
    assert status == 201
    assert CaseAttachment.objects.filter(case_id=data[0]["service_request_id"]).count() == 1


def test_a_posted_request_is_readable_by_token(key) -> None:
    _status, data = post(report(key))
    case = Case.objects.get(pk=data[0]["service_request_id"])
    token = json.loads(Client().get(f"/open311/v2/tokens/{case.token}.json").content)
    assert token == [{"service_request_id": case.pk, "token": case.token}]


@pytest.mark.parametrize(
    "accept,expected",
    [("en", "A valid api_key is required"), ("zh-Hans", "api_key"), ("", "api_key")],
)
def test_error_descriptions_follow_accept_language(tree, categories, accept, expected) -> None:
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    status, data = post(report("wrong-key"), **headers)
    assert status == 403
    description = data[0]["description"]
    assert expected in description
    # English only when asked for; Chinese by default and for zh-Hans.
    assert description.isascii() == (accept == "en")
