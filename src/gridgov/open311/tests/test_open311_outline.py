"""Open311 intake and the jurisdiction's outline; the service notice in Chinese."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from gridgov.cases.models import Case

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"


def test_a_point_outside_the_county_is_refused(tree, categories, client_key) -> None:
    data = {
        "api_key": client_key[1],
        "service_code": "T0101",
        "description": "路口有垃圾",
        "lat": "38.5",
        "long": "107.2",  # outside 凤城区 (106.0–106.6 E in the test tree)
    }
    r = Client().post(URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400
    errors = json.loads(r.content)
    assert any("该位置不在本辖区（凤城区）范围内" in e["description"] for e in errors)
    assert Case.objects.count() == 0


def test_a_point_in_the_county_but_in_no_grid_goes_to_the_pool(
    tree, categories, client_key
) -> None:
    data = {
        "api_key": client_key[1],
        "service_code": "T0101",
        "description": "路口有垃圾",
        "lat": "38.8",
        "long": "106.5",
    }
    r = Client().post(URL, data)
    assert r.status_code == 201, r.content
    case = Case.objects.get()
    assert case.area == tree.county and case.outside_grids


def test_the_handling_limit_has_one_measure_word(make_case, categories) -> None:
    from gridgov.open311.selectors import service_notice

    litter = categories["litter"]
    litter.handle_limit = 1
    litter.save()
    case = make_case(status="accepted", lon=106.205, lat=38.505)
    with translation.override("zh-hans"):
        assert service_notice(case) == "办理时限：承办单位签收后 1 个工作日。"
