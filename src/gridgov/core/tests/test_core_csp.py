"""Content-Security-Policy: sent on every page, and nothing in the templates needs more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from gridgov.core.config import source_origin

SRC = Path(__file__).resolve().parents[2]  # src/gridgov
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_pages_send_a_strict_policy(client, db):
    response = client.get(reverse("accounts:login"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert {"'self'", "data:"} <= set(policy["img-src"])
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("style-src-attr")[0]


def test_api_and_admin_send_it_too(client, db):
    assert "Content-Security-Policy" in client.get("/api/v1/openapi.json")
    assert "Content-Security-Policy" in client.get("/admin/login/")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_an_inline_script_or_event_handler(template):
    text = template.read_text(encoding="utf-8")
    for attrs in SCRIPT_TAG.findall(text):
        assert "src=" in attrs, f"inline <script> in {template.name}"
    assert not EVENT_HANDLER.search(text), f"inline event handler in {template.name}"
    assert not re.search(r"<style[\s>]", text), f"<style> element in {template.name}"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://10.0.0.5:8080/t/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("//tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
    ],
)
def test_the_tile_servers_origin_is_allowed_for_images(url, origin):
    assert source_origin(url) == origin


def test_every_tile_layers_host_is_allowed(tmp_path):
    import os
    import subprocess
    import sys

    layers = (
        "https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=K "
        "https://t1.tianditu.gov.cn/cva_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=K"
    )
    env = dict(os.environ, GRIDGOV_TILE_URL=layers, GRIDGOV_DATA_DIR=str(tmp_path))
    code = (
        "from gridgov import settings as s; "
        "print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    sources = out.stdout.split()
    assert "https://t0.tianditu.gov.cn" in sources and "https://t1.tianditu.gov.cn" in sources
    assert "tk=K" not in out.stdout
