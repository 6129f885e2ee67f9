"""The statistics page /cases/stats/ and the API /api/v1/stats/: figures, periods, and the
jurisdiction (outside it: 404; without stats.view: 403)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from gridgov.cases.indicators import period_bounds
from gridgov.cases.tests.ops_builders import T0, World
from gridgov.cases.tests.ops_builders import world as world  # the fixture

H = timedelta(hours=1)
MARCH = {"period": "custom", "date_from": "2025-03-01", "date_to": "2025-03-31"}


@pytest.fixture
def closed(world: World) -> Any:
    case = world.report()
    world.accept(case, T0 + H)
    world.dispatch(case, T0 + H)
    world.sign(case, T0 + 2 * H)
    world.reply(case, T0 + 3 * H)
    world.verify(case, T0 + 4 * H)
    return case


@pytest.fixture
def staff(world: World, make_user: Any) -> Any:
    """Community staff of 凤鸣社区 (stats.view there only)."""
    return make_user("ops_cstaff", ("community_staff", world.tree.community))


def kpi(html: str, key: str) -> str:
    m = re.search(rf'data-kpi="{key}">.*?gg-kpi-value">([^<]*)<', html, re.S)
    assert m, key
    return m.group(1).strip()


# --- Periods -----------------------------------------------------------------------------------


def test_named_periods() -> None:
    today = date(2025, 3, 15)
    assert period_bounds("this_month", today=today) == (date(2025, 3, 1), today)
    assert period_bounds("last_month", today=today) == (date(2025, 2, 1), date(2025, 2, 28))
    assert period_bounds("this_year", today=today) == (date(2025, 1, 1), today)


# --- Page --------------------------------------------------------------------------------------


def test_page_needs_sign_in(client: Any, world: World) -> None:
    response = client.get(reverse("cases:stats"))
    assert response.status_code == 302


def test_page_refuses_a_user_without_stats(client: Any, world: World) -> None:
    client.force_login(world.worker)
    assert client.get(reverse("cases:stats")).status_code == 403


def test_page_defaults_to_the_top_area(client: Any, staff: Any, world: World) -> None:
    client.force_login(staff)
    html = client.get(reverse("cases:stats")).content.decode()
    assert f'<option value="{world.tree.community.pk}" selected' in html
    assert world.tree.grid1.name in html  # a child in the breakdown


def test_page_shows_dashes_for_empty_rates(client: Any, staff: Any) -> None:
    client.force_login(staff)
    html = client.get(reverse("cases:stats")).content.decode()
    assert kpi(html, "closed_rate") == "—"
    assert kpi(html, "satisfaction_rate") == "—"


def test_page_shows_the_figures(client: Any, world: World, closed: Any) -> None:
    client.force_login(world.dispatcher)
    html = client.get(reverse("cases:stats"), {"area": world.tree.street.pk, **MARCH}).content
    page = html.decode()
    assert kpi(page, "accepted") == "1"
    assert kpi(page, "closed") == "1"
    assert kpi(page, "closed_rate") == "100.0%"
    assert kpi(page, "share_grid") == "100.0%"
    row = re.search(rf'data-area="{world.tree.community.pk}">(.*?)</tr>', page, re.S)
    assert row and "100.0%" in row.group(1)
    assert re.search(r'data-level="closed_grid"><td>[^<]*</td><td class="text-end">1<', page)
    assert "2025-03-03" in page  # the daily table


def test_page_loads_echarts_from_the_vendored_files(client: Any, staff: Any) -> None:
    client.force_login(staff)
    html = client.get(reverse("cases:stats")).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any(s.endswith("vendor/echarts/echarts.min.js") for s in scripts)
    assert not [s for s in scripts if "//" in s]
    assert 'id="gg-stats-data"' in html


def test_page_refuses_an_area_outside_the_jurisdiction(
    client: Any, staff: Any, world: World
) -> None:
    client.force_login(staff)
    for area in (world.tree.street, world.tree.village):
        assert client.get(reverse("cases:stats"), {"area": area.pk}).status_code == 404


def test_page_reports_a_reversed_period(client: Any, staff: Any) -> None:
    client.force_login(staff)
    response = client.get(
        reverse("cases:stats"),
        {"period": "custom", "date_from": "2025-03-31", "date_to": "2025-03-01"},
    )
    assert response.status_code == 200
    assert "alert" in response.content.decode()


# --- API ---------------------------------------------------------------------------------------


def _api(client: Any, name: str, **params: Any) -> Any:
    return client.get(f"/api/v1/stats/{name}", params)


def test_api_indicators(client: Any, world: World, closed: Any) -> None:
    client.force_login(world.dispatcher)
    r = _api(
        client, "indicators", area=world.tree.county.pk, **{"from": "2025-03-01"}, to="2025-03-31"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["area"]["id"] == world.tree.county.pk
    assert body["counts"]["closed"] == 1
    assert body["rates"]["closed_rate"] == 1.0
    assert body["rates"]["satisfaction_rate"] is None


def test_api_defaults_to_the_top_area_and_this_month(client: Any, staff: Any, world: World) -> None:
    client.force_login(staff)
    body = _api(client, "indicators").json()
    assert body["area"]["id"] == world.tree.community.pk
    assert date.fromisoformat(body["date_from"]).day == 1


def test_api_series_has_every_day(client: Any, world: World, closed: Any) -> None:
    client.force_login(world.dispatcher)
    body = _api(
        client, "series", area=world.tree.county.pk, **{"from": "2025-03-01"}, to="2025-03-10"
    ).json()
    assert len(body["items"]) == 10
    by_day = {i["period"]: i["counts"]["accepted"] for i in body["items"]}
    assert by_day["2025-03-03"] == 1
    assert sum(by_day.values()) == 1


def test_api_series_per_month(client: Any, world: World, closed: Any) -> None:
    client.force_login(world.dispatcher)
    body = _api(
        client,
        "series",
        area=world.tree.county.pk,
        granularity="month",
        **{"from": "2025-01-15"},
        to="2025-04-02",
    ).json()
    assert [i["period"] for i in body["items"]] == [
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
        "2025-04-01",
    ]
    assert body["items"][2]["counts"]["closed"] == 1


def test_api_breakdown_lists_the_children(client: Any, world: World, closed: Any) -> None:
    client.force_login(world.dispatcher)
    body = _api(
        client, "breakdown", area=world.tree.county.pk, **{"from": "2025-03-01"}, to="2025-03-31"
    ).json()
    items = {i["area"]["id"]: i for i in body["items"]}
    assert set(items) == {world.tree.street.pk, world.tree.town.pk}
    assert items[world.tree.street.pk]["counts"]["closed"] == 1
    assert items[world.tree.town.pk]["rates"]["closed_rate"] is None


def test_api_refuses_an_area_outside_the_jurisdiction(
    client: Any, staff: Any, world: World
) -> None:
    client.force_login(staff)
    for name in ("indicators", "series", "breakdown"):
        r = _api(client, name, area=world.tree.street.pk)
        assert r.status_code == 404, name
        assert r.json()["code"] == "not_found"


def test_api_refuses_a_user_without_stats(client: Any, world: World) -> None:
    client.force_login(world.worker)
    assert _api(client, "indicators").status_code == 403


def test_api_needs_authentication(client: Any, world: World) -> None:
    assert _api(client, "indicators").status_code == 401


def test_api_refuses_a_reversed_period(client: Any, staff: Any) -> None:
    client.force_login(staff)
    r = _api(client, "indicators", **{"from": "2025-03-31"}, to="2025-03-01")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_failed"


# --- Form values and rounding ------------------------------------------------------------------


def test_date_inputs_carry_iso_values_in_chinese(client: Any, staff: Any) -> None:
    """<input type=date> takes only yyyy-mm-dd; the zh-Hans format 2025/03/01 left it empty."""
    client.force_login(staff)
    page = client.get(reverse("cases:stats"), MARCH, HTTP_ACCEPT_LANGUAGE="zh-hans").content
    html = page.decode()
    assert re.search(r'<input type="date" name="date_from" value="2025-03-01"', html)
    assert re.search(r'<input type="date" name="date_to" value="2025-03-31"', html)
    assert "2025/03/01" not in html


def test_date_inputs_elsewhere_carry_iso_values() -> None:
    from gridgov.audit.forms import AuditFilterForm
    from gridgov.cases.forms import CaseFilterForm
    from gridgov.core.widgets import IsoDateInput

    with translation.override("zh-hans"):
        widget = IsoDateInput()
        assert widget.format_value(date(2026, 12, 1)) == "2026-12-01"
        assert 'value="2026-12-01"' in widget.render("d", date(2026, 12, 1))
    assert isinstance(CaseFilterForm.base_fields["date_from"].widget, IsoDateInput)
    assert isinstance(AuditFilterForm.base_fields["date_from"].widget, IsoDateInput)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(10 / 15, "66.7%"), (2 / 3, "66.7%"), (1 / 8, "12.5%"), (0.0625, "6.3%"), (1.0, "100.0%")],
)
def test_percentages_are_rounded_not_cut(value: float, shown: str) -> None:
    from gridgov.cases.views_stats import _percent_or_none, pct

    assert pct(value) == shown
    assert _percent_or_none(value) == float(shown.rstrip("%"))


# --- Stock now (maintained counters) ----------------------------------------------------------


def test_page_shows_open_and_overdue_now(client: Any, world: World, closed: Any) -> None:
    world.report()  # one more, still open
    client.force_login(world.dispatcher)
    page = client.get(reverse("cases:stats"), {"area": world.tree.street.pk, **MARCH}).content
    assert kpi(page.decode(), "open_now") == "1"
    assert kpi(page.decode(), "overdue_now") == "0"


def test_api_indicators_carry_the_stock_now(client: Any, world: World, closed: Any) -> None:
    open_case = world.report()
    client.force_login(world.dispatcher)
    r = _api(
        client, "indicators", area=world.tree.county.pk, **{"from": "2025-03-01"}, to="2025-03-31"
    )
    stock = r.json()["stock"]
    assert stock["open"] == 1
    assert stock["overdue"] == 0
    assert stock["by_status"]["closed"] == 1
    assert stock["by_status"][open_case.status] == 1
