"""Leaflet's zoom buttons carry tooltips in the page's language: every map script replaces the
default (English "Zoom in"/"Zoom out") control with one titled from data attributes that the
templates fill with translated text (no inline script: the CSP forbids them)."""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

SRC = Path(__file__).resolve().parents[2]


def map_scripts() -> list[Path]:
    return [
        p
        for p in SRC.rglob("static/**/*.js")
        if "vendor" not in p.parts and "L.map(" in p.read_text(encoding="utf-8")
    ]


def test_every_map_script_titles_its_own_zoom_buttons() -> None:
    scripts = map_scripts()
    assert len(scripts) >= 3
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        for call in re.findall(r"L\.map\([^;]*\)", text):
            assert "zoomControl: false" in call, f"{path.name}: {call}"
        assert "zoomInTitle" in text and "zoomOutTitle" in text, path.name


def test_the_location_picker_passes_translated_zoom_titles() -> None:
    with translation.override("zh-hans"):
        html = render_to_string("cases/intake/_location.html", {"form": _Form(), "grids_url": "/"})
    assert 'data-zoom-in-text="放大"' in html
    assert 'data-zoom-out-text="缩小"' in html
    with translation.override("en"):
        html = render_to_string("cases/intake/_location.html", {"form": _Form(), "grids_url": "/"})
    assert 'data-zoom-in-text="Zoom in"' in html


class _Field:
    errors: list[str] = []

    def __str__(self) -> str:
        return ""


class _Form:
    lon = _Field()
    lat = _Field()

    def __getattr__(self, name: str) -> _Field:
        return _Field()
