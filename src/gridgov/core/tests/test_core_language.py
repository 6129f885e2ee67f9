"""The UI speaks zh-Hans unless the user switched; the browser's Accept-Language is not enough."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def test_zh_hans_by_default_even_for_an_english_browser(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "用户名或手机号" in response.content.decode()


def test_the_switch_chooses_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("accounts:login"))
    assert "User name or mobile number" in response.content.decode()


def test_api_clients_may_ask_for_english(client, db):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 401
    assert response.json()["message"] == "Wrong user name / mobile number or password."
    response = client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "x"},
        content_type="application/json",
    )
    assert response.json()["message"] == "用户名/手机号或密码错误。"


def test_api_json_carries_chinese_as_utf8(client, db):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "nobody", "password": "x"},
        content_type="application/json",
    )
    assert "用户名".encode() in response.content
    assert b"\\u" not in response.content


def test_the_language_cookie_is_lax_and_hidden_from_scripts(client, db, settings):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    assert not cookie["secure"]  # plain-HTTP development
    settings.LANGUAGE_COOKIE_SECURE = True
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME]["secure"]


def test_the_language_cookie_is_secure_with_gridgov_secure(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, GRIDGOV_SECURE="1", GRIDGOV_DATA_DIR=str(tmp_path))
    code = "from gridgov import settings as s; print(s.LANGUAGE_COOKIE_SECURE)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"
