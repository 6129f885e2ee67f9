"""The command centre pages /command/ and /command/phone/ through Django's test client: who may
open them, at which area, and how a malformed URL (area, period, wall, part, size) is refused
with a 400 page that says what is wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gridgov.cases.indicators import local_today

pytestmark = pytest.mark.django_db

SCREEN = "/command/"
PHONE = "/command/phone/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dispatcher(tree: Any, make_user: Any) -> Any:
    return make_user("dispatcher", ("dispatcher", tree.street))


def test_the_urls_are_named() -> None:
    assert reverse("command:screen") == SCREEN
    assert reverse("command:screen_phone") == PHONE


def test_anonymous_is_sent_to_sign_in(tree: Any) -> None:
    response = Client().get(SCREEN)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_screen_opens_at_the_top_of_the_jurisdiction(dispatcher: Any, tree: Any) -> None:
    response = _client(dispatcher).get(SCREEN)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-area="{tree.street.pk}"' in html
    assert "凤鸣街道" in html
    assert 'data-testid="command-screen"' in html
    today = local_today()
    assert f'data-from="{today.replace(day=1).isoformat()}"' in html
    assert f'data-to="{today.isoformat()}"' in html
    # Dark, full screen: its own page, without the site's navigation bar.
    assert "navbar" not in html
    assert "command/screen.js" in html
    assert "/jsi18n/" in html


def test_drill_down_to_an_area_inside(dispatcher: Any, tree: Any) -> None:
    response = _client(dispatcher).get(f"{SCREEN}?area={tree.grid1.pk}")
    assert response.status_code == 200
    assert f'data-area="{tree.grid1.pk}"' in response.content.decode()


def test_an_area_outside_the_jurisdiction_is_not_found(dispatcher: Any, tree: Any) -> None:
    for area in (tree.grid3, tree.county):
        assert _client(dispatcher).get(f"{SCREEN}?area={area.pk}").status_code == 404
        assert _client(dispatcher).get(f"{PHONE}?area={area.pk}").status_code == 404
    assert _client(dispatcher).get(f"{SCREEN}?area=999999").status_code == 404


@pytest.mark.parametrize(
    ("role", "where"),
    [("grid_worker", "grid1"), ("community_staff", "community"), ("mediator", "community")],
)
def test_roles_without_the_command_centre_are_refused(
    role: str, where: str, tree: Any, make_user: Any
) -> None:
    user = make_user(f"u_{role}", (role, getattr(tree, where)))
    assert _client(user).get(SCREEN).status_code == 403
    assert _client(user).get(PHONE).status_code == 403


@pytest.mark.parametrize("role", ["dispatcher", "leader", "admin"])
def test_roles_with_the_command_centre_may_open_it(role: str, tree: Any, make_user: Any) -> None:
    user = make_user(f"u_{role}", (role, tree.street))
    assert _client(user).get(SCREEN).status_code == 200
    assert _client(user).get(PHONE).status_code == 200


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("area=abc", "不是有效的数字"),
        ("from=2026-13-01", "YYYY-MM-DD"),
        ("from=1800-01-01", "1900"),
        ("wall=3x3", "2x1"),
        ("wall=2x2&part=5", "1 至 4"),
        ("wall=2x2&part=0", "1 至 4"),
        ("wall=2x1&part=x", "不是有效的数字"),
        ("part=2", "拼接屏"),
        ("size=8k", "4k"),
        ("wall=2x2&size=4k", "不能同时"),
    ],
)
def test_a_malformed_url_gets_a_clear_400_page(dispatcher: Any, query: str, says: str) -> None:
    response = _client(dispatcher).get(f"{SCREEN}?{query}")
    assert response.status_code == 400
    assert says in response.content.decode()


def test_a_period_in_the_future_or_upside_down_is_refused(dispatcher: Any) -> None:
    today = local_today()
    tomorrow = (today + timedelta(days=1)).isoformat()
    response = _client(dispatcher).get(f"{SCREEN}?to={tomorrow}")
    assert response.status_code == 400
    # The message of command.tiles' scope (translated there).
    html = response.content.decode()
    assert "晚于今天" in html or "in the future" in html
    response = _client(dispatcher).get(
        f"{SCREEN}?from={today.isoformat()}&to={(today - timedelta(days=3)).isoformat()}"
    )
    assert response.status_code == 400
    assert "结束" in response.content.decode()
    response = _client(dispatcher).get(f"{SCREEN}?from=2020-01-01&to={today.isoformat()}")
    assert response.status_code == 400


def test_a_period_of_the_past_is_shown(dispatcher: Any) -> None:
    today = local_today()
    start = (today - timedelta(days=40)).isoformat()
    end = (today - timedelta(days=10)).isoformat()
    response = _client(dispatcher).get(f"{SCREEN}?from={start}&to={end}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-from="{start}"' in html and f'data-to="{end}"' in html


@pytest.mark.parametrize(
    ("query", "col", "row"),
    [("wall=2x1&part=2", 1, 0), ("wall=2x2&part=3", 0, 1), ("wall=2x2&part=4", 1, 1)],
)
def test_a_wall_part_shows_its_share_of_the_layout(
    dispatcher: Any, query: str, col: int, row: int
) -> None:
    response = _client(dispatcher).get(f"{SCREEN}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cc-wall" in html
    assert f"--cc-col: {col}; --cc-row: {row};" in html


def test_a_wall_without_a_part_shows_the_first(dispatcher: Any) -> None:
    html = _client(dispatcher).get(f"{SCREEN}?wall=2x2").content.decode()
    assert "--cc-cols: 2; --cc-rows: 2; --cc-col: 0; --cc-row: 0;" in html


def test_the_4k_size(dispatcher: Any) -> None:
    html = _client(dispatcher).get(f"{SCREEN}?size=4k").content.decode()
    assert "cc-size-4k" in html
    assert 'data-size="4k"' in html


def test_the_phone_view_has_no_map(dispatcher: Any, tree: Any) -> None:
    response = _client(dispatcher).get(f"{PHONE}?area={tree.community.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cc-phone" in html
    assert 'data-phone="1"' in html
    assert "command/map.js" not in html
    assert f'data-area="{tree.community.pk}"' in html


def test_the_phone_view_ignores_wall_parameters(dispatcher: Any) -> None:
    assert _client(dispatcher).get(f"{PHONE}?wall=9x9").status_code == 200


def test_home_page_and_navigation_link_to_the_screen(
    dispatcher: Any, tree: Any, make_user: Any
) -> None:
    html = _client(dispatcher).get("/").content.decode()
    assert 'data-testid="home-command"' in html
    assert 'data-testid="nav-command"' in html
    worker = make_user("worker", ("grid_worker", tree.grid1))
    html = _client(worker).get("/").content.decode()
    assert 'data-testid="home-command"' not in html
    assert 'data-testid="nav-command"' not in html
