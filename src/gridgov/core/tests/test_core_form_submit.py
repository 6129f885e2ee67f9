"""``form_submit``: the one "form → service → domain error → message → redirect" step."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from gridgov.core.errors import Code, Conflict, PermissionDenied, ValidationFailed
from gridgov.core.views import action_submit, form_submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def _request(method: str = "post", data: dict[str, Any] | None = None, **extra: Any) -> Any:
    request = getattr(RequestFactory(), method)("/x/", data or {}, **extra)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_a_get_or_an_invalid_form_calls_nothing() -> None:
    calls: list[Any] = []
    request = _request("get")
    assert form_submit(request, NameForm(), calls.append, redirect_to="/done/") is None
    request = _request(data={"name": ""})
    form = NameForm(request.POST)
    assert form_submit(request, form, calls.append, redirect_to="/done/") is None
    assert calls == [] and "name" in form.errors


def test_success_shows_the_message_and_redirects() -> None:
    request = _request(data={"name": "张三"})
    response = form_submit(
        request,
        NameForm(request.POST),
        lambda data: data["name"] + "社区",
        success=lambda result: f"{result}已保存",
        redirect_to=lambda result: f"/areas/{len(result)}/",
    )
    assert response is not None and response.status_code == 302
    assert response["Location"] == "/areas/4/"
    assert [str(m) for m in get_messages(request)] == ["张三社区已保存"]


def test_next_is_followed_only_into_this_site() -> None:
    request = _request(data={"name": "a", "next": "/rosters/"})
    response = form_submit(
        request, NameForm(request.POST), lambda d: None, redirect_to="/x/", follow_next=True
    )
    assert response is not None and response["Location"] == "/rosters/"
    request = _request(data={"name": "a", "next": "https://evil.example/"})
    response = form_submit(
        request, NameForm(request.POST), lambda d: None, redirect_to="/x/", follow_next=True
    )
    assert response is not None and response["Location"] == "/x/"


def test_a_domain_error_lands_on_its_field_or_the_form() -> None:
    def refuse(data: dict[str, Any]) -> None:
        raise ValidationFailed("名称已被使用", code=Code.DUPLICATE_NAME, fields={"name": "重名"})

    request = _request(data={"name": "a"})
    form = NameForm(request.POST)
    assert form_submit(request, form, refuse, success="x", redirect_to="/x/") is None
    assert form.errors == {"name": ["重名"]}
    assert list(get_messages(request)) == []

    def stale(data: dict[str, Any]) -> None:
        raise Conflict("记录已被他人修改", code=Code.STALE_VERSION)

    form = NameForm(request.POST)
    assert form_submit(request, form, stale, redirect_to="/x/") is None
    assert form.non_field_errors() == ["记录已被他人修改"]


def test_rename_and_catch() -> None:
    def refuse(data: dict[str, Any]) -> None:
        raise ValidationFailed("x", fields={"title": "太长"})

    request = _request(data={"name": "a"})
    form = NameForm(request.POST)
    form_submit(request, form, refuse, redirect_to="/x/", rename=lambda exc: {"title": "name"})
    assert form.errors == {"name": ["太长"]}

    def forbidden(data: dict[str, Any]) -> None:
        raise PermissionDenied("无权操作")

    with pytest.raises(PermissionDenied):  # not caught: the view's 403 page
        form_submit(
            request, NameForm(request.POST), forbidden, redirect_to="/x/", catch=(Conflict,)
        )


def test_an_action_always_goes_back_with_a_message() -> None:
    request = _request(data={"name": "一单元"})
    response = action_submit(
        request,
        NameForm(request.POST),
        lambda d: d["name"],
        success=lambda unit: f"{unit}已添加",
        redirect_to="/buildings/1/",
    )
    assert response.status_code == 302 and response["Location"] == "/buildings/1/"
    assert [str(m) for m in get_messages(request)] == ["一单元已添加"]

    request = _request(data={"name": ""})
    response = action_submit(
        request, NameForm(request.POST), lambda d: d, redirect_to="/b/", invalid="请填写名称"
    )
    assert response["Location"] == "/b/"
    assert [str(m) for m in get_messages(request)] == ["请填写名称"]

    def stale(data: dict[str, Any]) -> None:
        raise Conflict("记录已被他人修改", code=Code.STALE_VERSION)

    request = _request(data={"name": "a"})
    action_submit(request, NameForm(request.POST), stale, success="不应出现", redirect_to="/b/")
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [("error", "记录已被他人修改")]
