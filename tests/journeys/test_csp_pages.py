"""Pages made by libraries — the API's Swagger UI and Django admin — work under the
Content-Security-Policy (the fixtures fail the test on any refusal in the console)."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.accounts.services import user_set_back_office

from .test_journey_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_and_the_back_office_load_under_the_policy(
    live_server: Any, desktop: Any, tree: Any, make_user: Any
) -> None:
    root = make_user("root")
    user_set_back_office(actor=None, user=root, is_staff=True, is_superuser=True)
    page = desktop
    base = live_server.url
    page.goto(f"{base}/api/v1/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    sign_in(page, base, "root")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/admin/accounts/user/")
    page.locator("#result_list").wait_for()
    page.locator("#action-toggle").check()  # the changelist's own script runs
    assert page.locator("tr.selected").count() >= 1
    page.goto(f"{base}/admin/areas/area/{tree.grid1.pk}/change/")
    page.locator("#area_form").wait_for()
