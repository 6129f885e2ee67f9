"""The case map in Chromium: the dispatcher's home shows the open cases clustered over the
grids, which are shaded by their open cases and labelled with their names; without a tile
server the map says so. On a phone and on a desktop; screenshots maps-*.png."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from gridgov.accounts.roles import Role
from gridgov.areas.services import area_set_boundary
from gridgov.cases.models import Category
from gridgov.cases.states import Status
from gridgov.cases.tests.core_builders import make_case
from gridgov.conftest import TEST_PASSWORD, square
from gridgov.rosters.services.places import building_create

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(tree: Any, make_user: Any) -> Any:
    """A street dispatcher; 12 open cases in a corner of 网格一 (one cluster when zoomed out),
    3 in 网格二, a closed one and one outside the jurisdiction; the county's outline; two
    roster buildings with coordinates."""
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    category = Category.objects.get(code="0101")
    county = tree.county
    area_set_boundary(
        actor=None, area=county, geometry=square(106.15, 38.45, 0.2), version=county.version
    )
    for i in range(12):
        make_case(
            tree.grid1, category, lon=106.2015 + 0.0004 * (i % 4), lat=38.5015 + 0.0004 * (i // 4)
        )
    for i in range(3):
        make_case(
            tree.grid2,
            category,
            status=Status.IN_PROGRESS,
            lon=106.2125 + 0.002 * i,
            lat=38.503,
            handle_overdue=i == 0,
        )
    make_case(tree.grid2, category, status=Status.CLOSED, lon=106.218, lat=38.508)
    make_case(tree.grid3, category, lon=106.305, lat=38.605)
    for name, lon in (("1号楼", 106.207), ("2号楼", 106.208)):
        building_create(
            actor=None,
            area=tree.grid1,
            name=name,
            floors=6,
            units=1,
            rooms_per_floor=2,
            lon=lon,
            lat=38.508,
        )
    make_user("dispatcher", (Role.DISPATCHER, tree.street), display_name="调度员小周")
    return tree


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#gg-login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def map_ready(page: Any) -> Any:
    card = page.locator("[data-testid=home-case-map]")
    card.scroll_into_view_if_needed()
    the_map = card.locator("[data-gg-map]")
    page.wait_for_selector("[data-testid=home-case-map] [data-gg-map-ready]")
    assert the_map.get_attribute("data-gg-map-ready") != "error"
    return the_map


def check_home_map(page: Any) -> Any:
    the_map = map_ready(page)
    # 15 open cases inside the jurisdiction (not the closed one, not 金沙村's), 2 grids.
    assert the_map.get_attribute("data-gg-cases") == "15"
    assert the_map.get_attribute("data-gg-grids") == "2"
    # The two grids are drawn as polygons, shaded (the legend goes up to 网格一's 12).
    assert the_map.locator("path.leaflet-interactive, .leaflet-overlay-pane path").count() >= 2
    assert the_map.locator(".gg-map-legend").inner_text().split()[-1] == "12"
    # The 12 cases of 网格一's corner are one cluster when zoomed out.
    clusters = the_map.locator(".marker-cluster")
    assert clusters.count() >= 1
    assert "12" in clusters.all_inner_texts()
    # No tile server: the note is on the map.
    note = the_map.locator("[data-testid=map-no-tiles]")
    assert note.is_visible()
    assert note.inner_text() == "未配置底图服务，地图仅显示边界、网格名称和楼栋。"
    assert the_map.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    return the_map


def test_dispatcher_home_map_on_a_desktop(live_server: Any, desktop: Any, district: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = desktop
    sign_in(page, live_server.url, "dispatcher")
    the_map = check_home_map(page)
    labels = the_map.locator(".gg-map-label")
    assert sorted(t for t in labels.all_inner_texts()) == ["网格一", "网格二"]
    assert all(labels.nth(i).is_visible() for i in range(labels.count()))
    # Zooming in splits the cluster into single cases; a case's popup links to the case.
    # (A click during the map's own zoom animation can be lost on a busy machine: try again.)
    # (Waited for with a locator: the Content-Security-Policy refuses wait_for_function's eval.)
    twelfth_dot = the_map.locator(".gg-case-dot").nth(11)
    for attempt in range(3):
        cluster = the_map.locator(".marker-cluster", has_text="12")
        if cluster.count():
            cluster.first.click()
        try:
            twelfth_dot.wait_for(state="attached", timeout=5000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    the_map.locator(".gg-case-dot").first.click()
    link = the_map.locator(".leaflet-popup-content a")
    assert link.get_attribute("href").startswith("/cases/")
    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/")
    map_ready(page)
    screenshot(page, "maps-dispatcher-home")


def test_dispatcher_home_map_on_a_phone(live_server: Any, phone: Any, district: Any) -> None:
    page = phone
    sign_in(page, live_server.url, "dispatcher")
    the_map = check_home_map(page)
    # On a narrow screen the names show where they fit; at least one grid is named.
    labels = the_map.locator(".gg-map-label")
    assert labels.count() == 2
    assert any(labels.nth(i).is_visible() for i in range(2))
    # The area browser of 网格一 shows the same layer for the grid alone.
    page.goto(f"{live_server.url}/areas/{district.grid1.pk}/")
    page.wait_for_selector("[data-gg-map-ready]")
    area_map = page.locator("[data-gg-map]")
    assert area_map.get_attribute("data-gg-cases") == "12"
    assert area_map.get_attribute("data-gg-grids") == "1"
    screenshot(page, "maps-area-grid")
