"""Reads of the area tree. Subtree filters are written once here, index-friendly on both
SQLite (a range on the path column, BINARY collation) and PostgreSQL (``LIKE 'p%'`` served by
the ``varchar_pattern_ops`` index Django creates for indexed CharFields)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, Lookup, Q, QuerySet

from gridgov.areas.codes import Level
from gridgov.areas.models import Area

PATH_SEP = "/"
# The character right after the separator in byte order: every path starting with P lies in
# the half-open range [P, P[:-1] + PATH_END).
PATH_END = chr(ord(PATH_SEP) + 1)


class PathInSubtree(Lookup[bool]):
    """``<path field>__gridgov_subtree=P`` on SQLite: ``P <= path < P[:-1] + PATH_END``, each
    bound wrapped in ``likelihood(…, 0.001)``.

    Without ANALYZE statistics SQLite's planner takes an equality on any index (``level = 6``)
    to be more selective than a range, so "the grids of this town" scanned every grid of the
    database through the level index instead of the town's path range (34 ms against 2 ms for
    1 000 of 100 000 areas, bench/bench_subtree.py). The hint keeps the path index in use; the
    rows matched are the same. Being a lookup, it negates and joins like ``__gte``/``__lt``.
    """

    lookup_name = "gridgov_subtree"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        low = str(self.rhs)
        high = low[:-1] + PATH_END
        sql = f"(likelihood({lhs} >= %s, 0.001) AND likelihood({lhs} < %s, 0.001))"
        return sql, (*lhs_params, low, *lhs_params, high)


class PathInSubtreeScan(PathInSubtree):
    """The same range on SQLite written so that no index on the path drives the query
    (``+path``): for large, time-ordered tables (cases) where a big subtree is better found by
    walking the ``ORDER BY`` index and checking the path than by reading the whole subtree
    through the path index and sorting it (4.8 s against 1 ms for a county's 1 000 000 cases,
    bench/bench_cases.py)."""

    lookup_name = "gridgov_subtree_scan"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        low = str(self.rhs)
        high = low[:-1] + PATH_END
        sql = f"(+{lhs} >= %s AND +{lhs} < %s)"
        return sql, (*lhs_params, low, *lhs_params, high)


CharField.register_lookup(PathInSubtree)
CharField.register_lookup(PathInSubtreeScan)


def subtree_q(path: str, *, field: str = "path", use_index: bool = True) -> Q:
    """A filter for every row whose ``field`` (a path) lies in the subtree rooted at ``path``.

    ``use_index=False`` asks SQLite not to drive the query by the path index (see
    :class:`PathInSubtreeScan`); PostgreSQL's planner decides by its statistics either way.
    """
    if connection.vendor == "sqlite":
        lookup = PathInSubtree if use_index else PathInSubtreeScan
        return Q(**{f"{field}__{lookup.lookup_name}": path})
    return Q(**{f"{field}__startswith": path})


def subtrees_q(paths: Iterable[str], *, field: str = "path", use_index: bool = True) -> Q:
    """Union of several subtrees; paths inside another given path are dropped first."""
    result = Q(pk__in=[])
    for p in minimal_paths(paths):
        result |= subtree_q(p, field=field, use_index=use_index)
    return result


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one of the set."""
    kept: list[str] = []
    for p in sorted(set(paths)):
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    return kept


def area_subtree(*, area: Area, include_self: bool = True) -> QuerySet[Area]:
    qs = Area.objects.filter(subtree_q(area.path))
    if not include_self:
        qs = qs.exclude(pk=area.pk)
    return qs


def area_ancestors(*, area: Area) -> list[Area]:
    ids = area.ancestor_ids
    by_id = Area.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def area_children(*, area: Area | None) -> QuerySet[Area]:
    qs = Area.objects.filter(parent=area) if area else Area.objects.filter(parent__isnull=True)
    return qs.order_by("code")


def area_child_counts(*, area: Area) -> dict[int, int]:
    """Number of descendants per level under ``area`` (e.g. {4: 4, 5: 12, 6: 80})."""
    rows = (
        area_subtree(area=area, include_self=False)
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    return {r["level"]: r["n"] for r in rows}


def grids_with_geometry(*, under: Area | None = None) -> QuerySet[Area]:
    qs = Area.objects.filter(level=Level.GRID, geometry__isnull=False, is_active=True)
    if under is not None:
        qs = qs.filter(subtree_q(under.path))
    return qs


def area_list_for(*, actor: Any, perm: str = "area.view") -> QuerySet[Area]:
    """Every area ``actor`` may see (for ``perm``) — the scoped base of area lists and searches."""
    from gridgov.accounts.scoping import visible_areas

    return visible_areas(actor, perm)


def area_get_for(
    *, actor: Any, pk: int | None = None, code: str | None = None, perm: str = "area.view"
) -> Area:
    """One area by id or code if ``actor`` may see it; otherwise NotFound (no existence leak)."""
    from django.utils.translation import gettext as _

    from gridgov.core.errors import NotFound

    qs = area_list_for(actor=actor, perm=perm)
    area = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code or "").first()
    if area is None:
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return area


# --- API reads (added for the JSON API) -------------------------------------------------------


def area_search(
    *,
    actor: Any,
    level: int | None = None,
    parent: Area | None = None,
    under: Area | None = None,
    q: str = "",
) -> QuerySet[Area]:
    """The areas ``actor`` may see, narrowed by level, direct parent, subtree and a name/code
    search, in code order (codes carry their parent's prefix, so this is also tree order)."""
    qs = area_list_for(actor=actor)
    if level is not None:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if under is not None:
        qs = qs.filter(subtree_q(under.path))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs.order_by("code")


@dataclass
class AreaTree:
    """The top of a jurisdiction: ``roots`` and their descendants down to ``depth`` levels."""

    roots: list[Area]
    nodes: list[Area]  # descendants of the roots, ordered by depth then code
    child_counts: dict[int, int]  # area id -> number of direct children (also the cut-off ones)
    depth: int  # levels below the roots actually included
    truncated: bool  # True when ``max_nodes`` stopped the tree before the depth asked for


def area_tree(*, roots: Sequence[Area], depth: int, max_nodes: int) -> AreaTree:
    """Descendants of ``roots`` down to ``depth`` levels, as many whole levels as fit in
    ``max_nodes``. The roots must not contain one another (see :func:`minimal_paths`)."""
    per_depth: dict[int, int] = {}
    for root in roots:
        rows = (
            area_subtree(area=root, include_self=False)
            .filter(depth__lte=root.depth + depth)
            .values("depth")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in rows:
            rel = r["depth"] - root.depth
            per_depth[rel] = per_depth.get(rel, 0) + r["n"]
    included, total = 0, len(roots)
    for d in range(1, depth + 1):
        if total + per_depth.get(d, 0) > max_nodes:
            break
        total += per_depth.get(d, 0)
        included = d
    nodes: list[Area] = []
    child_counts: dict[int, int] = {}
    for root in roots:
        if included:
            nodes.extend(
                area_subtree(area=root, include_self=False)
                .filter(depth__lte=root.depth + included)
                .defer("geometry")
                .order_by("depth", "code")
            )
        counts = (
            area_subtree(area=root, include_self=False)
            .filter(depth__lte=root.depth + included + 1)
            .values("parent_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        child_counts.update({r["parent_id"]: r["n"] for r in counts})
    nodes.sort(key=lambda a: (a.depth, a.code))
    return AreaTree(
        roots=list(roots),
        nodes=nodes,
        child_counts=child_counts,
        depth=included,
        truncated=included < depth,
    )


def area_boundaries(
    *, area: Area, level: int | None = None, include_inactive: bool = False
) -> QuerySet[Area]:
    """Areas in ``area``'s subtree (itself included) that have a boundary, in code order."""
    qs = area_subtree(area=area).filter(geometry__isnull=False)
    if level is not None:
        qs = qs.filter(level=level)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")
