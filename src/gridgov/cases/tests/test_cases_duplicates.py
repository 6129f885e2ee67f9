"""Likely duplicates: near, recent, similar text, open."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string

from gridgov.cases.duplicates import likely_duplicates, text_similarity
from gridgov.cases.models import Case
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source, Status
from gridgov.cases.tests.intake_builders import _media, cats  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = (106.2050, 38.5050)


def mk(cats: Any, title: str, *, dlon: float = 0.0, category: Any = None, **kw: Any) -> Case:
    return case_report(
        actor=None,
        source=Source.RESIDENT,
        category=category or cats.litter,
        title=title,
        lon=BASE[0] + dlon,
        lat=BASE[1],
        **kw,
    ).case


def test_bigram_similarity_of_chinese_text() -> None:
    assert text_similarity("小区门口堆放垃圾", "小区门口垃圾堆放") > 0.5
    assert text_similarity("小区门口堆放垃圾", "路灯不亮") == 0.0
    assert text_similarity("", "x") == 0.0


def test_near_similar_recent_case_is_found(tree: Any, cats: Any) -> None:
    first = mk(cats, "小区门口堆放大量生活垃圾")
    other = mk(cats, "小区门口生活垃圾堆放", dlon=0.0005)  # ~44 m
    found = likely_duplicates(case=other)
    assert [c for c, _s in found] == [first]
    assert 0.5 <= found[0][1] <= 1.0


def test_far_case_is_not_found(tree: Any, cats: Any) -> None:
    mk(cats, "小区门口堆放大量生活垃圾")
    other = mk(cats, "小区门口堆放大量生活垃圾", dlon=0.004)  # ~350 m, still grid 1
    assert likely_duplicates(case=other) == []


def test_old_case_is_not_found(tree: Any, cats: Any) -> None:
    from django.utils import timezone

    mk(cats, "小区门口堆放大量生活垃圾", reported_at=timezone.now() - timedelta(days=9))
    other = mk(cats, "小区门口堆放大量生活垃圾")
    assert likely_duplicates(case=other) == []


def test_closed_case_is_not_found(tree: Any, cats: Any) -> None:
    first = mk(cats, "小区门口堆放大量生活垃圾")
    Case.objects.filter(pk=first.pk).update(status=Status.CLOSED)
    assert likely_duplicates(case=mk(cats, "小区门口堆放大量生活垃圾")) == []


def test_unrelated_text_nearby_is_not_found(tree: Any, cats: Any) -> None:
    mk(cats, "路灯不亮", category=cats.dispute)
    assert likely_duplicates(case=mk(cats, "小区门口堆放大量生活垃圾")) == []


def test_best_first_and_limit(tree: Any, cats: Any) -> None:
    a = mk(cats, "小区门口堆放大量生活垃圾")
    b = mk(cats, "小区门口有垃圾", dlon=0.001)
    c = mk(cats, "小区门口堆放大量生活垃圾")
    found = likely_duplicates(case=c, limit=1)
    assert [x for x, _s in found] == [a]
    assert b.pk not in [x.pk for x, _s in found]


def test_visible_to_scopes_the_result(tree: Any, cats: Any, make_user: Any) -> None:
    mk(cats, "小区门口堆放大量生活垃圾")
    other = mk(cats, "小区门口堆放大量生活垃圾")
    outsider = make_user("o", ("grid_worker", tree.grid3))
    assert likely_duplicates(case=other, visible_to=outsider) == []


def test_partial_template_lists_duplicates(tree: Any, cats: Any) -> None:
    first = mk(cats, "小区门口堆放大量生活垃圾")
    other = mk(cats, "小区门口堆放大量生活垃圾")
    html = render_to_string(
        "cases/intake/_duplicates.html", {"duplicates": likely_duplicates(case=other)}
    )
    assert first.number in html
