"""A form sent without a valid CSRF token gets a page in the site's look, in Chinese, saying
what to do — not Django's bare English page."""

from __future__ import annotations

import json

from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from gridgov.core.views import csrf_failure

RELOAD = (
    "The form could not be sent because its security check failed. Reload the page and try again."
)
COOKIES = (
    "Your browser must allow cookies for this site; private-browsing modes and some security "
    "software block them."
)


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


def test_a_form_without_a_token_gets_the_chinese_page(db):
    client = Client(enforce_csrf_checks=True)
    login = reverse("accounts:login")
    response = client.post(
        login, {"login": "a", "password": "b"}, HTTP_REFERER=f"http://testserver{login}"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert zh(RELOAD) in html and zh(COOKIES) in html
    assert zh(RELOAD) != RELOAD  # translated
    assert "CSRF verification failed" not in html
    assert 'data-testid="csrf-failure"' in html
    assert f'href="http://testserver{login}"' in html  # back to the form
    assert "Content-Security-Policy" in response


def test_an_outside_referer_is_not_offered_as_the_way_back(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"login": "a"}, HTTP_REFERER="https://evil.example/"
    )
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_a_missing_cookie_stresses_the_cookie_advice(db):
    request = RequestFactory().post("/accounts/login/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = csrf_failure(request, reason=REASON_NO_CSRF_COOKIE)
    assert response.status_code == 403
    assert 'class="fw-semibold"' in response.content.decode()


def test_api_paths_get_json():
    request = RequestFactory().post("/api/v1/anything")
    response = csrf_failure(request, reason="CSRF token missing.")
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "csrf_failed"
