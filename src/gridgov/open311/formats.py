"""Rendering GeoReport v2 answers as XML (ElementTree) or JSON, and its error format.

The spec's XML wraps lists in a plural element (``<services><service>…``); the JSON form is the
bare list. Errors are ``[{"code": 400, "description": "…"}]`` or
``<errors><error><code>400</code><description>…</description></error></errors>`` with the same
HTTP status.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

XML = "xml"
JSON = "json"
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}

# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def iso(dt: datetime | None, tz: Any = None) -> str | None:
    """ISO 8601 with the offset of the installation's time zone (``2026-03-02T09:30:00+08:00``);
    ``tz``: that zone when the caller has it at hand (a list of many)."""
    if dt is None:
        return None
    return timezone.localtime(dt, tz).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _XML_INVALID.sub("", str(value))


def _fill(parent: ET.Element, tag: str, value: Any, item_tags: dict[str, str]) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(el, k, v, item_tags)
    elif isinstance(value, list | tuple):
        child = item_tags.get(tag, "item")
        for v in value:
            _fill(el, child, v, item_tags)
    else:
        el.text = _text(value)


def to_xml(root: str, value: Any, item_tags: dict[str, str]) -> bytes:
    """``value`` under ``<root>``; a list inside element ``x`` uses ``item_tags[x]`` per item."""
    doc = ET.Element(root)
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(doc, k, v, item_tags)
    else:
        child = item_tags[root]
        for v in value:
            _fill(doc, child, v, item_tags)
    return ET.tostring(doc, encoding="utf-8", xml_declaration=True)


def encode(fmt: str, value: Any, *, root: str, item_tags: dict[str, str] | None = None) -> bytes:
    """The document's bytes: JSON (UTF-8) or XML."""
    if fmt == JSON:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    return to_xml(root, value, item_tags or {})


def stream(
    fmt: str, items: Iterable[Any], *, root: str, item_tags: dict[str, str], chunk: int = 100
) -> Iterator[bytes]:
    """The bytes :func:`encode` gives for a non-empty list ``items``, in pieces of ``chunk``
    items (the whole document is never held)."""
    head = True
    batch: list[Any] = []

    def piece(values: list[Any]) -> bytes:
        if fmt == JSON:
            return ", ".join(json.dumps(v, ensure_ascii=False) for v in values).encode("utf-8")
        child = item_tags[root]
        out = []
        for v in values:
            holder = ET.Element(root)
            _fill(holder, child, v, item_tags)
            out.append(ET.tostring(holder[0], encoding="unicode"))
        return "".join(out).encode("utf-8")

    for item in items:
        batch.append(item)
        if len(batch) == chunk:
            yield (_open(fmt, root) if head else (b", " if fmt == JSON else b"")) + piece(batch)
            head, batch = False, []
    if batch:
        yield (_open(fmt, root) if head else (b", " if fmt == JSON else b"")) + piece(batch)
        head = False
    if head:  # nothing at all: the empty document
        yield encode(fmt, [], root=root, item_tags=item_tags)
        return
    yield b"]" if fmt == JSON else f"</{root}>".encode()


def _open(fmt: str, root: str) -> bytes:
    if fmt == JSON:
        return b"["
    return f"<?xml version='1.0' encoding='utf-8'?>\n<{root}>".encode()


def render(
    fmt: str,
    value: Any,
    *,
    root: str,
    item_tags: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    body = encode(fmt, value, root=root, item_tags=item_tags)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error document: one ``error`` per description, the HTTP status as code."""
    items = [{"code": status, "description": d} for d in descriptions]
    return render(fmt, items, root="errors", item_tags={"errors": "error"}, status=status)
