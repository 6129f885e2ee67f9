"""GeoReport v2 reads: discovery, services, service definitions, requests (every filter), one
request, tokens, in XML and JSON, with the spec's errors and no personal data."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

BASE = "/open311/v2"


def body(response: Any) -> bytes:
    """The answer's bytes, streamed (a long list) or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def get_json(url: str, **params: Any) -> tuple[int, Any]:
    response = Client().get(f"{BASE}/{url}", params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.status_code, json.loads(body(response))


def get_xml(url: str, **params: Any) -> tuple[int, ET.Element]:
    response = Client().get(f"{BASE}/{url}", params)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    content = body(response)
    assert content.startswith(b"<?xml")
    return response.status_code, ET.fromstring(content)


def ids_json(**params: Any) -> list[int]:
    status, data = get_json("requests.json", **params)
    assert status == 200
    return [item["service_request_id"] for item in data]


# --- discovery and services -------------------------------------------------------------------


@pytest.mark.django_db
def test_discovery_json_points_at_this_endpoint() -> None:
    status, data = get_json("discovery.json")
    assert status == 200
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]


@pytest.mark.django_db
def test_discovery_xml_lists_formats() -> None:
    status, root = get_xml("discovery.xml")
    assert status == 200
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_json_lists_active_leaf_categories(categories) -> None:
    status, data = get_json("services.json")
    assert status == 200
    by_code = {s["service_code"]: s for s in data}
    assert {"T0101", "T0102"} <= set(by_code)
    assert not {"T01", "T0103"} & set(by_code)  # not the parent, not the inactive one
    assert by_code["T0101"] == {
        "service_code": "T0101",
        "service_name": "暴露垃圾",
        "description": "街面上的暴露垃圾",
        "metadata": False,
        "type": "realtime",
        "keywords": "市容环境, 暴露垃圾",
        "group": "市容环境",
    }
    assert by_code["T0102"]["metadata"] is True


def test_services_xml_has_one_service_element_per_category(categories) -> None:
    status, root = get_xml("services.xml")
    assert status == 200
    assert root.tag == "services"
    services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert {"T0101", "T0102"} <= set(services)
    assert not {"T01", "T0103"} & set(services)
    assert services["T0102"].findtext("metadata") == "true"
    assert services["T0101"].findtext("group") == "市容环境"


def test_service_definition_json_maps_extra_fields(categories) -> None:
    status, data = get_json("services/T0102.json")
    assert status == 200
    assert data["service_code"] == "T0102"
    plate, kind, count = data["attributes"]
    assert plate["code"] == "plate"
    assert plate["datatype"] == "string"
    assert plate["required"] is True
    assert plate["description"] == "车牌号"
    assert plate["order"] == 1
    assert kind["datatype"] == "singlevaluelist"
    assert kind["values"] == [{"key": "小车", "name": "小车"}, {"key": "货车", "name": "货车"}]
    assert count["datatype"] == "number"
    assert count["required"] is False


def test_service_definition_xml(categories) -> None:
    status, root = get_xml("services/T0102.xml")
    assert status == 200
    assert root.tag == "service_definition"
    attrs = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["plate", "kind", "count"]
    assert attrs[0].findtext("variable") == "true"
    assert [v.findtext("key") for v in attrs[1].findall("values/value")] == ["小车", "货车"]


def test_unknown_service_definition_is_a_404_json_error(categories) -> None:
    status, data = get_json("services/NOPE.json")
    assert status == 404
    assert data[0]["code"] == 404
    assert "NOPE" in data[0]["description"]


def test_unknown_service_definition_is_a_404_xml_error(categories) -> None:
    status, root = get_xml("services/T0103.xml")  # inactive
    assert status == 404
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")


# --- jurisdiction, unknown paths, methods -----------------------------------------------------


def test_configured_jurisdiction_is_accepted(categories) -> None:
    status, _data = get_json("services.json", jurisdiction_id="gridgov")
    assert status == 200


def test_other_jurisdiction_is_a_404_in_spec_format(categories) -> None:
    status, data = get_json("services.json", jurisdiction_id="sfgov.org")
    assert status == 404
    assert data[0]["code"] == 404


def test_jurisdiction_follows_the_setting(categories, settings) -> None:
    settings.GRIDGOV_OPEN311_JURISDICTION = "fengcheng.gov.cn"
    assert get_json("services.json", jurisdiction_id="fengcheng.gov.cn")[0] == 200
    assert get_json("services.json", jurisdiction_id="gridgov")[0] == 404


@pytest.mark.django_db
def test_unknown_endpoint_answers_a_spec_error() -> None:
    status, root = get_xml("nothing.xml")
    assert status == 404
    assert root.findtext("error/code") == "404"


@pytest.mark.django_db
def test_post_to_a_read_only_endpoint_is_405() -> None:
    response = Client().post(f"{BASE}/services.json", {})
    assert response.status_code == 405
    assert json.loads(response.content)[0]["code"] == 405


@pytest.mark.django_db
def test_base_url_redirects_to_discovery() -> None:
    response = Client().get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"].endswith("/open311/v2/discovery.xml")


# --- GET requests -----------------------------------------------------------------------------


def test_requests_json_fields(make_case, tree) -> None:
    due = timezone.now() + timedelta(days=3)
    case = make_case(status="in_progress", assigned_area=tree.community, handle_due_at=due)
    status, data = get_json("requests.json")
    assert status == 200
    (item,) = data
    assert item["service_request_id"] == case.pk
    assert item["status"] == "open"
    assert item["service_code"] == "T0101"
    assert item["service_name"] == "暴露垃圾"
    assert item["description"] == "路口有一堆垃圾"
    assert item["agency_responsible"] == "凤鸣社区"
    assert item["address"] == "凤鸣路 1 号"
    assert item["lat"] == 38.505
    assert item["long"] == 106.205
    assert item["requested_datetime"] == timezone.localtime(case.reported_at).isoformat(
        timespec="seconds"
    )
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] == timezone.localtime(due).isoformat(timespec="seconds")
    assert item["service_notice"]


def test_requests_xml_wraps_each_request(make_case) -> None:
    case = make_case(status="closed")
    status, root = get_xml("requests.xml")
    assert status == 200
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert request.findtext("service_request_id") == str(case.pk)
    assert request.findtext("status") == "closed"
    assert request.findtext("long") == "106.205"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("reported", "open"),
        ("accepted", "open"),
        ("assigned", "open"),
        ("in_progress", "open"),
        ("suspended", "open"),
        ("resolved", "open"),
        ("closed", "closed"),
        ("rated", "closed"),
        ("rejected", "closed"),
        ("merged", "closed"),
    ],
)
def test_status_mapping(make_case, state, expected) -> None:
    make_case(status=state)
    assert get_json("requests.json")[1][0]["status"] == expected


def test_default_window_is_90_days(make_case) -> None:
    recent = make_case()
    make_case(reported_at=timezone.now() - timedelta(days=91))
    assert ids_json() == [recent.pk]


def test_filter_by_status(make_case) -> None:
    open_case = make_case(status="assigned")
    closed_case = make_case(status="rated")
    assert ids_json(status="open") == [open_case.pk]
    assert ids_json(status="closed") == [closed_case.pk]
    assert set(ids_json(status="open,closed")) == {open_case.pk, closed_case.pk}


def test_unknown_status_is_a_400(make_case) -> None:
    status, data = get_json("requests.json", status="pending")
    assert status == 400
    assert data[0]["code"] == 400


def test_filter_by_service_code(make_case, categories) -> None:
    litter = make_case()
    parking = make_case(category=categories["parking"])
    assert ids_json(service_code="T0101") == [litter.pk]
    assert set(ids_json(service_code="T0101,T0102")) == {litter.pk, parking.pk}


def test_filter_by_start_and_end_date(make_case) -> None:
    now = timezone.now()
    old = make_case(reported_at=now - timedelta(days=200))
    mid = make_case(reported_at=now - timedelta(days=150))
    make_case(reported_at=now - timedelta(days=1))
    start = timezone.localtime(now - timedelta(days=210)).isoformat(timespec="seconds")
    end = timezone.localtime(now - timedelta(days=140)).isoformat(timespec="seconds")
    assert ids_json(start_date=start, end_date=end) == [mid.pk, old.pk]


def test_start_date_alone_spans_90_days(make_case) -> None:
    now = timezone.now()
    inside = make_case(reported_at=now - timedelta(days=150))
    make_case(reported_at=now - timedelta(days=50))  # more than 90 days after the start
    start = timezone.localtime(now - timedelta(days=160)).isoformat(timespec="seconds")
    assert ids_json(start_date=start) == [inside.pk]


def test_end_date_alone_spans_90_days_before_it(make_case) -> None:
    now = timezone.now()
    inside = make_case(reported_at=now - timedelta(days=150))
    make_case(reported_at=now - timedelta(days=250))
    make_case(reported_at=now - timedelta(days=1))
    end = timezone.localtime(now - timedelta(days=140)).isoformat(timespec="seconds")
    assert ids_json(end_date=end) == [inside.pk]


def test_dates_accept_utc_and_an_unencoded_plus(make_case) -> None:
    case = make_case(reported_at=timezone.now() - timedelta(days=10))
    assert ids_json(start_date="2000-01-01T00:00:00Z", end_date="2100-01-01") == [case.pk]
    # "+08:00" sent without percent-encoding arrives as " 08:00"
    response = Client().get(
        f"{BASE}/requests.json?start_date=2000-01-01T00:00:00+08:00&end_date=2100-01-01"
    )
    assert [r["service_request_id"] for r in json.loads(response.content)] == [case.pk]


def test_invalid_date_is_a_400_xml_error(make_case) -> None:
    status, root = get_xml("requests.xml", start_date="yesterday")
    assert status == 400
    assert root.findtext("error/code") == "400"


def test_start_after_end_is_a_400(make_case) -> None:
    status, _data = get_json("requests.json", start_date="2026-05-01", end_date="2026-04-01")
    assert status == 400


def test_service_request_id_list_overrides_other_filters(make_case) -> None:
    a = make_case(status="closed", reported_at=timezone.now() - timedelta(days=400))
    b = make_case(status="reported")
    make_case()
    assert set(ids_json(service_request_id=f"{a.pk},{b.pk}", status="open")) == {a.pk, b.pk}


def test_service_request_id_must_be_numbers(make_case) -> None:
    status, _data = get_json("requests.json", service_request_id="1,abc")
    assert status == 400


def test_at_most_1000_requests(make_case, categories, tree) -> None:
    from gridgov.cases.models import Case

    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            number=f"2025{i:06d}",
            source="resident",
            category=categories["litter"],
            title="t",
            area=tree.grid1,
            area_path=tree.grid1.path,
            reported_at=now - timedelta(minutes=i + 1),
        )
        for i in range(1001)
    )
    assert len(ids_json()) == 1000


def test_page_and_page_size(make_case) -> None:
    now = timezone.now()
    cases = [make_case(reported_at=now - timedelta(hours=i + 1)) for i in range(3)]
    assert ids_json(page_size="2") == [cases[0].pk, cases[1].pk]
    assert ids_json(page_size="2", page="2") == [cases[2].pk]


def test_status_notes_show_the_last_public_note_only(make_case) -> None:
    from gridgov.cases.services.timeline import record_event

    case = make_case(status="resolved")
    record_event(case=case, action="reply", actor=None, note="已清运完毕")
    record_event(case=case, action="comment", actor=None, note="内部备注：联系人不配合")
    assert get_json(f"requests/{case.pk}.json")[1][0]["status_notes"] == "已清运完毕"


def test_status_notes_of_a_merged_request_name_the_survivor(make_case) -> None:
    survivor = make_case()
    merged = make_case(status="merged", merged_into=survivor)
    notes = get_json(f"requests/{merged.pk}.json")[1][0]["status_notes"]
    assert str(survivor.pk) in notes


def test_agency_is_the_assigned_department(make_case, tree) -> None:
    from gridgov.accounts.services import department_create

    dept = department_create(
        actor=None, name="凤城区城管局", kind="urban_management", area=tree.county
    )
    case = make_case(status="assigned", assigned_area=tree.county, assigned_department=dept)
    assert get_json(f"requests/{case.pk}.json")[1][0]["agency_responsible"] == "凤城区城管局"


# --- one request, tokens ----------------------------------------------------------------------


def test_request_detail_json(make_case) -> None:
    case = make_case(reported_at=timezone.now() - timedelta(days=400))  # no 90-day window here
    status, data = get_json(f"requests/{case.pk}.json")
    assert status == 200
    assert [r["service_request_id"] for r in data] == [case.pk]


def test_request_detail_xml(make_case) -> None:
    case = make_case()
    status, root = get_xml(f"requests/{case.pk}.xml")
    assert status == 200
    assert root.findtext("request/service_request_id") == str(case.pk)


def test_unknown_request_is_a_404(make_case) -> None:
    assert get_json("requests/999999.json")[0] == 404
    assert get_xml("requests/abc.xml")[0] == 404


def test_token_json_maps_to_the_request_id(make_case) -> None:
    case = make_case()
    status, data = get_json(f"tokens/{case.token}.json")
    assert status == 200
    assert data == [{"service_request_id": case.pk, "token": case.token}]


def test_token_xml(make_case) -> None:
    case = make_case()
    status, root = get_xml(f"tokens/{case.token}.xml")
    assert status == 200
    assert root.findtext("request/service_request_id") == str(case.pk)
    assert root.findtext("request/token") == case.token


def test_unknown_token_is_a_404(make_case) -> None:
    assert get_json("tokens/no-such-token.json")[0] == 404


# --- personal data ----------------------------------------------------------------------------


def test_no_personal_data_in_any_read(make_case, make_user) -> None:
    from gridgov.core.crypto import encrypt

    reporter = make_user("reporter", mobile="13912345678", display_name="李居民")
    case = make_case(
        reporter=reporter,
        reporter_name="王秘密",
        reporter_phone_enc=encrypt("13800138000"),
        description="请联系 13812345678 或 wang@example.com，身份证 64010219900307123X",
    )
    bodies = b""
    for url in (
        "requests.json",
        "requests.xml",
        f"requests/{case.pk}.json",
        f"requests/{case.pk}.xml",
        f"tokens/{case.token}.json",
    ):
        response = Client().get(f"{BASE}/{url}")
        assert response.status_code == 200
        bodies += response.content
    text = bodies.decode("utf-8")
    for secret in (
        "王秘密",
        "李居民",
        "reporter",
        "13800138000",
        "13912345678",
        "13812345678",
        "wang@example.com",
        "64010219900307123X",
    ):
        assert secret not in text
    assert "138****5678" in text


def test_xml_drops_characters_xml_cannot_carry(make_case) -> None:
    make_case(description="坏字符\x01\x1b结束")
    status, root = get_xml("requests.xml")
    assert status == 200
    assert root.findtext("request/description") == "坏字符结束"


def test_reads_allow_other_origins(make_case) -> None:
    response = Client().get(f"{BASE}/requests.json")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_request_list_query_count_does_not_grow_with_the_rows(make_case, tree) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.cases.services.timeline import record_event

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(f"{BASE}/requests.json").status_code == 200
        return len(ctx.captured_queries)

    first = make_case(status="assigned", assigned_area=tree.community)
    record_event(case=first, action="reply", actor=None, note="已处理")
    one = count()
    for _ in range(5):
        case = make_case(status="assigned", assigned_area=tree.grid1)
        record_event(case=case, action="reply", actor=None, note="已处理")
    assert count() == one
