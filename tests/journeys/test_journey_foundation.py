"""Foundation journeys in Chromium: a grid worker on a phone, an administrator granting a
role, and the lockout after repeated failed logins."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from gridgov.accounts.models import RoleGrant, User
from gridgov.conftest import TEST_PASSWORD

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def en(msgid: str) -> str:
    with translation.override("en"):
        return gettext(msgid)


def open_nav(page: Any) -> None:
    """On a narrow screen the navigation sits behind the toggler."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and page.locator("#gg-nav.show").count() == 0:
        toggler.click()
        page.locator("#gg-nav.show").wait_for()


def sign_in(page: Any, base: str, login: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.click("#gg-login-form button[type=submit]")


def test_grid_worker_on_a_phone(live_server: Any, phone: Any, tree: Any, make_user: Any) -> None:
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    page = phone
    base = live_server.url

    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/accounts/login/")
    screenshot(page, "login")

    sign_in(page, base, "wang")
    page.wait_for_url(f"{base}/")
    areas = page.locator("[data-testid=home-areas]")
    assert tree.grid1.name in areas.inner_text()
    assert tree.grid2.name not in page.content()
    assert zh("Grid worker") in page.locator("body").inner_text()
    screenshot(page, "home-grid-worker")

    # The area browser: only the worker's grid, drawn on the map.
    open_nav(page)
    page.click("nav a[href='/areas/']")
    page.wait_for_url(f"{base}/areas/")
    table = page.locator("[data-testid=area-children]")
    assert tree.grid1.name in table.inner_text()
    assert tree.grid2.name not in table.inner_text()
    assert tree.grid3.name not in table.inner_text()
    page.locator(".leaflet-container").wait_for()
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    # One clickable polygon (the worker's grid); the case map's county outline and grid
    # shading under it are not clickable.
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 1

    # Clicking the polygon opens the grid.
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").first.click()
    page.wait_for_url(f"{base}/areas/{tree.grid1.pk}/")
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    assert page.locator("h1").inner_text().startswith(tree.grid1.name)
    screenshot(page, "area-map")

    # Another grid is not reachable.
    response = page.goto(f"{base}/areas/{tree.grid2.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{base}/")

    # English and back.
    open_nav(page)
    page.click("[data-gg-language=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    body = page.locator("body").inner_text()
    assert en("Grid worker") in body
    assert "My roles" in body
    open_nav(page)
    page.click("[data-gg-language=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert zh("Grid worker") in page.locator("body").inner_text()

    # Sign out through the user menu.
    open_nav(page)
    page.click("#gg-user-menu")
    page.click("#gg-logout")
    page.wait_for_url(f"{base}/accounts/login/")
    assert page.locator("#id_login").is_visible()
    response = page.goto(f"{base}/areas/")
    assert page.url.startswith(f"{base}/accounts/login/")


def test_administrator_grants_a_role(
    live_server: Any, desktop: Any, tree: Any, make_user: Any
) -> None:
    make_user("zhou", ("admin", tree.county), display_name="周管理")
    li = make_user("li", display_name="李新", mobile="13700001234")
    page = desktop
    base = live_server.url

    sign_in(page, base, "zhou")
    page.wait_for_url(f"{base}/")
    page.click("nav a[href='/accounts/users/']")
    row = page.locator("tr", has_text="李新")
    assert "137****1234" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_url(f"{base}/accounts/users/{li.pk}/")

    page.select_option("#id_role", "grid_worker")
    page.select_option("#id_area", str(tree.grid2.pk))
    page.click("#grant-form button[type=submit]")
    page.wait_for_url(f"{base}/accounts/users/{li.pk}/")
    grants = page.locator("[data-testid=grants]")
    assert tree.grid2.name in grants.inner_text()
    assert zh("Grid worker") in grants.inner_text()
    assert RoleGrant.objects.filter(user=li, role="grid_worker", area=tree.grid2).exists()
    screenshot(page, "user-grant")


def test_five_failed_logins_lock_the_account_without_saying_so(
    live_server: Any, phone: Any, tree: Any, make_user: Any
) -> None:
    make_user("wang", ("grid_worker", tree.grid1))
    page = phone
    base = live_server.url
    for _ in range(settings.GRIDGOV_LOCKOUT_THRESHOLD):
        sign_in(page, base, "wang", "wrong-password")
        page.locator(".alert-danger").wait_for()
    alert = page.locator(".alert-danger").inner_text()
    assert zh("Wrong user name / mobile number or password.") in alert
    assert User.objects.get(username="wang").is_locked

    # The right password is still refused while the lock lasts (this browser's address never
    # signed in as wang), with the answer a wrong password gets; the page says what to do.
    sign_in(page, base, "wang")
    page.locator(".alert-danger").wait_for()
    assert (
        zh("Wrong user name / mobile number or password.")
        in page.locator(".alert-danger").inner_text()
    )
    assert page.url.startswith(f"{base}/accounts/login/")
    assert page.locator("#id_login").is_visible()
    hint = (
        "After several wrong passwords an account is locked for a while; "
        "your administrator can unlock it."
    )
    assert zh(hint) in page.content()
    screenshot(page, "login-locked")


def test_the_browser_refuses_an_injected_inline_script(live_server: Any, browser: Any) -> None:
    """The Content-Security-Policy is in force, and the journeys' console watch sees what it
    refuses (every other journey fails on such a message)."""
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.ggInjected = 1'; document.head.appendChild(s); }"
        )
    assert page.evaluate("() => window.ggInjected === undefined")
    context.close()
