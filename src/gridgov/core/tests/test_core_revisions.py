"""Revision tokens and the row caches that follow them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.core import revisions
from gridgov.core.models import Revision
from gridgov.core.statements import execute

pytestmark = pytest.mark.django_db


def test_bump_gives_a_new_random_token() -> None:
    revisions.bump("things")
    first = Revision.objects.get(name="things").token
    revisions.bump("things")
    second = Revision.objects.get(name="things").token
    assert first and second and first != second


def test_rows_are_kept_until_a_token_moves() -> None:
    cache = revisions.RowCache("things", "others")
    rows = cache.rows()
    rows["a"] = 1
    assert cache.rows() == {"a": 1}
    revisions.bump("others")
    assert cache.rows() == {}


def test_remembered_rows_need_no_statement_until_checked() -> None:
    cache = revisions.RowCache("things")
    seen, rows = cache.remembered()  # the first use reads the tokens
    rows["a"] = 1
    with CaptureQueriesContext(connection) as queries:
        assert cache.remembered() == (seen, {"a": 1})
    assert not queries.captured_queries

    columns, names = cache.token_columns()
    (current,) = execute(f"SELECT {columns}", names)
    cache.check(seen, current)  # unchanged: nothing happens
    assert cache.remembered()[1] == {"a": 1}

    revisions.bump("things")
    (current,) = execute(f"SELECT {columns}", names)
    with pytest.raises(revisions.Stale):
        cache.check(seen, current)
    assert cache.remembered()[1] == {}  # forgotten


def test_reset_caches_forgets_every_cache() -> None:
    one, two = revisions.RowCache("a"), revisions.RowCache("b")
    one.rows()["x"] = 1
    two.rows()["y"] = 2
    revisions.reset_caches()
    assert one.remembered()[1] == {} and two.remembered()[1] == {}
