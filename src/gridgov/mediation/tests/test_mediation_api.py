"""/api/v1/mediation/disputes and /board/high-risk: register (idempotent), list, detail,
actions, and bad input answered with catalogued 4xx codes that change nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.accounts.services import token_issue
from gridgov.mediation.models import Dispute, DisputeEvent, DisputeParty, MediationSession
from gridgov.mediation.tests.dispute_builders import dispute_type, mediator, register
from gridgov.rosters.tests.builders import valid_id

pytestmark = pytest.mark.django_db
BASE = "/api/v1/mediation"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def call(method: str, url: str, user: Any = None, body: Any = None, **headers: Any) -> Any:
    if user is not None:
        _token, raw = token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    kw: dict[str, Any] = {}
    if body is not None:
        kw = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(Client(), method)(url, **kw, **headers)


@pytest.fixture
def people(tree, make_user):
    class P:
        grid_worker = make_user("gw", (Role.GRID_WORKER, tree.grid1))
        staff = make_user("cs", (Role.COMMUNITY_STAFF, tree.community))
        dispatcher = make_user("di", (Role.DISPATCHER, tree.street))
        med_user = make_user("med", (Role.MEDIATOR, tree.community))
        resident = make_user("re", (Role.RESIDENT, tree.grid1))

    p = P()
    p.mediator = mediator(tree.community, p.med_user)
    return p


def _body(tree, **fields: Any) -> dict[str, Any]:
    dispute_type()
    body = {
        "area_id": tree.grid1.pk,
        "type": "neighbour",
        "title": "楼上漏水纠纷",
        "summary": "联系电话13812341234",
        "source": "screening",
        "parties": [
            {"name": "张三", "id_number": valid_id(date(1975, 5, 5)), "phone": "13812341234"},
            {"name": "李四", "role": "respondent"},
        ],
    }
    body.update(fields)
    return body


def _act(user, dispute_id: int, action: str, **body: Any) -> Any:
    return call("post", f"{BASE}/disputes/{dispute_id}/actions/{action}", user, body)


def test_register_masks_and_retries_are_safe(tree, people):
    body = _body(tree)
    r = call("post", f"{BASE}/disputes", people.grid_worker, body, HTTP_IDEMPOTENCY_KEY="a1")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["number"].startswith("TJ") and data["status"] == "registered"
    assert data["summary"] == "联系电话138****1234"
    assert data["parties"][0]["name"] == "张*" and data["parties"][0]["phone"] == "138****1234"
    assert "*" in data["parties"][0]["id_number"]
    assert data["timeline"][0]["action"] == "register"
    again = call("post", f"{BASE}/disputes", people.grid_worker, body, HTTP_IDEMPOTENCY_KEY="a1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    other = call(
        "post",
        f"{BASE}/disputes",
        people.grid_worker,
        {**body, "title": "别的"},
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"parties": [{"name": ""}]}, "name_required", "parties[0].name"),
        (
            {"parties": [{"name": "王五", "id_number": "110101199003071234"}]},
            "invalid_id_number",
            "parties[0].id_number",
        ),
        ({"parties": [{"name": "王五", "phone": "123"}]}, "invalid_phone", "parties[0].phone"),
        ({"type": "nonesuch"}, "unknown_dispute_type", "type"),
        ({"risk": "red"}, "required", "risk_reasons"),
        ({"source": "rumour"}, "validation_failed", "source"),
    ],
)
def test_bad_registrations_are_4xx_and_write_nothing(tree, people, change, code, field):
    r = call("post", f"{BASE}/disputes", people.grid_worker, _body(tree, **change))
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code and field in r.json()["fields"]
    assert not Dispute.objects.exists() and not DisputeParty.objects.exists()


def test_register_outside_the_jurisdiction_is_403(tree, people):
    r = call("post", f"{BASE}/disputes", people.grid_worker, _body(tree, area_id=tree.grid3.pk))
    assert r.status_code == 403
    assert not Dispute.objects.exists()


def test_the_whole_path_through_the_api(tree, people):
    d = register(tree.grid1, actor=people.grid_worker, now=timezone.now() - timedelta(days=1))
    r = _act(people.staff, d.pk, "accept", version=1)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["due_at"]
    r = _act(people.staff, d.pk, "assign", version=2, mediator=people.mediator.pk)
    assert r.json()["mediator"]["name"] == "马建才" and r.json()["room"]
    held = (timezone.now() - timedelta(hours=1)).isoformat()
    r = _act(people.med_user, d.pk, "session", version=3, held_at=held, minutes="双方陈述")
    assert r.status_code == 200 and len(r.json()["sessions"]) == 1
    r = _act(people.med_user, d.pk, "outcome", version=4, outcome="agreement", note="赔偿500元")
    assert r.json()["status"] == "agreed"
    r = _act(
        people.med_user,
        d.pk,
        "follow_up",
        version=5,
        visited_at=timezone.now().isoformat(),
        performance="partial",
    )
    assert r.json()["follow_ups"][0]["performance"] == "partial"
    r = _act(people.med_user, d.pk, "close", version=6)
    assert r.json()["status"] == "closed" and r.json()["allowed_actions"] == []
    detail = call("get", f"{BASE}/disputes/{d.pk}", people.dispatcher).json()
    assert [e["action"] for e in detail["timeline"]] == [
        "register",
        "accept",
        "assign",
        "session",
        "agree",
        "follow_up",
        "close",
    ]


def test_wrong_state_and_stale_version_are_409_and_change_nothing(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    r = _act(people.med_user, d.pk, "close", version=1)
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"
    assert d.number in r.json()["message"]
    r = _act(people.staff, d.pk, "accept", version=7)
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = _act(people.staff, d.pk, "accept")
    assert r.status_code == 400 and r.json()["code"] == "required"
    assert Dispute.objects.get(pk=d.pk).version == 1
    assert DisputeEvent.objects.filter(dispute=d).count() == 1


def test_unknown_action_is_404(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    r = _act(people.staff, d.pk, "explode", version=1)
    assert r.status_code == 404 and r.json()["code"] == "unknown_action"


def test_a_session_before_registration_is_400_and_writes_nothing(tree, people):
    d = register(tree.grid1, actor=people.grid_worker)
    _act(people.staff, d.pk, "accept", version=1)
    _act(people.staff, d.pk, "assign", version=2, mediator=people.mediator.pk)
    held = (d.registered_at - timedelta(days=3)).isoformat()
    r = _act(people.med_user, d.pk, "session", version=3, held_at=held)
    assert r.status_code == 400 and r.json()["code"] == "before_registration"
    assert "held_at" in r.json()["fields"]
    assert not MediationSession.objects.exists() and Dispute.objects.get(pk=d.pk).version == 3


def test_an_agreement_without_parties_is_409(tree, people):
    d = register(tree.grid1, actor=people.grid_worker, parties=[])
    _act(people.staff, d.pk, "accept", version=1)
    _act(people.staff, d.pk, "assign", version=2, mediator=people.mediator.pk)
    r = _act(people.med_user, d.pk, "agree", version=3)
    assert r.status_code == 409 and r.json()["code"] == "parties_required"
    assert Dispute.objects.get(pk=d.pk).status == "assigned"
    r = _act(people.med_user, d.pk, "add_party", version=3, party={"name": "", "role": "other"})
    assert r.status_code == 400 and r.json()["code"] == "name_required"


def test_list_filters_and_sensitive_disputes(tree, people):
    family = dispute_type("family", name="婚姻家庭纠纷", sensitive=True)
    secret = register(tree.grid1, actor=people.grid_worker, type=family)
    plain = register(tree.grid1, actor=people.grid_worker, risk="red", risk_reasons="冲突")
    far = register(tree.grid3, actor=None)
    ids = lambda r: [row["id"] for row in r.json()["items"]]  # noqa: E731
    assert ids(call("get", f"{BASE}/disputes", people.grid_worker)) == [plain.pk]
    assert ids(call("get", f"{BASE}/disputes", people.dispatcher)) == [plain.pk, secret.pk]
    assert ids(call("get", f"{BASE}/disputes?risk=red", people.dispatcher)) == [plain.pk]
    assert ids(call("get", f"{BASE}/disputes?q={secret.number}", people.med_user)) == [secret.pk]
    assert far.pk not in ids(call("get", f"{BASE}/disputes", people.dispatcher))
    r = call("get", f"{BASE}/disputes/{secret.pk}", people.grid_worker)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = call("get", f"{BASE}/disputes?status=lost", people.dispatcher)
    assert r.status_code == 400
    r = call("get", f"{BASE}/disputes", people.resident)
    assert r.status_code == 403
    board = call("get", f"{BASE}/board/high-risk", people.dispatcher)
    assert ids(board) == [plain.pk]
    r = _act(people.dispatcher, plain.pk, "set_risk", version=1, risk="yellow", reasons="已缓和")
    assert r.status_code == 200
    assert ids(call("get", f"{BASE}/board/high-risk", people.dispatcher)) == []


def test_anonymous_is_401(tree, people):
    assert call("get", f"{BASE}/disputes").status_code == 401
    assert call("get", f"{BASE}/board/high-risk").status_code == 401
