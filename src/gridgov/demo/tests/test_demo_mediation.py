"""The mediation part of the demo: committees, the two named rooms, mediators (one the demo
account ``mediator``), a screening round and disputes in every state."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import Role
from gridgov.accounts.services import auth_login
from gridgov.demo.generator import DEMO_PASSWORD, FIRST_GRID, build_demo
from gridgov.demo.mediation import build_demo_mediation
from gridgov.mediation.choices import Status
from gridgov.mediation.disputes import selectors
from gridgov.mediation.models import (
    Committee,
    Dispute,
    MediationRoom,
    Mediator,
    ScreeningReturn,
    ScreeningRound,
)


@pytest.fixture
def demo(db: None) -> dict[str, Any]:
    build_demo(grids=3)
    result = build_demo_mediation(grid_code=FIRST_GRID)
    return {"result": result, **{u.username: u for u in User.objects.all()}}


def test_rooms_committees_and_the_mediator_account(demo: dict[str, Any]) -> None:
    assert set(MediationRoom.objects.values_list("name", flat=True)) == {
        "马建才调解室",
        "石榴籽调解室",
    }
    assert Committee.objects.filter(name="凤鸣街道人民调解委员会").exists()
    assert Committee.objects.count() == demo["result"].committees >= 2
    account = demo["mediator"]
    assert auth_login(login="mediator", password=DEMO_PASSWORD) == account
    grant = RoleGrant.objects.get(user=account)
    assert (grant.role, grant.area.code) == (Role.MEDIATOR, "640110001")
    profile = Mediator.objects.get(user=account)
    assert (profile.name, profile.room.name) == ("马建才", "马建才调解室")
    assert profile.phone_masked.startswith("138****")
    assert {m.kind for m in Mediator.objects.all()} == {"people", "elder", "lawyer", "police"}


def test_disputes_in_every_state_with_a_red_and_a_sensitive_one(demo: dict[str, Any]) -> None:
    assert set(Dispute.objects.values_list("status", flat=True)) == set(Status.values)
    mediating = Dispute.objects.get(status=Status.MEDIATING, sensitive=False)
    assert mediating.sessions.count() == 2
    agreed = Dispute.objects.get(status=Status.AGREED)
    assert not agreed.follow_ups.exists()  # the follow-up visit is due
    failed = Dispute.objects.get(status=Status.FAILED)
    assert (failed.referred_to, failed.referred_body) == ("litigation", "凤城区人民法院")
    closed = Dispute.objects.get(status=Status.CLOSED)
    assert closed.performance == "full"
    board = list(selectors.high_risk_board(demo["street_dispatcher"]))
    assert [d.risk for d in board] == ["red"]
    family = Dispute.objects.get(sensitive=True)
    assert family.type.code == "family"
    assert family in selectors.dispute_list(demo["mediator"])
    assert family not in selectors.dispute_list(demo["gridworker"])
    assert family not in selectors.dispute_list(demo["community"])


def test_a_screening_round_with_returns_filed_late_and_missing(demo: dict[str, Any]) -> None:
    screening = ScreeningRound.objects.get()
    returns = ScreeningReturn.objects.filter(round=screening)
    assert returns.count() == demo["result"].returns == 3
    assert returns.filter(filed_at__isnull=True).count() == 1
    assert returns.filter(late=True).count() == 1
    first = returns.get(area__code=FIRST_GRID)
    assert first.filed_by == demo["gridworker"] and not first.nothing_found
