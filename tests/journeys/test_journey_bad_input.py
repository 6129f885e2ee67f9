"""Bad input in Chromium (issue 14): a control character pasted into the report form is a field
error in Chinese with the text kept; a form sent with a stale security token gets the Chinese
CSRF page; too many failed sign-ins from one address are told to wait, whatever the account;
an administrator unlocks a locked account in the back office. Screenshots ``bad-input-*``."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.conf import settings

from gridgov.accounts.models import User
from gridgov.accounts.services import user_set_back_office
from gridgov.cases.models import Case, Category

from .conftest import screenshot
from .test_journey_foundation import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def category(db: Any) -> Category:
    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    return Category.objects.get(code="0101")


def test_a_pasted_control_character_is_a_field_error_and_the_text_stays(
    live_server: Any, phone: Any, tree: Any, make_user: Any, category: Category
) -> None:
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    base = live_server.url
    page = phone
    sign_in(page, base, "wang")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/cases/report/")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_title", "楼道灯不亮")
    # A vertical tab, as a paste from a word processor brings along.
    page.fill("#id_description", "三单元\x0b楼道灯坏了")
    with page.expect_navigation():
        page.click("#gg-report-submit")
    feedback = page.locator(".invalid-feedback").all_inner_texts()
    assert any("不允许的字符（U+000B）" in text for text in feedback), feedback
    assert page.input_value("#id_title") == "楼道灯不亮"
    assert "楼道灯坏了" in page.input_value("#id_description")
    assert not Case.objects.exists()
    screenshot(page, "bad-input-field-error")


def test_a_stale_security_token_gets_the_chinese_page(
    live_server: Any, desktop: Any, tree: Any, make_user: Any
) -> None:
    make_user("diao", ("dispatcher", tree.county), display_name="刁调度")
    base = live_server.url
    page = desktop
    sign_in(page, base, "diao")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/password/")
    # The form was opened long ago: its token no longer matches the browser's cookie.
    page.locator("input[name=csrfmiddlewaretoken]").first.evaluate(
        "(input) => { input.value = 'x'.repeat(64); }"
    )
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    body = page.locator("body").inner_text()
    assert "请刷新页面" in body or "重新" in body, body
    assert "CSRF verification failed" not in body
    screenshot(page, "bad-input-csrf")


def test_too_many_failed_sign_ins_from_one_address_wait_and_an_admin_unlocks(
    live_server: Any, open_page: Any, tree: Any, make_user: Any
) -> None:
    make_user("wang", ("grid_worker", tree.grid1), display_name="王网格")
    root = make_user("root")
    user_set_back_office(actor=None, user=root, is_staff=True, is_superuser=True)
    base = live_server.url
    # The administrator is signed in already (the journeys share one address with the stranger,
    # which is about to be made to wait).
    admin = open_page("desktop")
    sign_in(admin, base, "root")
    admin.wait_for_url(f"{base}/")

    stranger = open_page("phone")
    for _ in range(settings.GRIDGOV_LOCKOUT_THRESHOLD):
        sign_in(stranger, base, "wang", "wrong-password")
        stranger.locator(".alert-danger").wait_for()
    assert User.objects.get(username="wang").is_locked
    # Accounts that do not exist get the same answer, until the address must wait.
    for n in range(settings.GRIDGOV_LOGIN_THROTTLE_ATTEMPTS):
        sign_in(stranger, base, f"nobody{n}", "wrong-password")
        stranger.locator(".alert-danger").wait_for()
    alert = stranger.locator(".alert-danger").inner_text()
    assert "分钟" in alert, alert
    screenshot(stranger, "bad-input-throttled")

    admin.goto(f"{base}/admin/accounts/user/?q=wang")
    admin.locator("#result_list").wait_for()
    admin.locator("input.action-select").first.check()
    admin.select_option("select[name=action]", "unlock")
    with admin.expect_navigation():
        admin.locator("button[name=index]").click()
    assert "解锁" in admin.locator(".messagelist").inner_text()
    assert not User.objects.get(username="wang").is_locked
    screenshot(admin, "bad-input-admin-unlock")
