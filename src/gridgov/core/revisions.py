"""Reference data kept in memory, and the tokens that say when it changed.

Every case report reads its category and its grid; both change a few times a year. A process
keeps the rows it has read in a :class:`RowCache` and empties it when the data's revision token
moves:

* a writer calls :func:`bump` inside its transaction (the category and area services do, for
  every change); the token is random, so a rollback or a restored backup never brings back a
  token that some process built its rows from;
* a reader calls :meth:`RowCache.rows` at the start of each use: one indexed statement reads the
  tokens, and the remembered rows are dropped when they differ from the ones the rows were read
  under. Rows are always read after their token, in the same connection, so a row never
  outlives a change it did not see: a change committed by any process is seen by the next use.
* or, on a hot path, a reader takes :meth:`RowCache.remembered` rows without a statement and
  checks the tokens later inside its own writing transaction — folded into a statement it runs
  anyway (:meth:`RowCache.token_columns`) — and starts again with fresh rows when they moved
  (:class:`Stale`). Case intake does this.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Sequence
from typing import Any

from gridgov.core.models import Revision
from gridgov.core.statements import execute

_caches: weakref.WeakSet[RowCache] = weakref.WeakSet()


class Stale(Exception):
    """The rows a writer used were read under tokens that have moved since."""


def bump(name: str) -> None:
    """Give ``name`` a new token in the current transaction."""
    token = secrets.randbits(62) or 1
    if not Revision.objects.filter(pk=name).update(token=token):
        Revision.objects.update_or_create(pk=name, defaults={"token": token})


class RowCache:
    """Rows remembered by key while the revisions ``names`` keep their tokens."""

    def __init__(self, *names: str) -> None:
        self.names = tuple(sorted(names))
        table = Revision._meta.db_table
        marks = ", ".join(["%s"] * len(self.names))
        self._sql = f'SELECT "name", "token" FROM "{table}" WHERE "name" IN ({marks})'
        # (tokens the rows were read under, rows): swapped as one, so threads never mix them.
        self._current: tuple[tuple[int, ...] | None, dict[Any, Any]] = (None, {})
        _caches.add(self)

    def tokens(self) -> tuple[int, ...]:
        found = dict(execute(self._sql, self.names))
        return tuple(int(found.get(name) or 0) for name in self.names)

    def rows(self) -> dict[Any, Any]:
        """The remembered rows (a dict the caller reads and fills), emptied first when a token
        moved since they were read."""
        tokens = self.tokens()
        seen, rows = self._current
        if tokens != seen:
            rows = {}
            self._current = (tokens, rows)
        return rows

    def remembered(self) -> tuple[tuple[int, ...], dict[Any, Any]]:
        """(tokens, rows) as last read, without a statement (the first use reads the tokens):
        the caller must :meth:`check` the tokens before it relies on what it wrote."""
        seen, rows = self._current
        if seen is None:
            tokens = self.tokens()
            rows = {}
            self._current = (tokens, rows)
            return tokens, rows
        return seen, rows

    def token_columns(self) -> tuple[str, list[str]]:
        """(SQL, parameters) of one scalar subquery per revision, in :attr:`names` order, to add
        to the ``RETURNING`` or select list of a statement the caller runs anyway; pass what
        they return to :meth:`check`."""
        table = Revision._meta.db_table
        one = f'(SELECT "token" FROM "{table}" WHERE "name" = %s)'
        return ", ".join([one] * len(self.names)), list(self.names)

    def check(self, seen: tuple[int, ...], current: Sequence[Any]) -> None:
        """Raise :class:`Stale` (and forget the rows) when ``current`` (from
        :meth:`token_columns`) differs from the ``seen`` tokens of :meth:`remembered`."""
        if tuple(int(t or 0) for t in current) != seen:
            self.reset()
            raise Stale(self.names)

    def reset(self) -> None:
        self._current = (None, {})


def reset_caches() -> None:
    """Forget every process-wide row cache (tests: a rolled-back database reuses ids)."""
    for cache in list(_caches):
        cache.reset()
