"""Vendored assets: everything the templates reference exists, nothing loads from the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

SRC = Path(__file__).resolve().parents[2]  # src/gridgov
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
STATIC_REF = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]\s*%\}""")
URL_LITERAL = re.compile(r"https?://", re.IGNORECASE)
VENDOR = SRC / "core" / "static" / "vendor"


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_static_file_a_template_references_exists(template):
    for ref in STATIC_REF.findall(template.read_text(encoding="utf-8")):
        assert finders.find(ref), f"{template.name} references missing static file {ref}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_loads_anything_from_the_internet(template):
    # The only configurable outside address is GRIDGOV_TILE_URL, passed in as a variable.
    assert not URL_LITERAL.search(template.read_text(encoding="utf-8")), template


def test_own_scripts_and_styles_reference_no_outside_address():
    for path in (SRC / "core" / "static" / "core").iterdir():
        assert not URL_LITERAL.search(path.read_text(encoding="utf-8")), path


def test_base_layout_uses_the_vendored_bootstrap_and_htmx():
    base = (SRC / "core" / "templates" / "base.html").read_text(encoding="utf-8")
    refs = set(STATIC_REF.findall(base))
    assert "vendor/bootstrap/bootstrap.min.css" in refs
    assert "vendor/bootstrap/bootstrap.bundle.min.js" in refs
    assert "vendor/htmx/htmx.min.js" in refs


def test_vendored_packages_carry_their_licence_and_are_listed():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for folder, package in (
        ("bootstrap", "bootstrap"),
        ("htmx", "htmx.org"),
        ("leaflet", "leaflet"),
        ("leaflet.markercluster", "leaflet.markercluster"),
    ):
        assert (VENDOR / folder / "LICENSE").is_file()
        assert f"| {package} |" in readme


def test_vendored_versions_are_the_pinned_ones():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert re.search(r"\| bootstrap \| 5\.3\.\d+ \|", readme)
    assert re.search(r"\| htmx\.org \| 2\.0\.\d+ \|", readme)
    assert "| leaflet | 1.9.4 |" in readme


def test_leaflet_css_finds_its_images():
    css = (VENDOR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (VENDOR / "leaflet" / image).is_file(), image
