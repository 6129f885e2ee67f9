"""Inbox titles in the reader's language: a notification keeps its title's key and
parameters, and the inbox page and the API render them in the language of the request; rows
written before (text only) show their stored text."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from gridgov.cases import notify as case_notify
from gridgov.notifications.models import Notification
from gridgov.notifications.services import notify


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def client_for(user: Any, language: str) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return c


def send_assigned(user: Any) -> Notification:
    # Written while the active language is Chinese (the sender's request).
    with translation.override("zh-hans"):
        notify(
            recipients=[user],
            kind="case.assigned",
            title=str(case_notify._title("case.assigned", case="2026000001 路灯不亮")),
            title_key="case.assigned",
            title_args={"case": "2026000001 路灯不亮"},
            url="/cases/1/",
        )
    return Notification.objects.filter(recipient=user).latest("id")


def test_the_title_is_stored_with_its_key_and_rendered_per_language(alice) -> None:
    n = send_assigned(alice)
    assert n.title.startswith("新案件待签收") or "2026000001" in n.title
    assert n.params["title"] == {"key": "case.assigned", "args": {"case": "2026000001 路灯不亮"}}
    with translation.override("en"):
        assert n.display_title == "New case to sign for: 2026000001 路灯不亮"
    with translation.override("zh-hans"):
        assert n.display_title == n.title
        assert "New case" not in n.display_title


def test_the_english_inbox_shows_english_titles(alice) -> None:
    send_assigned(alice)
    page = client_for(alice, "en").get("/inbox/").content.decode()
    assert "New case to sign for: 2026000001" in page
    page = client_for(alice, "zh-hans").get("/inbox/").content.decode()
    assert "New case to sign for" not in page
    assert "2026000001" in page


def test_the_api_gives_the_title_in_the_request_language(alice) -> None:
    send_assigned(alice)
    c = client_for(alice, "en")
    items = c.get("/api/v1/notifications/").json()
    items = items.get("items", items) if isinstance(items, dict) else items
    assert items[0]["title"] == "New case to sign for: 2026000001 路灯不亮"


def test_rows_without_a_key_keep_their_stored_text(alice) -> None:
    notify(recipients=[alice], kind="case.assigned", title="旧消息：只有文字")
    n = Notification.objects.filter(recipient=alice).latest("id")
    with translation.override("en"):
        assert n.display_title == "旧消息：只有文字"
    # An unknown key or broken parameters fall back as well.
    n.params = {"title": {"key": "no.such.kind", "args": {}}}
    assert n.display_title == "旧消息：只有文字"
    n.params = {"title": {"key": "case.assigned", "args": {"wrong": 1}}}
    assert n.display_title == "旧消息：只有文字"


def test_every_case_message_registers_its_title() -> None:
    from gridgov.notifications import titles

    for key in case_notify.TITLES:
        assert titles._TITLES[key] is case_notify.TITLES[key]


def test_the_sweeps_notices_are_rendered_per_language() -> None:
    """A notice written by the deadline sweep carries its key too."""
    from gridgov.notifications import titles

    for kind in ("due_soon", "sign_overdue", "handle_overdue"):
        params = titles.stored(f"case.{kind}", {"case": "2026000002 井盖缺失"})
        with translation.override("en"):
            english = titles.render(params)
        with translation.override("zh-hans"):
            chinese = titles.render(params)
        assert english and english.startswith(("Due soon", "Sign-for", "Handling"))
        assert chinese and chinese != english
