"""The size of a generated building is bounded in one service (API, web form, import alike):
floors 1–60, units 1–12, rooms per floor 1–20, and floors × units × rooms at most 2 000; a
refusal writes nothing. Ids beyond bigint and dates outside 1900–2100 are a 422."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from gridgov.accounts.services import token_issue
from gridgov.core.errors import ValidationFailed
from gridgov.rosters.models import Building, BuildingUnit, Room
from gridgov.rosters.services import places
from gridgov.rosters.tests.excel_support import sheet_rows, workbook

API = "/api/v1/rosters"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("worker", ("grid_worker", tree.grid1))


def post(client: Any, url: str, user: Any, body: Any) -> Any:
    _token, raw = token_issue(user=user)
    return client.post(
        API + url, json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip


def nothing_written() -> bool:
    return not (Building.objects.exists() or BuildingUnit.objects.exists() or Room.objects.exists())


def test_the_chosen_bounds() -> None:
    assert (places.MAX_FLOORS, places.MAX_UNITS, places.MAX_ROOMS_PER_FLOOR) == (60, 12, 20)
    assert places.MAX_GENERATED_ROOMS == 2000


@pytest.mark.parametrize(
    ("sizes", "field"),
    [
        ((120, 40, 99), "floors"),  # the issue's 475 200 rooms
        ((61, 1, 1), "floors"),
        ((1, 13, 1), "units"),
        ((1, 1, 21), "rooms_per_floor"),
        ((0, 1, 1), "floors"),
        ((1, -1, 1), "units"),
        ((1, 1, 2**63), "rooms_per_floor"),
    ],
)
def test_api_refuses_sizes_out_of_range(
    client: Any, tree: Any, worker: Any, sizes: Any, field: str
) -> None:
    floors, units, rooms = sizes
    body = {"area_id": tree.grid1.pk, "name": "大楼", "floors": floors, "units": units,
            "rooms_per_floor": rooms}  # fmt: skip
    response = post(client, "/buildings", worker, body)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert nothing_written()


def test_api_refuses_more_than_2000_rooms_with_a_400(client: Any, tree: Any, worker: Any) -> None:
    body = {"area_id": tree.grid1.pk, "name": "大楼", "floors": 60, "units": 12,
            "rooms_per_floor": 20}  # fmt: skip
    response = post(client, "/buildings", worker, body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "too_many_rooms"
    assert "14400" in data["message"] and "2000" in data["message"]
    assert nothing_written()


def test_api_makes_a_building_of_exactly_2000_rooms(client: Any, tree: Any, worker: Any) -> None:
    body = {"area_id": tree.grid1.pk, "name": "大楼", "floors": 50, "units": 4,
            "rooms_per_floor": 10}  # fmt: skip
    response = post(client, "/buildings", worker, body)
    assert response.status_code == 201, response.content
    assert Room.objects.count() == 2000


def test_openapi_states_the_bounds(client: Any, db: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    props = schema["components"]["schemas"]["BuildingIn"]["properties"]
    assert (props["floors"]["maximum"], props["units"]["maximum"]) == (60, 12)
    assert props["rooms_per_floor"]["maximum"] == 20
    assert "2000" in props["rooms_per_floor"]["description"]


def test_service_refuses_the_product(tree: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        places.building_create(
            actor=None, area=tree.grid1, name="大楼", floors=60, units=4, rooms_per_floor=20
        )
    assert caught.value.code == "too_many_rooms"
    assert nothing_written()


def test_room_add_keeps_to_the_floor_range(tree: Any) -> None:
    b = places.building_create(
        actor=None, area=tree.grid1, name="楼", floors=2, units=1, rooms_per_floor=1
    )
    unit = b.units.get()
    for floor in (-6, 61, 2**63):
        with pytest.raises(ValidationFailed):
            places.room_add(actor=None, unit=unit, floor=floor)
    assert places.room_add(actor=None, unit=unit, floor=-1).floor == -1


def test_web_form_states_and_applies_the_bounds(client: Any, tree: Any, worker: Any) -> None:
    client.force_login(worker)
    html = client.get(reverse("rosters:building_create")).content.decode()
    assert 'max="60"' in html and 'max="12"' in html and 'max="20"' in html
    assert "2000" in html
    response = client.post(
        reverse("rosters:building_create"),
        {"area": tree.grid1.pk, "name": "大楼", "floors": 60, "units": 12, "rooms_per_floor": 20},
    )
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    assert nothing_written()


def test_import_reports_a_building_too_big(tree: Any, worker: Any) -> None:
    from gridgov.kernel.imports.models import ImportJob
    from gridgov.rosters.services import imports

    row = {"所属网格编码": tree.grid1.code, "小区": "", "楼栋": "大楼", "地址": "",
           "层数": 60, "单元数": 12, "每层户数": 20}  # fmt: skip
    job = imports.import_start(
        actor=worker, kind="buildings", filename="x.xlsx", data=workbook("buildings", [row]),
        mode="valid",
    )  # fmt: skip
    job = ImportJob.objects.get(pk=job.pk)
    assert job.error_count == 1
    rows = sheet_rows(bytes(job.error_sheet))[1:]
    assert rows[0][-2] == "每层户数"
    assert "2000" in rows[0][-1]
    assert nothing_written()


# --- ids and dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{"area": "99999999999999999999"}, {"estate": "-1"}, {"page_size": "201"}]
)
def test_building_list_params_out_of_range_are_a_422(
    client: Any, tree: Any, worker: Any, params: Any
) -> None:
    _token, raw = token_issue(user=worker)
    response = client.get(API + "/buildings", params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 422
    assert set(response.json()["fields"]) == set(params)


def test_tag_type_sort_out_of_range_is_a_422(client: Any, tree: Any, make_user: Any) -> None:
    admin = make_user("admin", ("admin", tree.county))
    response = post(client, "/tag-types", admin, {"code": "x1", "name": "试", "sort": -1})
    assert response.status_code == 422
    assert "sort" in response.json()["fields"]
