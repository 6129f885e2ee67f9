"""Browser journeys: a real Chromium (Debian's, through Playwright) against pytest-django's
live server. Skipped when /usr/bin/chromium is missing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gridgov.conftest import make_user, tree  # noqa: F401  (fixtures for the journeys)

CHROMIUM = Path(os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Where the journeys leave their screenshots: a temporary folder unless GRIDGOV_SCREENSHOT_DIR
# says otherwise. The user guides' pictures are refreshed with
# GRIDGOV_SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest -m browser
SCREENSHOT_DIR = Path(
    os.environ.get("GRIDGOV_SCREENSHOT_DIR") or Path(tempfile.gettempdir()) / "gridgov-screenshots"
)


def watch_csp(page: Any, violations: list[str]) -> Any:
    """Collect what the browser refused under the Content-Security-Policy (its console says
    "… violates the following Content Security Policy directive …")."""

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    return page


def assert_no_csp_violations(violations: list[str]) -> None:
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser journeys")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread while it runs; the tests' own
    # ORM calls (fixtures, assertions, the database flush after each test) are still
    # synchronous and safe. Allowed for as long as the browser lives, i.e. this module.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A page in a phone-sized window whose browser prefers Simplified Chinese."""
    context = browser.new_context(viewport=MOBILE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    violations: list[str] = []
    page = watch_csp(context.new_page(), violations)
    yield page
    context.close()
    assert_no_csp_violations(violations)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    violations: list[str] = []
    page = watch_csp(context.new_page(), violations)
    yield page
    context.close()
    assert_no_csp_violations(violations)


def screenshot(page: Any, name: str) -> None:
    """Save ``name``-mobile.png at 360×740 and ``name``-desktop.png at 1280×800."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for label, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # let Leaflet and the navbar settle at the new width
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(original)
    page.wait_for_timeout(100)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page("phone" | "desktop")``: a page in a fresh browser context of its own (its
    own cookies, i.e. its own signed-in user), so one journey can follow several people. Every
    context is closed at the end of the test."""
    contexts: list[Any] = []
    violations: list[str] = []

    def build(kind: str = "desktop") -> Any:
        viewport = MOBILE if kind == "phone" else DESKTOP
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return watch_csp(context.new_page(), violations)

    yield build
    for context in contexts:
        context.close()
    assert_no_csp_violations(violations)
