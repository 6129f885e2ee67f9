"""Areas are listed by code everywhere (browser, pickers, rosters, party), never by their path:
a path is a chain of row ids, so "…/10/" sorted before "…/9/" and the grids 五…八 came before
一…四. Here 第二网格 is created before 第一网格, so path order and code order disagree."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm, Role
from gridgov.areas.codes import Level
from gridgov.areas.services import area_create
from gridgov.conftest import square


@pytest.fixture
def grids(tree: Any) -> Any:
    village = tree.village
    second = area_create(
        actor=None,
        parent=village,
        level=Level.GRID,
        code="640110100201003",
        name="第二网格",
        geometry=square(106.32, 38.60),
    )
    first = area_create(
        actor=None,
        parent=village,
        level=Level.GRID,
        code="640110100201002",
        name="第一网格",
        geometry=square(106.31, 38.60),
    )
    assert first.path > second.path  # created later: the path order is the wrong one
    return first, second


def _names(labels: Any) -> list[str]:
    return [str(label).strip("\u3000· ") for label in labels]


def test_jurisdiction_roots_are_in_code_order(grids: Any, make_user: Any) -> None:
    first, second = grids
    user = make_user("w", (Role.GRID_WORKER, second), (Role.GRID_WORKER, first))
    assert [a.name for a in scoping.jurisdiction_roots(user, Perm.VIEW_AREA)] == [
        "第一网格",
        "第二网格",
    ]


def test_area_index_lists_roots_by_code(grids: Any, make_user: Any) -> None:
    first, second = grids
    user = make_user("w", (Role.GRID_WORKER, second), (Role.GRID_WORKER, first))
    client = Client()
    client.force_login(user)
    page = client.get(reverse("areas:index")).content.decode()
    assert page.index("第一网格") < page.index("第二网格")


def test_case_entry_picker_is_in_code_order(grids: Any, make_user: Any) -> None:
    from gridgov.cases.views_intake import _area_choices

    user = make_user("d", (Role.DISPATCHER, grids[0].parent.parent))
    names = [label.split(" (")[0].strip("· ") for _pk, label in _area_choices(user)]
    assert names.index("第一网格") < names.index("第二网格")
    assert names.index("金沙村网格") < names.index("第一网格")


def test_roster_picker_is_in_code_order(grids: Any, make_user: Any) -> None:
    from gridgov.rosters.views import _area_choices

    user = make_user("c", (Role.COMMUNITY_STAFF, grids[0].parent))
    names = _names(label for _pk, label in _area_choices(user, Perm.ROSTER_VIEW))
    assert names == ["金沙村", "金沙村网格", "第一网格", "第二网格"]


def test_party_area_picker_is_in_code_order(grids: Any, make_user: Any) -> None:
    from gridgov.party.selectors import org_area_choices

    user = make_user("c", (Role.COMMUNITY_STAFF, grids[0].parent))
    names = [a.name for a in org_area_choices(actor=user)]
    assert names == ["金沙村", "金沙村网格", "第一网格", "第二网格"]
