"""Keyword search over case titles and addresses that stays fast at a million cases.

A list filtered by a keyword walks the newest-first index and tests every case's title: a page is
found at once when the word is common, but a rare word reads every case in scope (4–7 s at a
million cases for a word that matches nothing). Chinese has no spaces to split words at, and
most searches are two characters (井盖, 噪音, 漏水), so the index here is of character pairs:

* the *grams* of a text are its overlapping pairs of characters, lower-cased, and its last
  character alone — 井盖缺失 gives 井盖 盖缺 缺失 失;
* a keyword of two or more characters is the phrase of its pairs (consecutive positions, i.e. a
  substring); a keyword of one character is a prefix of one gram (every character of a text
  begins a pair or ends the text).

Every character counts (spaces, punctuation, Latin letters, digits), so the index answers
"contains" on lower-cased text. To pass SQLite's tokenizer unchanged, every character other than
ASCII letters, digits and the CJK Unified Ideographs is written as a private-use character
(which the tokenizer keeps as part of a word). The index only proposes cases: the list still
tests each proposed case with the same ``icontains`` as without the index, so it never shows a
case the keyword does not match, and a stale entry (a deleted case) does no harm.

Storage, outside the ORM (created by migration 0006):

* SQLite: an FTS5 table ``cases_search`` without stored content (rowid = case id);
* PostgreSQL: ``cases_search(case_id, grams tsvector)`` with a GIN index; the vector is written
  as a literal with its positions (no text-search parser or locale involved) and searched with
  ``<->`` phrases.

The index is written by a periodic job (:func:`index_pending`, every minute in the worker), not
by the report itself: an FTS insert would cost each report about a sixth of its time. Cases
above the mark ``SearchMark.complete_to`` are matched by testing their text directly, so a new
case is found at once (see :func:`index_pending` for how the mark moves on PostgreSQL, where ids
can commit out of order).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from gridgov.cases.models import Case, SearchMark
from gridgov.core.pagination import COUNT_CAP

TABLE = "cases_search"
MARK = "cases"
# Index matches up to CANDIDATES are passed to the list as ids, up to COMMON as a subquery
# (SQLite) or one id array (PostgreSQL); a word with more is common: walking the cases newest
# first finds a page sooner than sorting every match (about 2 µs a match on SQLite, 7 µs on
# PostgreSQL with the joins of the list; bench/bench_cases.py).
CANDIDATES = 5000
COMMON = 10000
# The list's count of a common word (to COUNT_CAP) reads either the matches the index proposes
# or the cases newest first until the cap: N proposals, against about COUNT_CAP × cases / N
# cases walked. Reading a proposal costs about this many times as much as walking past a case
# (bench/bench_cases.py: a proposal ~1.4 µs on SQLite, ~3 µs on PostgreSQL; a case walked
# ~0.4 µs, ~0.3 µs).
PROPOSAL_COST = {"sqlite": 3, "postgresql": 10}
BATCH = 5000  # cases per indexing transaction

_PUA = 0xF0000  # Supplementary Private Use Area-A: one private character per BMP character
_available: dict[str, bool] = {}


# --- Grams ----------------------------------------------------------------------------------


def _char(c: str) -> str:
    low = c.lower()
    if len(low) == 1:
        c = low
    if c.isascii() and c.isalnum():
        return c
    code = ord(c)
    if 0x4E00 <= code <= 0x9FFF:
        return c
    return chr(_PUA + code) if code < 0xFFFE else chr(0xFFFFD)


def grams(text: str) -> list[str]:
    """The grams of ``text``: overlapping character pairs and the last character alone."""
    chars = [_char(c) for c in text]
    if not chars:
        return []
    return [a + b for a, b in pairwise(chars)] + [chars[-1]]


def case_grams(title: str, address: str) -> list[str]:
    """A case's grams: its title's, then its address's. The title's last character stands
    alone between them, so no phrase of pairs spans the two."""
    return grams(title) + grams(address)


def _keyword(q: str) -> tuple[list[str], bool]:
    """(grams to find as one phrase, whether the last is a prefix)."""
    chars = [_char(c) for c in q]
    if len(chars) == 1:
        return chars, True
    return [a + b for a, b in pairwise(chars)], False


def _sqlite_document(tokens: list[str]) -> str:
    return " ".join(tokens)


def _pg_document(tokens: list[str]) -> str:
    # Grams never hold a quote or a backslash (those are written as private characters).
    return " ".join(f"'{t}':{i}" for i, t in enumerate(tokens, start=1))


def match_expression(q: str, vendor: str) -> str:
    """The index query for keyword ``q``: an FTS5 phrase on SQLite, a ``tsquery`` literal on
    PostgreSQL."""
    tokens, prefix = _keyword(q)
    if vendor == "sqlite":
        return f'"{" ".join(tokens)}"' + (" *" if prefix else "")
    if prefix:
        return f"'{tokens[0]}':*"
    return " <-> ".join(f"'{t}'" for t in tokens)


# --- Reading ----------------------------------------------------------------------------------


def _conn() -> Any:
    return connections[DEFAULT_DB_ALIAS]


def available() -> bool:
    """Whether the index table exists on this database (SQLite builds without FTS5 have
    none: the keyword search then tests every case as before)."""
    conn = _conn()
    key = f"{conn.alias}:{conn.settings_dict.get('NAME')}"
    if key not in _available:  # once per process and database, not on every search
        _available[key] = TABLE in conn.introspection.table_names()
    return _available[key]


def caseless(q: str) -> bool:
    """Whether ``q`` has no letter with a case (Chinese, digits, punctuation …)."""
    return all(c.lower() == c == c.upper() for c in q)


def text_q(q: str) -> Q:
    """The keyword test itself: title or address contains ``q``, in any case. A keyword with no
    letter that has a case (most: 井盖, 3号楼) needs no case folding of every text tested: a
    plain ``LIKE`` (on PostgreSQL half the time of ``UPPER(title) LIKE``; on SQLite the same
    operator)."""
    if caseless(q):
        return Q(title__contains=q) | Q(address__contains=q)
    return Q(title__icontains=q) | Q(address__icontains=q)


def _index_sql(vendor: str) -> str:
    if vendor == "sqlite":
        return f'SELECT rowid FROM "{TABLE}" WHERE "{TABLE}" MATCH %s'
    return f'SELECT case_id FROM "{TABLE}" WHERE grams @@ %s::tsquery'


def _index_count(conn: Any, expression: str, limit: int) -> int:
    """How many indexed cases match, counting to ``limit`` at most (in SQL: fetching the ids
    into Python would cost more than finding them)."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({_index_sql(conn.vendor)} LIMIT %s) AS m", [expression, limit]
        )
        return int(cursor.fetchone()[0])


def _index_ids(conn: Any, expression: str, limit: int | None = None) -> list[int]:
    sql = _index_sql(conn.vendor)
    params: list[Any] = [expression]
    if limit is not None:
        sql, params = f"{sql} LIMIT %s", [expression, limit]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def index_matches(q: str) -> list[int]:
    """Ids of the indexed cases whose grams match keyword ``q`` (before the text test)."""
    q = q.strip()
    if not q or not available():
        return []
    conn = _conn()
    return sorted(set(_index_ids(conn, match_expression(q, conn.vendor))))


def _complete_to() -> int:
    """Every case up to this id is in the index (0 before the first run)."""
    mark = SearchMark.objects.filter(name=MARK).values_list("complete_to", flat=True).first()
    return mark or 0


def _tail(q: str, limit: int) -> list[int] | None:
    """Ids of the cases above the mark whose text contains ``q`` (at most ``limit``; ``None``
    when there are more, i.e. the index is far behind)."""
    tail = (
        Case.objects.filter(text_q(q), pk__gt=_complete_to())
        .order_by()
        .values_list("pk", flat=True)
    )
    found = list(tail[: limit + 1])
    return None if len(found) > limit else found


class Keyword(NamedTuple):
    """How the list filters by a keyword (see :func:`keyword_q`)."""

    filter: Q  # the page's filter
    common: bool  # more matches than the index passes on: the list walks the cases
    expression: str = ""  # a common word's index query (for counted_q)


def keyword_q(q: str) -> Keyword:
    """The list filter for keyword ``q`` and whether the word is *common*. One index query (its
    first :data:`COMMON` + 1 matches) decides:

    * at most :data:`CANDIDATES` indexed matches: their ids (and those above the mark), each
      tested with :func:`text_q` — the list reads and sorts only these;
    * at most :data:`COMMON`: the same (on SQLite through a subquery on the index); the list
      still reads only the matches;
    * more (or no index): :func:`text_q` alone, ``common`` — walking the cases newest first
      finds a page quickly, unless the jurisdiction is small (see
      :func:`gridgov.cases.selectors.case_list_for`); :func:`counted_q` counts it.
    """
    q = q.strip()
    text = text_q(q)
    if not q or not available():
        return Keyword(text, True)
    conn = _conn()
    expression = match_expression(q, conn.vendor)
    ids = _index_ids(conn, expression, COMMON + 1)
    if len(ids) > COMMON:
        return Keyword(text, True, expression)
    tail = _tail(q, CANDIDATES)
    if tail is None:
        return Keyword(text, True)
    postgres = conn.vendor != "sqlite"
    if len(ids) <= CANDIDATES or postgres:
        return Keyword(_ids_q(sorted(set(ids) | set(tail)), postgres) & text, False)
    indexed = Q(pk__in=RawSQL(_index_sql(conn.vendor), [expression]))
    return Keyword((indexed | Q(pk__in=tail) if tail else indexed) & text, False)


def walk_bound(cases: int, vendor: str) -> int:
    """How many matches make a word so common that walking ``cases`` cases newest first finds
    the list's count cap (``COUNT_CAP``) sooner than reading the matches the index proposes:
    √(``COUNT_CAP`` × cases / :data:`PROPOSAL_COST`)."""
    cost = PROPOSAL_COST.get(vendor, PROPOSAL_COST["postgresql"])
    return math.isqrt(COUNT_CAP * max(cases, 1) // cost)


def counted_q(keyword: Keyword) -> Q | None:
    """A filter that counts a common word's matches (to the list's cap, ``COUNT_CAP``) sooner
    than the page's filter — or ``None`` where the page's filter is the sooner one.

    The page's filter walks the cases newest first until the cap: for a word in 1 % of the
    cases, a million of them. This one reads the cases the index proposes and those above the
    mark, each tested like the page. Reading N proposals costs about N × :data:`PROPOSAL_COST`
    cases walked, and the walk reads about ``COUNT_CAP`` × cases / N: so a word with more
    matches than :func:`walk_bound` is walked (at a million cases, 31 600 on PostgreSQL, 3 %;
    57 700 on SQLite). The index's matches are counted to that bound only; an index far
    behind proposes nothing either."""
    if not keyword.common or not keyword.expression:
        return None
    conn = _conn()
    mark = _complete_to()
    if Case.objects.filter(pk__gt=mark).order_by()[: CANDIDATES + 1].count() > CANDIDATES:
        return None
    low = Case.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    bound = walk_bound(mark - low + 1, conn.vendor)
    if _index_count(conn, keyword.expression, bound + 1) > bound:
        return None
    # One list of ids: an OR of two (the index's, the newest) would not drive the count on
    # SQLite, which then tests every case of another filter's index against the list.
    ids = f'{_index_sql(conn.vendor)} UNION ALL SELECT n.id FROM "cases_case" n WHERE n.id > %s'
    if conn.vendor == "sqlite":
        # The subquery is read once into a temporary index; the cases are read by rowid.
        return Q(pk__in=RawSQL(ids, [keyword.expression, mark])) & keyword.filter
    # One array (an init plan), searched through the primary key.
    array = RawSQL(
        f'"cases_case"."id" = ANY(ARRAY({ids}))',
        [keyword.expression, mark],
        output_field=BooleanField(),
    )
    return Q(array) & keyword.filter


def _ids_q(ids: list[int], postgres: bool) -> Q:
    """``pk IN ids``; on PostgreSQL one array parameter (``= ANY``), not one per id."""
    if not postgres:
        return Q(pk__in=ids)
    return Q(RawSQL('"cases_case"."id" = ANY(%s)', [ids], output_field=BooleanField()))


# --- Writing (the worker) ---------------------------------------------------------------------


def _write(conn: Any, rows: Iterable[tuple[int, str, str]]) -> int:
    if conn.vendor == "sqlite":
        sql = f'INSERT INTO "{TABLE}" (rowid, grams) VALUES (%s, %s)'
        params = [(pk, _sqlite_document(case_grams(t, a))) for pk, t, a in rows]
    else:
        sql = (
            f'INSERT INTO "{TABLE}" (case_id, grams) VALUES (%s, %s::tsvector) '
            "ON CONFLICT (case_id) DO NOTHING"
        )
        params = [(pk, _pg_document(case_grams(t, a))) for pk, t, a in rows]
    if params:
        with conn.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


def _late_rows(conn: Any, low: int, high: int) -> list[tuple[int, str, str]]:
    """Cases with ids in (low, high] missing from the index (PostgreSQL: committed after a
    higher id had been indexed)."""
    with conn.cursor() as cursor:
        cursor.execute(
            # NOT EXISTS, an anti-join: NOT IN over a large range becomes a per-row subplan.
            'SELECT c.id, c.title, c.address FROM "cases_case" c WHERE c.id > %s AND c.id <= %s '
            f'AND NOT EXISTS (SELECT 1 FROM "{TABLE}" s WHERE s.case_id = c.id) ORDER BY c.id',
            [low, high],
        )
        return [tuple(r) for r in cursor.fetchall()]


def _snapshot(conn: Any, part: str) -> int:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT pg_snapshot_{part}(pg_current_snapshot())::text::bigint")
        return int(cursor.fetchone()[0])


def index_pending(*, batch: int = BATCH) -> int:
    """Add every case not yet in the index, in transactions of ``batch`` cases, and move the
    mark. Returns how many cases were added. The periodic job ``cases.search_index`` runs it;
    several workers may run it at once (the mark row is locked).

    On SQLite one transaction writes at a time, so ids become visible in order and the mark
    follows the newest indexed case. On PostgreSQL a case with a lower id can commit after a
    higher one was indexed: each run remembers the newest indexed case and the transactions
    still running then (``pg_current_snapshot``); once a later run sees all of those ended, it
    indexes whatever they added below it and moves the mark there."""
    if not available():
        return 0
    conn = _conn()
    postgres = conn.vendor != "sqlite"
    added = 0
    SearchMark.objects.get_or_create(name=MARK)
    if postgres:
        with transaction.atomic():
            mark = SearchMark.objects.select_for_update().get(name=MARK)
            if mark.settle_xid is not None and _snapshot(conn, "xmin") >= mark.settle_xid:
                added += _write(conn, _late_rows(conn, mark.complete_to, mark.settle_top))
                mark.complete_to = max(mark.complete_to, mark.settle_top)
                mark.settle_xid = None
                mark.save(update_fields=["complete_to", "settle_xid", "updated_at"])
    while True:
        with transaction.atomic():
            mark = SearchMark.objects.select_for_update().get(name=MARK)
            rows = list(
                Case.objects.filter(pk__gt=mark.indexed_to)
                .order_by("pk")
                .values_list("pk", "title", "address")[:batch]
            )
            added += _write(conn, rows)
            if rows:
                mark.indexed_to = rows[-1][0]
            last = len(rows) < batch
            if not postgres:
                mark.complete_to = mark.indexed_to
            elif last and mark.indexed_to > mark.complete_to and mark.settle_xid is None:
                mark.settle_top = mark.indexed_to
                mark.settle_xid = _snapshot(conn, "xmax")
            mark.save()
        if last:
            return added
