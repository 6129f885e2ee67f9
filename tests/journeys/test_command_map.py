"""The command centre's map module (command/map.js) in Chromium, loaded into a signed-in page
as the screen embeds it: the street's grids drawn on a dark background without tiles and
coloured by their open cases, a legend, the cases as markers once zoomed in (a click reports
the item), a pulse for a live event, a polygon click reporting the area, and destroy()."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.accounts.roles import Role
from gridgov.cases.models import Category
from gridgov.cases.services.intake import case_report

from .conftest import screenshot
from .test_journey_cases import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASSETS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "command/map.js",
)
STYLES = (
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "command/map.css",
)


@pytest.fixture
def street(tree: Any, make_user: Any) -> Any:
    import importlib

    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    category = Category.objects.get(code="0101")
    cases = [
        case_report(
            actor=None,
            source="resident",
            anonymous=True,
            category=category,
            title="垃圾未清运",
            lon=lon,
            lat=38.505,
        ).case
        for lon in (106.203, 106.207)
    ]
    make_user("cmd", (Role.DISPATCHER, tree.street))
    return type("Street", (), {"tree": tree, "cases": cases})


def test_the_map_module_draws_clicks_and_pulses(
    live_server: Any, open_page: Any, street: Any
) -> None:
    page = open_page("desktop")
    base = live_server.url
    sign_in(page, base, "cmd")
    for href in STYLES:
        page.add_style_tag(url=f"{base}/static/{href}")
    for src in ASSETS:
        page.add_script_tag(url=f"{base}/static/{src}")
    page.evaluate(
        """() => {
        const el = document.createElement('div');
        el.id = 'cmap';
        el.style.cssText = 'position:fixed;left:0;top:0;width:900px;height:640px;z-index:9999';
        document.body.appendChild(el);
        window.__items = []; window.__areas = [];
        window.__m = window.GridgovCommandMap.create(el, {dark: true, measure: 'cases.open'});
        window.__m.onItem((kind, id) => window.__items.push([kind, id]));
        window.__m.onArea((id) => window.__areas.push(id));
    }"""
    )
    polygons = page.locator("#cmap path.leaflet-interactive")
    page.wait_for_function(
        "() => document.querySelectorAll('#cmap path.leaflet-interactive').length === 2"
    )
    fills = sorted(polygons.nth(i).get_attribute("fill") or "" for i in range(2))
    assert "#16202e" in fills  # 网格二: no open case
    assert any(f != "#16202e" for f in fills)  # 网格一: two
    legend = page.locator("[data-testid=command-map-legend]")
    assert "1–2" in legend.inner_text() or "2" in legend.inner_text()
    assert page.locator("#cmap.gg-cmap--dark").count() == 1
    assert page.locator("#cmap .leaflet-tile").count() == 0  # no basemap tiles

    # A new case in 网格二: the next refresh colours it (values only, polygons kept).
    case_report(
        actor=None,
        source="resident",
        anonymous=True,
        category=Category.objects.get(code="0101"),
        title="井盖缺失",
        lon=106.215,
        lat=38.505,
    )
    page.evaluate("() => window.__m.refresh()")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#cmap path.leaflet-interactive')]"
        ".every((p) => p.getAttribute('fill') !== '#16202e')"
    )

    # A polygon click reports the area (the screen then re-scopes).
    grid2 = street.tree.grid2
    point = page.evaluate("() => window.__m.map.latLngToContainerPoint([38.505, 106.215])")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("(pk) => window.__areas.includes(pk)", arg=grid2.pk)

    # Zoomed in: the cases as markers; a click reports the item.
    # (zoom 17: the two cases of 网格一 in view, the one of 网格二 at 106.215 well outside it)
    page.evaluate("() => window.__m.map.setView([38.505, 106.205], 17)")
    page.wait_for_selector("#cmap .gg-cmap-dot")
    # The markers in view: the two of 网格一 (the map also reads a margin around the view,
    # where the case of 网格二 lies).
    in_view = page.evaluate(
        "() => [...document.querySelectorAll('#cmap .gg-cmap-dot')].map((e) =>"
        " e.getBoundingClientRect()).filter((r) => r.left >= 0 && r.right <= 900)"
        ".map((r) => [r.left + r.width / 2, r.top + r.height / 2])"
    )
    assert len(in_view) == 2
    page.mouse.click(*in_view[0])
    page.wait_for_function("() => window.__items.length === 1")
    kind, pk = page.evaluate("() => window.__items[0]")
    assert kind == "case" and pk in {c.pk for c in street.cases}

    # A live event pulses where it happened.
    path = street.tree.grid1.path
    page.evaluate(
        "(p) => window.__m.pulse({feed: 'cases', cursor: 1, action: 'report', label: '新上报',"
        " area_path: p, lat: 38.506, lng: 106.205, item_kind: 'case', item_id: 1})",
        path,
    )
    page.wait_for_selector("#cmap .gg-cmap-pulse")
    outside = street.tree.grid3.path
    page.evaluate(
        "(p) => window.__m.pulse({area_path: p, lat: 38.605, lng: 106.305, action: 'report'})",
        outside,
    )
    assert page.locator("#cmap .gg-cmap-pulse").count() == 1  # not in this street
    screenshot(page, "command-map")

    page.evaluate("() => window.__m.destroy()")
    assert page.locator("#cmap .leaflet-pane").count() == 0
