"""The fast read path: service documents kept per category revision (and dropped when a
category changes), long request lists streamed with the same content as the whole document,
one request read through the statement compiled once, and Accept-Language on every answer."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.open311 import selectors, views
from gridgov.open311.formats import JSON, XML, encode

BASE = "/open311/v2"


def _services(client: Client | None = None, **headers: Any) -> list[dict[str, Any]]:
    response = (client or Client()).get(f"{BASE}/services.json", **headers)
    assert response.status_code == 200
    return list(json.loads(response.content))


@pytest.fixture
def admin(db: Any, tree: Any) -> Any:
    from gridgov.accounts.models import User

    return User.objects.create_superuser("root-fast", password="x-Very-long-pass-1")


def test_service_list_is_read_once_then_from_memory(categories) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = _services()
    with CaptureQueriesContext(connection) as ctx:
        again = _services()
    assert again == first
    # Only the revision token is read, not the categories.
    assert not any("cases_category" in q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) == 1


def test_a_category_change_through_the_services_shows_at_once(categories, admin) -> None:
    from gridgov.cases.services.categories import (
        category_create,
        category_deactivate,
        category_update,
    )

    assert "违章停车" in {s["service_name"] for s in _services()}
    category_update(actor=admin, category=categories["parking"], name="乱停乱放")
    names = {s["service_name"] for s in _services()}
    assert "乱停乱放" in names and "违章停车" not in names
    category_create(actor=admin, code="T0104", name="占道经营", parent=categories["env"])
    assert "T0104" in {s["service_code"] for s in _services()}
    category_deactivate(actor=admin, category=categories["litter"])
    assert "T0101" not in {s["service_code"] for s in _services()}
    # The definition too (its document is kept per revision as well).
    response = Client().get(f"{BASE}/services/T0102.json")
    assert response.status_code == 200
    category_update(actor=admin, category=categories["parking"], extra_fields=[])
    definition = json.loads(Client().get(f"{BASE}/services/T0102.json").content)
    assert definition["attributes"] == []


def test_a_change_made_by_another_process_is_seen_through_the_revision_token(categories):
    """Another process bumps the token in the database; this process's copy is then dropped."""
    from gridgov.cases.models import Category
    from gridgov.cases.services.categories import CATEGORIES
    from gridgov.core import revisions

    assert "违章停车" in {s["service_name"] for s in _services()}
    Category.objects.filter(code="T0102").update(name="乱停乱放")  # the other process's write
    assert "违章停车" in {s["service_name"] for s in _services()}  # not told yet: kept
    revisions.bump(CATEGORIES)  # … and its bump in the same transaction
    assert "乱停乱放" in {s["service_name"] for s in _services()}


def test_service_definition_follows_accept_language(categories) -> None:
    def description(language: str) -> str:
        response = Client().get(f"{BASE}/services/T0102.json", HTTP_ACCEPT_LANGUAGE=language)
        assert response["Content-Language"] == ("en" if language == "en" else "zh-hans")
        attributes = json.loads(response.content)["attributes"]
        return str(next(a for a in attributes if a["code"] == "count")["datatype_description"])

    assert description("en") == "A number."
    assert description("zh-CN") != "A number."
    assert description("en") == "A number."  # each language kept apart


@pytest.mark.parametrize("path", ["requests/999999.json", "services/NOPE.xml", "nothing.json"])
def test_open311_errors_follow_accept_language(db, path) -> None:
    english = Client().get(f"{BASE}/{path}", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    chinese = Client().get(f"{BASE}/{path}", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert english.status_code == chinese.status_code == 404
    assert english["Content-Language"] == "en" and chinese["Content-Language"] == "zh-hans"
    assert b"There is no" in english.content
    assert b"There is no" not in chinese.content
    assert "Accept-Language" in english["Vary"]


def _many(make_case, tree, categories, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        make_case(
            reported_at=now - timedelta(minutes=i + 1),
            category=categories["parking"] if i % 3 else categories["litter"],
            status="assigned" if i % 2 else "reported",
            assigned_area=tree.community if i % 2 else None,
            lon=None if i % 5 == 0 else 106.205,
            description=f"电话 13812345678 第 {i} 件",
        )


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_a_long_list_is_streamed_with_the_content_of_the_whole_document(
    make_case, tree, categories, monkeypatch, fmt
) -> None:
    _many(make_case, tree, categories, 7)
    monkeypatch.setattr(views, "STREAM_FROM", 3)
    response = Client().get(f"{BASE}/requests.{fmt}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.streaming
    assert response["Access-Control-Allow-Origin"] == "*"
    streamed = b"".join(response.streaming_content)
    # What the whole document was before (model instances, rendered in one piece).
    from django.utils import translation

    with translation.override("en"):
        filters = selectors.parse_filters({})
        items = [selectors.request_dict(c) for c in selectors.request_list(filters)]
        whole = encode(
            fmt, items, root="service_requests", item_tags={"service_requests": "request"}
        )
    assert len(items) == 7
    assert streamed == whole
    if fmt == XML:
        assert len(ET.fromstring(streamed).findall("request")) == 7
    else:
        assert "13812345678" not in streamed.decode() and "138****5678" in streamed.decode()


def test_streamed_in_pieces_equals_encoded_at_once() -> None:
    from gridgov.open311.formats import stream

    items = [{"a": i, "b": [1, 2], "c": "文字\x01"} for i in range(250)]
    tags = {"root": "item", "b": "v"}
    for fmt in (JSON, XML):
        for chunk in (1, 7, 100, 1000):
            pieces = list(stream(fmt, iter(items), root="root", item_tags=tags, chunk=chunk))
            assert b"".join(pieces) == encode(fmt, items, root="root", item_tags=tags)
        assert b"".join(stream(fmt, iter([]), root="root", item_tags=tags)) == encode(
            fmt, [], root="root", item_tags=tags
        )


def test_list_rows_give_what_the_model_instances_give(make_case, tree, categories) -> None:
    _many(make_case, tree, categories, 5)
    filters = selectors.parse_filters({"page_size": "4"})
    rows = [selectors.request_dict(r) for r in selectors.request_rows(filters)]
    cases = [selectors.request_dict(c) for c in selectors.request_list(filters)]
    assert rows == cases and len(rows) == 4


def test_one_request_read_twice_gives_the_same_answer_and_none_beyond_ids(make_case) -> None:
    case = make_case()
    first = Client().get(f"{BASE}/requests/{case.pk}.json")
    again = Client().get(f"{BASE}/requests/{case.pk}.json")
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert json.loads(first.content)[0]["service_request_id"] == case.pk
    assert Client().get(f"{BASE}/requests/{2**63}.json").status_code == 404
    assert Client().get(f"{BASE}/requests/0.json").status_code == 404
