"""The kernel's timeline (gridgov.kernel.timeline): the abstract entry the cases timeline
subclasses and the one rendering the case page and the API share."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from gridgov.cases import public
from gridgov.cases.models import CaseEvent
from gridgov.cases.services.timeline import record_event
from gridgov.cases.states import Action, Status
from gridgov.cases.tests.core_builders import NOW, make_case
from gridgov.kernel.timeline import TimelineEntry, present_timeline


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def entries(db: Any, tree: Any, make_user: Any) -> Any:
    reporter = make_user("rep", ("resident", tree.grid1))
    staff = make_user("disp2", ("dispatcher", tree.street))
    case = make_case(tree.grid1, status=Status.ASSIGNED, reporter=reporter)
    record_event(case=case, action=Action.REPORT, actor=reporter, to_status="reported", at=NOW)
    record_event(
        case=case,
        action=Action.DISPATCH,
        actor=staff,
        from_status="accepted",
        to_status="assigned",
        note="请联系13812345678处理",
        data={"to_area": tree.grid1.pk, "contact": "13812345678"},
        at=NOW,
    )
    record_event(
        case=case,
        action=Action.REJECT,
        actor=None,
        from_status="reported",
        to_status="reported",
        data={"reason": "重复上报"},
        at=NOW,
    )
    return case, reporter, staff, tree


def test_case_events_are_kernel_timeline_entries() -> None:
    assert issubclass(CaseEvent, TimelineEntry)
    names = {f.name for f in CaseEvent._meta.get_fields()}
    assert {
        "at",
        "action",
        "actor",
        "actor_name",
        "from_status",
        "to_status",
        "note",
        "data",
    } <= names
    assert CaseEvent._meta.get_field("to_status").choices  # the subclass adds its states


def test_one_presentation_names_who_the_unit_and_the_reason(entries: Any) -> None:
    case, _reporter, staff, tree = entries
    rows = present_timeline(
        CaseEvent.objects.filter(case=case).order_by("at", "id"),
        reporter_id=case.reporter_id,
        actor_label=public.actor_label,
    )
    assert [r.action for r in rows] == ["report", "dispatch", "reject"]
    assert rows[0].who == "Reporter"
    assert rows[1].who == str(staff) and rows[1].to_unit == tree.grid1.name
    assert rows[1].state_change == ("To dispatch", "To sign for")
    assert rows[2].who == "System" and rows[2].reason == "重复上报"
    assert rows[2].state_change is None and rows[2].text == "重复上报"


def test_the_api_shape_masks_typed_in_numbers(entries: Any) -> None:
    case, *_rest = entries
    rows = present_timeline(CaseEvent.objects.filter(case=case).order_by("at", "id"))
    answer = rows[1].as_api()
    assert answer["action"] == "dispatch" and answer["action_label"] == "Dispatch"
    assert "13812345678" not in answer["note"] and "138" in answer["note"]
    assert answer["data"]["contact"] != "13812345678"
    assert answer["to_unit"] and answer["actor_name"] == "disp2"


def test_the_include_renders_the_rows(entries: Any) -> None:
    case, *_rest = entries
    rows = present_timeline(
        CaseEvent.objects.filter(case=case).order_by("at", "id"),
        reporter_id=case.reporter_id,
        actor_label=public.actor_label,
    )
    html = render_to_string(
        "kernel/timeline.html",
        {"rows": rows, "object": case, "photo_url": "cases:photo"},
        request=RequestFactory().get("/"),
    )
    assert html.count('class="list-group-item"') == 3
    assert 'data-action="dispatch"' in html and "Reporter" in html
    assert "重复上报" in html
    assert "13812345678" not in html  # masked by the pii tag
