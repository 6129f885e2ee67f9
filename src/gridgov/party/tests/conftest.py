"""Party test builders: an organisation tree on the shared area tree, users of two
communities, and valid ID numbers.

    凤鸣社区党委 (committee, 凤鸣社区)
    ├─ 网格一党支部 (branch, 网格一)
    │  └─ 1号楼党小组 (group, 网格一)
    └─ 网格二党支部 (branch, 网格二)
    金沙村党支部 (branch, 金沙村) — another community
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from gridgov.party import demo, services
from gridgov.party.models import MemberStatus, OrgKind


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Orgs:
    committee: Any
    branch1: Any
    branch2: Any
    group1: Any
    village: Any


@pytest.fixture
def orgs(tree: Any) -> Orgs:
    def mk(name: str, kind: str, area: Any, parent: Any = None) -> Any:
        return services.org_create(actor=None, name=name, kind=kind, area=area, parent=parent)

    committee = mk("凤鸣社区党委", OrgKind.COMMITTEE, tree.community)
    branch1 = mk("网格一党支部", OrgKind.BRANCH, tree.grid1, committee)
    branch2 = mk("网格二党支部", OrgKind.BRANCH, tree.grid2, committee)
    group1 = mk("1号楼党小组", OrgKind.GROUP, tree.grid1, branch1)
    village = mk("金沙村党支部", OrgKind.BRANCH, tree.village)
    return Orgs(committee, branch1, branch2, group1, village)


@pytest.fixture
def new_id() -> Callable[..., str]:
    """new_id() → a fresh valid ID number (born 1980 unless ``birth`` is given)."""
    rng = random.Random(7)
    seen: set[str] = set()
    days = itertools.count()

    def make(birth: date | None = None, gender: str = "M") -> str:
        while True:
            day = birth or date(1980, 1, 1) + timedelta(days=next(days))
            number = demo.id_number(rng, day, gender)
            if number not in seen:
                seen.add(number)
                return number

    return make


@pytest.fixture
def add_member(orgs: Orgs, new_id: Callable[..., str]) -> Callable[..., Any]:
    """add_member(org, name="…", probationary=False, phone="", id_number=None)."""

    def make(
        org: Any,
        name: str = "党员甲",
        *,
        probationary: bool = False,
        phone: str = "",
        id_number: str | None = None,
    ) -> Any:
        today = timezone.localdate()
        joined = today - timedelta(days=100 if probationary else 3000)
        return services.member_create(
            actor=None,
            org=org,
            name=name,
            id_number=id_number or new_id(),
            phone=phone,
            status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
            joined_on=joined,
            confirmed_on=None if probationary else joined + timedelta(days=366),
        )

    return make


@pytest.fixture
def staff(tree: Any, make_user: Any) -> Any:
    """Community staff of 凤鸣社区: PARTY_MANAGE, ROSTER_UNMASK, ROSTER_EXPORT there."""
    return make_user("staff", ("community_staff", tree.community))


@pytest.fixture
def other_staff(tree: Any, make_user: Any) -> Any:
    """Community staff of 金沙村 (another community)."""
    return make_user("other", ("community_staff", tree.village))


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    """Grid worker of 网格一: PARTY_VIEW (no manage, no unmask)."""
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def leader(tree: Any, make_user: Any) -> Any:
    return make_user("leader", ("leader", tree.county))


def api(client: Any, method: str, url: str, user: Any, body: Any = None) -> Any:
    from gridgov.accounts.services import token_issue

    _token, raw = token_issue(user=user)
    kw: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    if body is not None:
        kw["data"] = json.dumps(body, default=str)
        kw["content_type"] = "application/json"
    return getattr(client, method)(url, **kw)
