"""The shared bounds (gridgov.core.params): dates in 1900–2100 for the API, the web forms and
Open311; the workcal deadline and year endpoints keep to them too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from ninja import Schema
from pydantic import ValidationError

from gridgov.core.errors import ValidationFailed
from gridgov.core.params import Day, DayField, DbId, Moment, SortOrder, check_day


class _Probe(Schema):
    day: Day | None = None
    moment: Moment | None = None
    id: DbId | None = None
    sort: SortOrder | None = None


@pytest.mark.parametrize(
    "data",
    [
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"moment": "9999-12-31T23:59:59"},
        {"moment": "1899-12-31T23:59:59+08:00"},
        # Shanghai's local mean time before 1901 (+08:05:43) is no valid RFC 3339 offset.
        {"moment": "1900-06-01T09:00:00"},
        {"id": 2**63},
        {"id": 0},
        {"sort": -1},
        {"sort": 2**63},
    ],
)
def test_schema_types_refuse_out_of_range(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _Probe(**data)


def test_schema_types_accept_the_bounds() -> None:
    probe = _Probe(day="1900-01-01", moment="2100-12-31T23:59:59", id=2**63 - 1, sort=0)
    assert probe.day == date(1900, 1, 1)
    assert probe.id == 2**63 - 1


def test_check_day_names_the_field() -> None:
    assert check_day(date(2026, 1, 1), name="x") == date(2026, 1, 1)
    with pytest.raises(ValidationFailed) as caught:
        check_day(datetime(9999, 12, 31), name="end_date")
    assert caught.value.code == "date_out_of_range"
    assert "end_date" in caught.value.fields


@pytest.mark.parametrize(("value", "ok"), [("2026-01-01", True), ("0001-01-01", False)])
def test_day_field(value: str, ok: bool) -> None:
    field = DayField(required=False)
    if ok:
        assert field.clean(value) == date(2026, 1, 1)
    else:
        with pytest.raises(Exception) as caught:
            field.clean(value)
        assert "1900" in str(caught.value)


def _unbounded(
    schema: dict[str, Any], comps: dict[str, Any], path: str, seen: set[str]
) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        if name in seen:
            return []
        seen.add(name)
        return _unbounded(comps[name], comps, name, seen)
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found += _unbounded(sub, comps, path, seen)
    if schema.get("type") == "integer" and "maximum" not in schema and "enum" not in schema:
        found.append(path)
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, comps, f"{path}.{name}", seen)
    if "items" in schema:
        found += _unbounded(schema["items"], comps, f"{path}[]", seen)
    return found


def test_every_integer_a_request_sends_is_bounded_in_openapi() -> None:
    """Query parameters and bodies: every integer states its maximum (paths are looked up
    and simply not found when too large)."""
    from gridgov.api import api

    schema = api.get_openapi_schema()
    comps = schema["components"]["schemas"]
    found = []
    for url, operations in schema["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param["in"] != "path":
                    where = f"{method.upper()} {url} ?{param['name']}"
                    found += _unbounded(param.get("schema", {}), comps, where, set())
            for content in op.get("requestBody", {}).get("content", {}).values():
                where = f"{method.upper()} {url} body"
                found += _unbounded(content.get("schema", {}), comps, where, set())
    assert found == []
