"""/api/v1/cases: list, detail, timeline, actions, categories."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from gridgov.accounts.services import token_issue
from gridgov.cases.states import Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import events, make_case, row

people = core_builders.people  # the fixture

API = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def call(method: str, url: str, user: Any = None, body: Any = None) -> Any:
    headers = {}
    if user is not None:
        _token, raw = token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    kw: dict[str, Any] = {}
    if body is not None:
        kw = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(Client(), method)(url, **kw, **headers)


def test_list_shows_cases_in_jurisdiction_only(tree, people):
    inside = make_case(tree.grid1)
    make_case(tree.grid3)
    r = call("get", f"{API}/", people.dispatcher)
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [inside.pk]


def test_resident_list_is_their_own_reports(tree, people):
    own = make_case(tree.grid1, reporter=people.resident)
    make_case(tree.grid1)
    r = call("get", f"{API}/", people.resident)
    assert [c["id"] for c in r.json()["items"]] == [own.pk]


def test_list_queue_filter(tree, people):
    make_case(tree.grid1)
    todo = make_case(tree.grid1, status=Status.ACCEPTED)
    r = call("get", f"{API}/?queue=to_dispatch", people.dispatcher)
    assert [c["id"] for c in r.json()["items"]] == [todo.pk]
    assert call("get", f"{API}/?queue=bogus", people.dispatcher).status_code == 400


def test_list_count_is_capped(tree, people, monkeypatch):
    """The list counts to COUNT_CAP + 1 and then says ``capped`` (a common keyword is counted
    like the list page: test_cases_search)."""
    from gridgov.core import pagination

    for _i in range(4):
        make_case(tree.grid1)
    body = call("get", f"{API}/?page_size=2", people.dispatcher).json()
    assert (body["count"], body["pages"], body["capped"]) == (4, 2, False)
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    body = call("get", f"{API}/?page_size=2", people.dispatcher).json()
    assert (body["count"], body["pages"], body["capped"]) == (3, 2, True)
    assert len(body["items"]) == 2
    # A resident's own reports are counted the same way.
    make_case(tree.grid1, reporter=people.resident)
    body = call("get", f"{API}/", people.resident).json()
    assert (body["count"], body["capped"]) == (1, False)


def test_list_needs_authentication(tree):
    assert call("get", f"{API}/").status_code == 401


def test_detail_masks_the_reporter_and_lists_actions(tree, people):
    from gridgov.core.crypto import encrypt

    case = make_case(tree.grid1, reporter_name="张三", reporter_phone_enc=encrypt("13812341234"))
    r = call("get", f"{API}/{case.pk}", people.dispatcher)
    body = r.json()
    assert r.status_code == 200
    assert body["reporter_phone"] == "138****1234" and body["reporter_name"] == "张*"
    assert "accept" in body["allowed_actions"] and body["version"] == 1


def test_detail_outside_jurisdiction_is_404(tree, people):
    case = make_case(tree.grid3)
    assert call("get", f"{API}/{case.pk}", people.dispatcher).status_code == 404


def test_timeline(tree, people):
    case = make_case(tree.grid1)
    call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {"version": 1})
    r = call("get", f"{API}/{case.pk}/timeline", people.dispatcher)
    assert [e["action"] for e in r.json()] == ["accept"]


def test_action_accept_then_dispatch(tree, people):
    case = make_case(tree.grid1)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {"version": 1})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = call(
        "post",
        f"{API}/{case.pk}/actions/dispatch",
        people.dispatcher,
        {"version": 2, "to_area": tree.grid1.pk},
    )
    assert r.status_code == 200 and r.json()["assigned_area"]["id"] == tree.grid1.pk


def test_stale_version_is_409_and_changes_nothing(tree, people):
    case = make_case(tree.grid1, version=2)
    before = row(case)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {"version": 1})
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    assert row(case) == before


def test_action_not_allowed_in_state_is_409(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {"version": 1})
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"


def test_action_without_permission_is_403(tree, people):
    case = make_case(tree.grid1)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.worker, {"version": 1})
    assert r.status_code == 403
    assert events(case) == []


def test_action_outside_jurisdiction_is_404(tree, people):
    case = make_case(tree.grid3)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {"version": 1})
    assert r.status_code == 404


def test_unknown_action_is_404(tree, people):
    case = make_case(tree.grid1)
    r = call("post", f"{API}/{case.pk}/actions/teleport", people.dispatcher, {"version": 1})
    assert r.status_code == 404


def test_missing_version_is_400(tree, people):
    case = make_case(tree.grid1)
    r = call("post", f"{API}/{case.pk}/actions/accept", people.dispatcher, {})
    assert r.status_code == 400 and "version" in r.json()["fields"]


def test_decide_delay_and_verify_take_booleans(tree, people):
    case = make_case(
        tree.grid1,
        status=Status.IN_PROGRESS,
        pending_delay={"kind": "extend", "amount": 1, "unit": "days"},
    )
    r = call(
        "post",
        f"{API}/{case.pk}/actions/decide_delay",
        people.dispatcher,
        {"version": 1, "approve": True},
    )
    assert r.status_code == 200 and r.json()["pending_delay"] == {}
    resolved = make_case(tree.grid1, status=Status.RESOLVED)
    r = call(
        "post",
        f"{API}/{resolved.pk}/actions/verify",
        people.dispatcher,
        {"version": 1, "passed": True},
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"


def test_reporter_rates_through_the_api(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    r = call(
        "post",
        f"{API}/{case.pk}/actions/rate",
        people.resident,
        {"version": 1, "rating": "satisfied"},
    )
    assert r.status_code == 200 and r.json()["status"] == "rated"


def test_merge_through_the_api(tree, people):
    survivor = make_case(tree.grid1, status=Status.ACCEPTED)
    dup = make_case(tree.grid1)
    r = call(
        "post",
        f"{API}/{dup.pk}/actions/merge",
        people.dispatcher,
        {"version": 1, "into": survivor.pk},
    )
    assert r.status_code == 200 and r.json()["merged_into"] == survivor.pk
    other = make_case(tree.grid3, status=Status.ACCEPTED)
    dup2 = make_case(tree.grid1)
    r = call(
        "post",
        f"{API}/{dup2.pk}/actions/merge",
        people.dispatcher,
        {"version": 1, "into": other.pk},
    )
    assert r.status_code == 400 and "into" in r.json()["fields"]


def test_queue_counts(tree, people):
    make_case(tree.grid1)
    r = call("get", f"{API}/queues", people.dispatcher)
    assert r.status_code == 200 and r.json()["counts"]["to_accept"] == 1
