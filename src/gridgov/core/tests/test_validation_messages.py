"""API validation errors (422) name each field's problem in the request's language, not in
pydantic's English."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from gridgov.core.validation_messages import error_message


@pytest.mark.parametrize(
    "error,zh,en",
    [
        (
            {"type": "missing", "msg": "Field required"},
            "这个字段是必填项。",
            "This field is required.",
        ),
        (
            {"type": "int_parsing", "msg": "Input should be a valid integer"},
            "请输入整数。",
            "Enter a whole number.",
        ),
        (
            {"type": "string_too_long", "msg": "…", "ctx": {"max_length": 50}},
            "最多输入 50 个字符。",
            "Enter at most 50 characters.",
        ),
        (
            {"type": "less_than_equal", "msg": "…", "ctx": {"le": 200}},
            "不能大于 200。",
            "Enter a value of at most 200.",
        ),
        ({"type": "value_error", "msg": "Value error, 编号无效"}, "编号无效", "编号无效"),
        ({"type": "some_new_type", "msg": "Unknown problem"}, "Unknown problem", "Unknown problem"),
    ],
)
def test_common_error_types_are_translated(error, zh, en) -> None:
    with translation.override("zh-hans"):
        assert error_message(error) == zh
    with translation.override("en"):
        assert error_message(error) == en


@pytest.mark.django_db
@pytest.mark.parametrize(
    "accept,expected",
    [
        ("", "这个字段是必填项。"),
        ("zh-Hans", "这个字段是必填项。"),
        ("en", "This field is required."),
    ],
)
def test_a_missing_field_is_named_in_the_request_language(accept, expected) -> None:
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    r = Client().post(
        "/api/v1/auth/token", json.dumps({}), content_type="application/json", **headers
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    assert body["fields"]
    assert set(body["fields"].values()) == {expected}
    # The message above the fields is in the same language.
    assert body["message"].isascii() == (accept == "en")
