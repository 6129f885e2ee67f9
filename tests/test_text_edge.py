"""Fuzzing the one edge for text: a NUL, a lone surrogate or a control character in any string
field of any write operation of the API is a 400 ``bad_characters`` and stores nothing.

The operations come from the OpenAPI document, so a new endpoint is covered without a change
here. For each POST/PUT/PATCH with a JSON body a plausible body is built from its schema
(strings "x", numbers 1, enums their first value, required and optional fields alike); then
each string field in turn (object keys of free-form objects too) gets ``\\x00``, ``\\ud800``
(sent as the JSON escape ``"\\ud800"``) or ``\\x01``. Multipart operations get the same in each
of their text form fields. Every request is sent as an administrator with a bearer token, and
the row count of every model is compared before and after each operation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from gridgov import conftest as _fixtures
from gridgov.accounts.services import token_issue
from gridgov.api import api

pytestmark = pytest.mark.django_db

tree = _fixtures.tree
make_user = _fixtures.make_user
_fresh_grid_locator = _fixtures._fresh_grid_locator

BAD = {"nul": "\x00", "surrogate": "\ud800", "control": "\x01"}
WRITE_METHODS = ("post", "put", "patch")


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema()


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], doc)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _resolve(options[0], doc) if options else {"type": "null"}
    return schema


def sample(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value for ``schema``: every property filled, strings ``"x"``."""
    schema = _resolve(schema, doc)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        value = {name: sample(sub, doc, depth + 1) for name, sub in props.items()}
        if not props and schema.get("additionalProperties") not in (None, False):
            value = {"k": "x"}
        return value
    if kind == "array":
        return [sample(schema.get("items", {}), doc, depth + 1)] if depth <= 4 else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        return {"date": "2026-03-01", "date-time": "2026-03-01T09:30:00+08:00"}.get(fmt, "x")
    return "x"


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every string (and every object key, as ``("key", ...)``) inside ``value``."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, ("key", key))
            yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))


def poisoned(value: Any, path: tuple[Any, ...], bad: str) -> Any:
    """A copy of ``value`` with ``bad`` inserted into the string (or key) at ``path``."""
    if not path:
        return f"{value}{bad}x"
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):  # ("key", name): rename the key
        name = head[1]
        return {(f"{k}{bad}" if k == name else k): v for k, v in value.items()}
    if isinstance(value, dict):
        return {k: (poisoned(v, rest, bad) if k == head else v) for k, v in value.items()}
    return [poisoned(v, rest, bad) if i == head else v for i, v in enumerate(value)]


def _url(path: str, operation: dict[str, Any]) -> str:
    for param in operation.get("parameters", []):
        if param.get("in") != "path":
            continue
        kind = param.get("schema", {}).get("type")
        path = path.replace("{" + param["name"] + "}", "1" if kind == "integer" else "x")
    return path


def operations(media: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, url, id, body schema) of every write operation with a ``media`` body."""
    doc = _schema()
    found = []
    for path, items in doc["paths"].items():
        for method, operation in items.items():
            if method not in WRITE_METHODS:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if media in content:
                found.append(
                    (method, _url(path, operation), operation["operationId"], content[media])
                )
    return found


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def admin_api(tree: Any, make_user: Any) -> Client:
    admin = make_user("admin", ("admin", tree.county))
    _token, raw = token_issue(user=admin)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_document_has_json_and_multipart_write_operations() -> None:
    assert len(operations("application/json")) >= 30
    assert len(operations("multipart/form-data")) >= 3


def test_every_string_field_of_every_json_write_refuses_bad_characters(admin_api) -> None:
    doc = _schema()
    failures: list[str] = []
    checked = 0
    for method, url, op_id, media in operations("application/json"):
        body = sample(media["schema"], doc)
        paths = list(string_paths(body)) or [()]
        before = row_counts()
        for path in paths:
            for label, bad in BAD.items():
                data = poisoned(body, path, bad) if path else f"x{bad}"
                # ensure_ascii: a lone surrogate travels as the JSON escape "\ud800".
                raw = json.dumps(data, ensure_ascii=True)
                response = getattr(admin_api, method)(
                    url, data=raw, content_type="application/json"
                )
                checked += 1
                code = response.json().get("code") if response.status_code < 500 else None
                if response.status_code != 400 or code != "bad_characters":
                    failures.append(f"{op_id} {path} {label}: {response.status_code} {code}")
        if row_counts() != before:
            failures.append(f"{op_id}: rows changed")
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_every_text_field_of_every_multipart_write_refuses_bad_characters(admin_api):
    doc = _schema()
    failures: list[str] = []
    for method, url, op_id, media in operations("multipart/form-data"):
        if method != "post":
            continue  # Django reads forms of POST only
        schema = _resolve(media["schema"], doc)
        fields = {
            name: sample(sub, doc)
            for name, sub in schema.get("properties", {}).items()
            if _resolve(sub, doc).get("format") != "binary"
        }
        text_fields = [name for name, value in fields.items() if isinstance(value, str)]
        before = row_counts()
        for name in text_fields:
            for label, bad in BAD.items():
                if label == "surrogate":
                    continue  # a form is UTF-8 bytes: it cannot carry a lone surrogate
                data = {**fields, name: f"x{bad}"}
                response = getattr(admin_api, method)(url, data=data)
                if response.status_code != 400:
                    failures.append(f"{op_id} {name} {label}: {response.status_code}")
        if row_counts() != before:
            failures.append(f"{op_id}: rows changed")
    assert not failures, "\n".join(failures)
