"""Reads of cases, always scoped through :mod:`gridgov.cases.visibility` (``Case.area_path`` for
area roles, the cases a department holds or held for department roles).

Built for a million cases and more: every list is ordered by ``-reported_at, -id`` (served by
the ``case_path_reported`` / ``case_reported`` indexes), queue filters use the status and unit
indexes, and a keyword is an exact case number, or a title or address match: the cases the
keyword index (:mod:`gridgov.cases.search`) proposes when the word is rare, the paginated,
ordered scan (which stops after a page) when it is common.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import CharField, Lookup, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.cases import queues, search, visibility
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.states import OPEN_STATES
from gridgov.core.errors import NotFound
from gridgov.core.prepared import PreparedQuery
from gridgov.kernel.scoped import visible


class RareValue(Lookup[bool]):
    """``<field>__gridgov_rare=V``: ``field = V``, on SQLite wrapped in ``likelihood(…, 1e-6)``.

    Most cases have no 12345 work-order number, so after ANALYZE SQLite takes any
    ``external_id = V`` to match nearly every case and reads the table instead of the index
    (200 ms at a million cases); the hint keeps the index in use."""

    lookup_name = "gridgov_rare"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = f"{lhs} = {rhs}"
        if connection.vendor == "sqlite":
            sql = f"likelihood({sql}, 0.000001)"
        return sql, (*lhs_params, *rhs_params)


CharField.register_lookup(RareValue)

# The work queues' keys (defined in :mod:`gridgov.cases.queues`).
QUEUES: tuple[str, ...] = queues.KEYS

ORDER = ("-reported_at", "-id")
# The same order written so that no index serves it: the matches are read, then sorted.
_UNINDEXED_ORDER = (Coalesce("reported_at", "reported_at").desc(), "-id")
MAX_Q = 50
MAX_EXACT = 100  # cases one work-order number may name (a 12345 order re-filed …)
_OPEN = [str(s) for s in OPEN_STATES]


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(
        "category", "area", "assigned_area", "assigned_department"
    ).order_by(*ORDER)


def _scoped(actor: Any, perm: str = Perm.CASE_VIEW) -> QuerySet[Case]:
    # The jurisdiction is usually a large part of all cases: let the reported_at index drive
    # the newest-first page instead of reading the whole subtree and sorting it (SQLite).
    return visible(_base(), actor, perm, use_index=False)


def _queue(actor: Any, key: str, now: datetime) -> QuerySet[Case]:
    """The cases of the work queue ``key`` that ``actor`` can act on now (none when the queue
    is not theirs), in the queue's order."""
    queue = queues.BY_KEY.get(key)
    if queue is None:
        raise NotFound(_("There is no such queue."), fields={"queue": _("Unknown queue.")})
    if not queue.applies_to(actor):
        return _base().none()
    qs = _base() if queue.mine else _scoped(actor, queue.perm)
    qs = qs.filter(queue.filter_q(actor, now))
    return qs.order_by(*queue.order) if queue.order else qs


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CaseList(NamedTuple):
    """A filtered case list: ``cases`` for its pages, ``counted`` the same cases filtered the
    way that counts them soonest (a bounded count, see ``core.pagination.CappedPaginator``)."""

    cases: QuerySet[Case]
    counted: QuerySet[Case]


def case_list_for(*, actor: Any, **filters: Any) -> QuerySet[Case]:
    """The cases ``actor`` may see (CASE_VIEW over their area), newest first, filtered (the
    filters of :func:`case_list_counted_for`), without the filter to count them."""
    return case_list_counted_for(actor=actor, counted=False, **filters).cases


def case_list_counted_for(
    *,
    actor: Any,
    status: list[str] | None = None,
    queue: str | None = None,
    category: Category | None = None,
    area: Area | None = None,
    source: str | None = None,
    due: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
    counted: bool = True,
) -> CaseList:
    """The cases ``actor`` may see (CASE_VIEW over their area), newest first, filtered, and the
    same cases to count (``counted=False``: the page's own queryset, no filter made for counting).

    ``queue`` narrows to a work queue (see :data:`QUEUES`); ``category`` includes its
    sub-categories; ``area`` its subtree; ``due`` is ``"soon"`` or ``"overdue"``; ``q`` matches
    a case or 12345 work-order number exactly, or else is found in the title or the address
    (first 50 characters of ``q``).
    """
    now = timezone.now()
    qs = _queue(actor, queue, now) if queue else _scoped(actor)
    if queue and queues.BY_KEY[queue].perm != Perm.CASE_VIEW:
        # A queue never shows more than the actor may view.
        qs = qs.filter(visibility.case_q(actor, Perm.CASE_VIEW, use_index=False))
    if status:
        qs = qs.filter(status__in=[str(s) for s in status])
    if category is not None:
        if category.parent_id is None:
            qs = qs.filter(Q(category=category) | Q(category__parent=category))
        else:
            qs = qs.filter(category=category)
    if area is not None:
        # A grid's few cases are best read through the path index; a bigger subtree by
        # walking the newest-first index (see areas.selectors.PathInSubtreeScan).
        qs = qs.filter(subtree_q(area.path, field="area_path", use_index=area.level >= Level.GRID))
    if source:
        qs = qs.filter(source=source)
    if due == "overdue":
        qs = qs.filter(queues.overdue_q(now))
    elif due == "soon":
        qs = qs.filter(queues.due_soon_q(now))
    if date_from is not None:
        qs = qs.filter(reported_at__gte=_local_start(date_from))
    if date_to is not None:
        qs = qs.filter(reported_at__lt=_local_start(date_to + timedelta(days=1)))
    q = (q or "").strip()[:MAX_Q]
    if q:
        # A case number or a 12345 work-order number is looked up through its index first: with
        # a title match OR-ed in, finding one case among a million read them all (4.6 s).
        # Two look-ups, not one OR: with the OR SQLite read every case (200 ms at a million).
        number = qs.filter(number=q).order_by().values_list("pk", flat=True)
        rare = {"external_id__gridgov_rare": q}  # the custom lookup RareValue
        order = qs.filter(**rare).order_by().values_list("pk", flat=True)
        pks = list(number[:1]) + list(order[:MAX_EXACT])
        if pks:
            qs = qs.filter(pk__in=pks)
        else:
            keyword = search.keyword_q(q)
            unfiltered, qs = qs, qs.filter(keyword.filter)
            if not keyword.common:
                # The matches are few: read them and sort them. An order no index serves keeps
                # PostgreSQL from walking the newest-first index instead, which it expects to
                # fill a page soon and which reads far more when the matches are old.
                qs = qs.order_by(*_UNINDEXED_ORDER)
            else:
                small = _read_small_jurisdiction_by_area(qs, actor, area)
                if small is not qs:
                    return CaseList(small, small)
                count_q = search.counted_q(keyword) if counted else None
                if count_q is not None:
                    # Walking newest first finds a page of a common word soon, but its count
                    # (to the cap) may be found sooner through the index.
                    return CaseList(qs, unfiltered.filter(count_q))
    return CaseList(qs, qs)


SMALL_JURISDICTION = 50_000  # cases
SMALL_JURISDICTION_AREAS = 500  # PostgreSQL: areas listed by id


def _read_small_jurisdiction_by_area(qs: QuerySet[Case], actor: Any, area: Area | None) -> Any:
    """A common keyword in a small jurisdiction (a grid worker's, a community's): read the
    jurisdiction's cases through an index on their area and sort the matches, instead of
    walking every case newest first until a page of them is found (for 3 % of the cases and a
    grid's 0.1 %, a million cases walked). Small: at most :data:`SMALL_JURISDICTION` cases,
    counted on that index (a bounded count).

    SQLite reads the path range (``case_path_reported``). On PostgreSQL the subtree test
    (``LIKE 'path%'`` under the database's collation) is no index range, so the jurisdiction's
    areas (at most :data:`SMALL_JURISDICTION_AREAS`) are listed by id for the area index, and
    an order no index serves keeps the planner from walking the newest-first index anyway."""
    postgres = connection.vendor != "sqlite"
    if not postgres:
        narrow = (
            subtree_q(area.path, field="area_path")
            if area is not None
            else scoping.scope_q(actor, Perm.CASE_VIEW, path_field="area_path")
        )
    else:
        areas = (
            Area.objects.filter(subtree_q(area.path))
            if area is not None
            else scoping.visible_areas(actor, Perm.CASE_VIEW)
        )
        ids = list(areas.order_by().values_list("pk", flat=True)[: SMALL_JURISDICTION_AREAS + 1])
        if len(ids) > SMALL_JURISDICTION_AREAS:
            return qs
        narrow = Q(area_id__in=ids)
    size = Case.objects.filter(narrow).order_by()[: SMALL_JURISDICTION + 1].count()
    if size > SMALL_JURISDICTION:
        return qs
    qs = qs.filter(narrow)
    return qs.order_by(*_UNINDEXED_ORDER) if postgres else qs


# One case by id with its category, areas and unit: compiled once (gridgov.core.prepared).
_SAMPLE_ID = -7_000_000_001
_BY_ID: PreparedQuery[Case] = PreparedQuery(lambda pk: _base().filter(pk=pk)[:1], _SAMPLE_ID)


def case_by_id(pk: int) -> Case | None:
    """The case ``pk`` with its category, area, assigned area and department, unscoped."""
    if not 0 < pk < 2**63:
        return None
    return _BY_ID.first(pk)


def case_get_for(*, actor: Any, pk: int) -> Case:
    """One case ``actor`` may see (CASE_VIEW in its jurisdiction, or their own report);
    otherwise NotFound, whether or not it exists."""
    case = case_by_id(pk)
    if case is None or not can_view(actor, case):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return case


def can_view(actor: Any, case: Case) -> bool:
    from gridgov.cases.guards import in_jurisdiction, is_reporter

    return is_reporter(actor, case) or in_jurisdiction(actor, Perm.CASE_VIEW, case)


def _count(qs: QuerySet[Case]) -> int:
    return qs.order_by().count()


def _queue_count(actor: Any, queue: queues.Queue, now: datetime) -> int:
    """The size of a queue, counted on indexes: a to-do of one's units through the unit
    indexes; the others in the jurisdiction through the status (and deadline) indexes; a
    monitoring queue as all of its cases in the jurisdiction less one's own (both counted
    without reading the cases)."""
    if queue.mine:
        return _count(Case.objects.filter(queue.filter_q(actor, now)))
    # By deadline: the path is only checked, so that SQLite reads the deadline indexes.
    scope = (
        visibility.case_q(actor, queue.perm, counting=True)
        if queue.path_index
        else visibility.case_q(actor, queue.perm, use_index=False)
    )
    scoped = Case.objects.filter(scope, queue.where(now))
    if queue.kind == queues.WATCH:
        return _count(scoped) - _count(scoped.filter(queues.my_unit_q(actor)))
    return _count(scoped)


def queue_counts(*, actor: Any) -> dict[str, int]:
    """How many cases wait in each queue for ``actor``: to-dos they can act on now and what
    they monitor (0 for the queues that are not theirs)."""
    now = timezone.now()
    return {q.key: _queue_count(actor, q, now) if q.applies_to(actor) else 0 for q in queues.QUEUES}


def todo_tabs(*, actor: Any) -> list[dict[str, Any]]:
    """The user's to-do queues with their counts (the home page's 我的待办)."""
    now = timezone.now()
    return [
        {"key": q.key, "label": q.label, "count": _queue_count(actor, q, now)}
        for q in queues.queues_for(actor)
        if q.kind == queues.TODO
    ]


def overview_counts(*, actor: Any) -> dict[str, int]:
    """Open cases of ``actor``'s jurisdiction by state and deadline (the leaders' overview)."""
    now = timezone.now()
    # One count per state reads its range of the (status, area_path) index (faster on SQLite
    # than one GROUP BY over them all); the overdue count reads the deadline indexes.
    ranges = Case.objects.filter(visibility.case_q(actor, Perm.CASE_VIEW, counting=True))
    scan = Case.objects.filter(visibility.case_q(actor, Perm.CASE_VIEW, use_index=False))
    return {
        o.key: _count((ranges if o.path_index else scan).filter(o.where(now)))
        for o in queues.OVERVIEW
    }


def my_reports(*, actor: Any) -> QuerySet[Case]:
    """The cases ``actor`` reported themself, newest first."""
    if not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    return _base().filter(reporter=actor)


def case_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """The timeline of a case already fetched through :func:`case_get_for`."""
    return (
        CaseEvent.objects.filter(case=case)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def open_case_count(*, actor: Any) -> int:
    return _scoped(actor).filter(status__in=_OPEN).count()


def category_tree(*, include_inactive: bool = False) -> list[Category]:
    """Top-level categories with their children in ``children_list`` (two queries' worth)."""
    qs = Category.objects.all().order_by("sort", "code")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    rows = list(qs)
    by_parent: dict[int | None, list[Category]] = {}
    for c in rows:
        by_parent.setdefault(c.parent_id, []).append(c)
    for c in rows:
        c.children_list = by_parent.get(c.pk, [])  # type: ignore[attr-defined]
    ids = {c.pk for c in rows}
    return [c for c in rows if c.parent_id is None or c.parent_id not in ids]


def category_get(*, pk: int, include_inactive: bool = False) -> Category:
    qs = Category.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    cat = qs.filter(pk=pk).first()
    if cat is None:
        raise NotFound(_("No such category."))
    return cat


def categories_leaf(*, include_inactive: bool = False) -> QuerySet[Category]:
    """Categories a case may be filed under (the active ones), in tree order."""
    qs = Category.objects.select_related("parent").order_by("code")
    return qs if include_inactive else qs.filter(is_active=True)
