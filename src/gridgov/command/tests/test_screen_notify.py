""" "Notify the grid worker" from the screen's side panel: the service
(:func:`gridgov.command.screen.services.notify_grid_worker`) and POST /api/v1/command/notify,
through the real case item source. In the jurisdiction the grid workers of the case's grid get
an inbox message and the audit log an entry; outside it, for an unknown kind, without a grid
worker or without the right, a clear refusal that writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import user_update
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source
from gridgov.cases.tests.ops_builders import POINTS, T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command.screen import notify as topic
from gridgov.command.screen.services import notify_grid_worker
from gridgov.core.errors import Code, Conflict, NotFound, PermissionDenied, ValidationFailed
from gridgov.notifications.models import Notification

pytestmark = pytest.mark.django_db

URL = "/api/v1/command/notify"


def _case(world: World, grid: str) -> Any:
    lon, lat = POINTS[grid]
    return case_report(
        actor=None,
        source=Source.PATROL,
        category=world.category,
        title="井盖缺失",
        lon=lon,
        lat=lat,
        reported_at=T0,
    ).case


@pytest.fixture
def street_dispatcher(world: World, make_user: Any) -> Any:
    return make_user("street_dispatcher", ("dispatcher", world.tree.street))


def _written() -> tuple[int, int]:
    return (
        Notification.objects.filter(kind=topic.KIND).count(),
        AuditEntry.objects.filter(event=Event.GRID_WORKER_NOTIFIED).count(),
    )


def test_the_grid_workers_of_the_case_get_the_message(world: World, street_dispatcher: Any) -> None:
    case = _case(world, "grid1")
    notice = notify_grid_worker(
        actor=street_dispatcher, item_kind="case", item_id=case.pk, message=" 请立即到现场核实 "
    )
    assert notice.grid == world.tree.grid1
    assert notice.recipients == 1
    note = Notification.objects.get(kind=topic.KIND)
    assert note.recipient == world.worker
    assert note.body == "请立即到现场核实"
    assert case.number in note.title
    assert note.url == f"/cases/{case.pk}/"
    entry = AuditEntry.objects.get(event=Event.GRID_WORKER_NOTIFIED)
    assert entry.actor == street_dispatcher
    assert entry.area_path == world.tree.grid1.path
    assert entry.detail == {"item_kind": "case", "item_id": case.pk, "recipients": 1}


def test_an_item_outside_the_jurisdiction_is_not_found(
    world: World, street_dispatcher: Any
) -> None:
    case = _case(world, "grid3")  # 金沙镇: not the street's
    with pytest.raises(NotFound):
        notify_grid_worker(
            actor=street_dispatcher, item_kind="case", item_id=case.pk, message="请核实"
        )
    assert _written() == (0, 0)


def test_an_unknown_kind_or_item_is_not_found(world: World, street_dispatcher: Any) -> None:
    case = _case(world, "grid1")
    with pytest.raises(NotFound):
        notify_grid_worker(
            actor=street_dispatcher, item_kind="nonsense", item_id=case.pk, message="请核实"
        )
    with pytest.raises(NotFound):
        notify_grid_worker(
            actor=street_dispatcher, item_kind="case", item_id=case.pk + 1000, message="请核实"
        )
    assert _written() == (0, 0)


def test_a_grid_without_a_grid_worker_is_a_clear_error(
    world: World, street_dispatcher: Any
) -> None:
    case = _case(world, "grid2")  # nobody works grid 2
    with pytest.raises(Conflict) as caught:
        notify_grid_worker(
            actor=street_dispatcher, item_kind="case", item_id=case.pk, message="请核实"
        )
    assert caught.value.code == Code.NO_GRID_WORKER
    assert "网格二" in caught.value.message
    assert _written() == (0, 0)


def test_an_inactive_grid_worker_does_not_count(world: World, street_dispatcher: Any) -> None:
    case = _case(world, "grid1")
    user_update(actor=None, user=world.worker, is_active=False)
    with pytest.raises(Conflict):
        notify_grid_worker(
            actor=street_dispatcher, item_kind="case", item_id=case.pk, message="请核实"
        )
    assert _written() == (0, 0)


def test_without_the_command_centre_it_is_refused(world: World) -> None:
    case = _case(world, "grid1")
    with pytest.raises(PermissionDenied):
        notify_grid_worker(actor=world.worker, item_kind="case", item_id=case.pk, message="看看")
    assert _written() == (0, 0)


@pytest.mark.parametrize("message", ["", "   ", "长" * 501])
def test_an_empty_or_too_long_message_is_refused(
    world: World, street_dispatcher: Any, message: str
) -> None:
    case = _case(world, "grid1")
    with pytest.raises(ValidationFailed) as caught:
        notify_grid_worker(
            actor=street_dispatcher, item_kind="case", item_id=case.pk, message=message
        )
    assert "message" in caught.value.fields
    assert _written() == (0, 0)


# --- The API ----------------------------------------------------------------------------------


def _post(user: Any, body: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_the_api_notifies_and_says_so_in_chinese(world: World, street_dispatcher: Any) -> None:
    case = _case(world, "grid1")
    response = _post(
        street_dispatcher, {"item_kind": "case", "item_id": case.pk, "message": "请到现场"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["recipients"] == 1
    assert data["grid"] == {"id": world.tree.grid1.pk, "name": "网格一"}
    assert "已通知" in data["message"]
    assert _written() == (1, 1)


def test_the_api_refusals(world: World, street_dispatcher: Any) -> None:
    inside, outside, empty = _case(world, "grid1"), _case(world, "grid3"), _case(world, "grid2")
    answer = _post(street_dispatcher, {"item_kind": "case", "item_id": outside.pk, "message": "x"})
    assert answer.status_code == 404
    answer = _post(street_dispatcher, {"item_kind": "case", "item_id": empty.pk, "message": "x"})
    assert answer.status_code == 409
    assert answer.json()["code"] == "no_grid_worker"
    answer = _post(street_dispatcher, {"item_kind": "case", "item_id": inside.pk, "message": ""})
    assert answer.status_code == 400
    assert answer.json()["fields"]["message"]
    answer = _post(world.worker, {"item_kind": "case", "item_id": inside.pk, "message": "x"})
    assert answer.status_code == 403
    assert Client().post(URL, "{}", content_type="application/json").status_code == 401
    assert _written() == (0, 0)
