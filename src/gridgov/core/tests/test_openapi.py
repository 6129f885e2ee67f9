"""The OpenAPI document of /api/v1/: it builds, its components are one per schema class (two
classes of the same name would collapse into one component, and the answers of one of them
would not match the document), every reference resolves, and every operation declares the
error answers the API gives (scripts/fuzz-api.sh checks the answers against it)."""

from __future__ import annotations

import enum
import json
import typing
from collections import defaultdict
from typing import Any

import pytest
from pydantic import BaseModel

from gridgov.api import ERROR_RESPONSES, api


def _operations() -> list[Any]:
    return [
        operation
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        if operation.include_in_schema
    ]


def _walk(annotation: Any, found: set[type]) -> None:
    """Every model and enum class reachable from a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _walk(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _walk(arg, found)


def _schema_classes() -> set[type]:
    """The schema classes of every operation's parameters, bodies and answers — not
    django-ninja's wrappers around them (``QueryParams``, ``NinjaResponseSchema`` …), which
    never become components."""
    found: set[type] = set()
    for operation in _operations():
        wrappers = [*operation.models, *operation.response_models.values()]
        for wrapper in wrappers:
            if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                for field in wrapper.model_fields.values():
                    _walk(field.annotation, found)
    return found


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Built as the server serves it, then through JSON, as a client reads it.
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def test_the_document_builds_with_every_operation(document):
    assert document["openapi"].startswith("3.")
    count = sum(len(methods) for methods in document["paths"].values())
    assert count == len(_operations())
    assert count > 100


def test_no_two_schema_classes_share_a_component_name():
    classes = _schema_classes()
    assert len(classes) > 100
    by_name: dict[str, set[type]] = defaultdict(set)
    for cls in classes:
        by_name[cls.__name__].add(cls)
    clashes = {}
    for name, group in by_name.items():
        if len(group) < 2:
            continue
        ours = [c for c in group if c.__module__.startswith("gridgov")]
        schemas = {
            json.dumps(c.model_json_schema() if issubclass(c, BaseModel) else list(c), default=str)
            for c in group
        }
        # django-ninja's pagination makes an identical Paged<Item> class for every list of
        # the same items; those are one component. Classes written here must differ by name.
        if len(ours) > 1 or len(schemas) > 1:
            clashes[name] = sorted(f"{c.__module__}.{c.__qualname__}" for c in group)
    assert clashes == {}


def test_component_names_are_plain_class_names(document):
    # pydantic qualifies a name with its module (a__b__C) when two classes of one name meet.
    names = list(document["components"]["schemas"])
    assert [n for n in names if "__" in n] == []


def test_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    refs: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.add(ref)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    prefix = "#/components/schemas/"
    assert all(ref.startswith(prefix) for ref in refs)
    assert sorted(ref[len(prefix) :] for ref in refs if ref[len(prefix) :] not in schemas) == []


@pytest.mark.parametrize(
    ("path", "method", "component", "fields"),
    [
        ("/api/v1/areas/tree", "get", "AreaTreeOut", {"depth", "truncated", "roots"}),
        ("/api/v1/party/orgs/tree", "get", "PartyTreeOut", {"truncated", "roots"}),
        (
            "/api/v1/rosters/residents/{resident_id}/unmask",
            "post",
            "ResidentUnmaskOut",
            {"id", "values"},
        ),
        (
            "/api/v1/party/members/{member_id}/unmask",
            "post",
            "MemberUnmaskOut",
            {"id_number", "phone"},
        ),
    ],
)
def test_answers_formerly_collapsed_have_their_own_schema(
    document, path, method, component, fields
):
    answer = document["paths"][path][method]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema == {"$ref": f"#/components/schemas/{component}"}
    assert set(document["components"]["schemas"][component]["properties"]) == fields


def test_stats_and_areas_have_their_own_area_reference(document):
    schemas = document["components"]["schemas"]
    assert "display_code" in schemas["AreaRef"]["properties"]
    assert "display_code" not in schemas["StatsAreaRef"]["properties"]


def test_every_operation_declares_the_error_answers(document):
    missing = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            declared = set(operation["responses"])
            lacking = {str(code) for code in ERROR_RESPONSES} - declared
            if lacking:
                missing[f"{method.upper()} {path}"] = sorted(lacking)
            for code in ERROR_RESPONSES:
                content = operation["responses"][str(code)]["content"]
                assert content["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"
                }
    assert missing == {}


def test_the_document_is_built_once_and_served_as_built(client, db):
    # Building it takes seconds of CPU; it is public, so it must not be built per request.
    first = api.get_openapi_schema(path_prefix="/api/v1/")
    assert api.get_openapi_schema(path_prefix="/api/v1/") is first
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json()["components"]["schemas"].keys() == first["components"]["schemas"].keys()
