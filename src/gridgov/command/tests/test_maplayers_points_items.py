"""The live map's markers and side panel (/api/v1/command/map/points, /api/v1/command/items/
{kind}/{id}) and the scoping of the three map endpoints: nothing personal, bounded, actions
listed only when the viewer may take them, 403 without the rights anywhere, 404 outside the
jurisdiction, 400 for malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source
from gridgov.cases.tests.ops_builders import POINTS, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command.maplayers import selectors
from gridgov.mediation.tests.dispute_builders import dispute_type, register

pytestmark = pytest.mark.django_db

API = "/api/v1/command"
PHONE, NAME, ADDRESS = "13812345678", "王小明", "凤鸣路12号"


def _get(user: Any, url: str, **params: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(url, params)


def _personal_case(world: World, grid: str = "grid1") -> Any:
    lon, lat = POINTS[grid]
    return case_report(
        actor=None,
        source=Source.RESIDENT,
        category=world.category,
        title=f"请回电 {PHONE} 家门口垃圾",  # the panel shows it as the case API does: masked
        description=f"身份证 640102199001011234，住{ADDRESS}",
        address=ADDRESS,
        reporter_name=NAME,
        reporter_phone=PHONE,
        lon=lon,
        lat=lat,
        reported_at=T0,
    ).case


def _no_personal(payload: Any) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for secret in (PHONE, NAME, ADDRESS, "640102199001011234"):
        assert secret not in text


@pytest.fixture
def users(world: World, make_user: Any) -> dict[str, Any]:
    t = world.tree
    return {
        "dispatcher": world.dispatcher,  # county
        "street": make_user("street_dispatcher", ("dispatcher", t.street)),
        "leader": make_user("county_leader", ("leader", t.county)),
        "worker": world.worker,  # no command.view anywhere
    }


# --- Markers ----------------------------------------------------------------------------------


def test_points_are_open_located_cases_and_nothing_personal(world: World) -> None:
    case = _personal_case(world)
    far = world.report(grid="grid3")
    data = _get(
        world.dispatcher, f"{API}/map/points", area=world.tree.county.pk, layer="cases"
    ).json()
    assert data["layer"] == "cases" and data["truncated"] is False
    assert {p["id"] for p in data["points"]} == {case.pk, far.pk}
    point = next(p for p in data["points"] if p["id"] == case.pk)
    assert set(point) == {
        "kind",
        "id",
        "lat",
        "lng",
        "label",
        "number",
        "category",
        "status",
        "status_label",
        "overdue",
        "at",
    }
    assert (point["lng"], point["lat"]) == POINTS["grid1"]
    _no_personal(data)


def test_points_keep_to_the_box_and_are_bounded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    near = world.report()
    world.report()
    world.report(grid="grid3")
    box = "106.19,38.49,106.23,38.52"  # grid 1 and 2, not 金沙村
    data = _get(
        world.dispatcher, f"{API}/map/points", area=world.tree.county.pk, layer="cases", bbox=box
    ).json()
    assert len(data["points"]) == 2 and near.pk in {p["id"] for p in data["points"]}
    monkeypatch.setattr(selectors, "MAX_POINTS", 1)
    data = _get(world.dispatcher, f"{API}/map/points", layer="cases", bbox=box).json()
    assert len(data["points"]) == 1 and data["truncated"] is True


# --- The side panel -----------------------------------------------------------------------------


def test_case_item_has_its_timeline_and_the_dispatchers_actions(world: World) -> None:
    case = _personal_case(world)
    from gridgov.cases.services.checking import case_check_pass_up

    case = case_check_pass_up(actor=world.worker, case=case, version=case.version, note="需派单")
    data = _get(world.dispatcher, f"{API}/items/case/{case.pk}").json()
    assert data["kind"] == "case" and data["id"] == case.pk and data["number"] == case.number
    assert data["category"] == "暴露垃圾" and data["status"] == "reported"
    assert data["area"] == {"id": world.tree.grid1.pk, "name": "网格一"}
    assert data["url"] == f"/cases/{case.pk}/"
    assert [row["action"] for row in data["timeline"]] == ["report", "check_pass_up"]
    actions = {a["action"]: a for a in data["actions"]}
    assert {"accept", "accept_dispatch"} <= set(actions)
    assert actions["accept"]["api"] == f"/api/v1/cases/{case.pk}/actions/accept"
    assert "version" in actions["accept"]["fields"] and data["version"] == case.version
    _no_personal(data)
    assert data["title"] == "请回电 138****5678 家门口垃圾"
    # The action listed works through the cases API, as the side panel performs it.
    client = Client()
    client.force_login(world.dispatcher)
    done = client.post(
        actions["accept"]["api"], {"version": data["version"]}, content_type="application/json"
    )
    assert done.status_code == 200, done.content[:300]
    again = _get(world.dispatcher, f"{API}/items/case/{case.pk}").json()
    assert "accept" not in {a["action"] for a in again["actions"]}
    assert "dispatch" in {a["action"] for a in again["actions"]}


def test_item_actions_only_when_allowed(world: World, users: dict[str, Any]) -> None:
    case = world.report()
    leader = _get(users["leader"], f"{API}/items/case/{case.pk}").json()
    assert leader["id"] == case.pk
    offered = {a["action"] for a in leader["actions"]}
    assert not offered & {"accept", "accept_dispatch", "dispatch", "reassign"}  # no case.triage


def test_dispute_item_and_sensitive_disputes(world: World, users: dict[str, Any]) -> None:
    t = world.tree
    plain = register(t.grid1, risk="red", risk_reasons="扬言报复")
    data = _get(world.dispatcher, f"{API}/items/dispute/{plain.pk}").json()
    assert data["kind"] == "dispute" and data["risk"] == "red"
    assert data["url"] == f"/mediation/{plain.pk}/"
    assert {"accept", "urge"} <= {a["action"] for a in data["actions"]}
    assert all(
        a["api"].startswith(f"/api/v1/mediation/disputes/{plain.pk}/actions/")
        for a in data["actions"]
    )
    _no_personal(data)
    assert "张三" not in json.dumps(data, ensure_ascii=False)  # no parties
    family = register(t.grid1, type=dispute_type("family", name="婚姻家庭纠纷", sensitive=True))
    assert _get(world.dispatcher, f"{API}/items/dispute/{family.pk}").status_code == 200
    # A leader supervises disputes but does not see the sensitive ones.
    assert _get(users["leader"], f"{API}/items/dispute/{family.pk}").status_code == 404
    assert _get(users["leader"], f"{API}/items/dispute/{plain.pk}").status_code == 200


# --- Scoping and bad input ----------------------------------------------------------------------


def test_without_command_view_anywhere_is_403(world: World, users: dict[str, Any]) -> None:
    case = world.report()
    worker = users["worker"]
    assert _get(worker, f"{API}/map/grids", area=world.tree.grid1.pk).status_code == 403
    assert _get(worker, f"{API}/map/points", layer="cases").status_code == 403
    response = _get(worker, f"{API}/items/case/{case.pk}")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Client().get(f"{API}/map/grids").status_code == 401


def test_outside_the_jurisdiction_is_404(world: World, users: dict[str, Any]) -> None:
    t = world.tree
    street = users["street"]
    far = world.report(grid="grid3")
    assert _get(street, f"{API}/map/grids", area=t.grid3.pk).status_code == 404
    assert _get(street, f"{API}/map/grids", area=t.county.pk).status_code == 404
    assert _get(street, f"{API}/map/points", area=t.town.pk, layer="cases").status_code == 404
    assert _get(street, f"{API}/items/case/{far.pk}").status_code == 404
    assert _get(street, f"{API}/items/case/999999999").status_code == 404
    assert _get(street, f"{API}/items/unknown/{far.pk}").status_code == 404
    # The default area is the top of the viewer's jurisdiction.
    own = _get(street, f"{API}/map/grids").json()
    assert own["area"]["id"] == t.street.pk
    assert {f["id"] for f in own["features"]} == {t.grid1.pk, t.grid2.pk}
    # Points without a box stay within the area.
    points = _get(street, f"{API}/map/points", layer="cases").json()["points"]
    assert far.pk not in {p["id"] for p in points}


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "a,b,c,d",
        "106.3,38.5,106.2,38.6",  # min above max
        "106,38,200,39",  # beyond the world
        "nan,38,106,39",
        "100,30,110,40",  # a province: too wide for markers
    ],
)
def test_malformed_box_is_400(world: World, bbox: str) -> None:
    response = _get(world.dispatcher, f"{API}/map/points", layer="cases", bbox=bbox)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_bbox" and "bbox" in body["fields"]


def test_unknown_measure_or_layer_is_400(world: World) -> None:
    response = _get(world.dispatcher, f"{API}/map/grids", measure="cases.nope")
    assert response.status_code == 400 and response.json()["code"] == "unknown_map_measure"
    assert "measure" in response.json()["fields"]
    response = _get(world.dispatcher, f"{API}/map/points", layer="nope")
    assert response.status_code == 400 and response.json()["code"] == "unknown_map_layer"


def test_points_in_a_small_box_are_read_from_the_community_only(world: World) -> None:
    from gridgov.areas.services import area_set_boundary
    from gridgov.conftest import square

    t = world.tree
    area_set_boundary(actor=None, area=t.community, geometry=square(106.195, 38.495, 0.03))
    inside = (106.201, 38.501, 106.209, 38.509)
    assert selectors.narrow_to_box(t.county, inside) == t.community
    assert selectors.narrow_to_box(t.street, inside) == t.community
    assert selectors.narrow_to_box(t.county, (106.20, 38.50, 106.31, 38.61)) == t.county
    assert selectors.narrow_to_box(t.county, (107.5, 39.5, 107.6, 39.6)) == t.county
    case = world.report()
    box = ",".join(str(v) for v in inside)
    data = _get(
        world.dispatcher, f"{API}/map/points", area=t.county.pk, layer="cases", bbox=box
    ).json()
    assert [p["id"] for p in data["points"]] == [case.pk]
