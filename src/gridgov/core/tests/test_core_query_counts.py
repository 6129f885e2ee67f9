"""List pages make a fixed number of queries, however many rows they show."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gridgov.areas.codes import Level
from gridgov.areas.services import area_create
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def admin(tree, make_user):
    return make_user("zhou", ("admin", tree.county))


def grow(n: int, make: Callable[[int], object]) -> None:
    for i in range(n):
        make(i)


def test_user_list(client, tree, admin, make_user):
    client.force_login(admin)
    url = reverse("accounts:user_list")
    grow(2, lambda i: make_user(f"a{i}", ("grid_worker", tree.grid1)))
    few = count_queries(client, url)
    grow(20, lambda i: make_user(f"b{i}", ("grid_worker", tree.grid2)))
    assert count_queries(client, url) == few


def test_area_children(client, tree, admin):
    client.force_login(admin)
    url = reverse("areas:detail", args=[tree.community.pk])
    few = count_queries(client, url)
    grow(
        20,
        lambda i: area_create(
            actor=None,
            parent=tree.community,
            level=Level.GRID,
            code=f"640110001001{i + 10:03d}",
            name=f"网格{i}",
        ),
    )
    assert count_queries(client, url) == few


def test_audit_list(client, tree, admin, make_user):
    client.force_login(admin)
    url = reverse("audit:list")
    few = count_queries(client, url)
    grow(
        30,
        lambda i: audit_record(
            event=Event.USER_CHANGED, actor=admin, target=admin, area=tree.grid1
        ),
    )
    assert count_queries(client, url) == few
