"""Reads of the area tree. Subtree filters are written once here, index-friendly on both
SQLite (a range on the path column, BINARY collation) and PostgreSQL (``LIKE 'p%'`` served by
the ``varchar_pattern_ops`` index Django creates for indexed CharFields)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from gridgov.areas.codes import Level
from gridgov.areas.models import Area

PATH_SEP = "/"
# The character right after the separator in byte order: every path starting with P lies in
# the half-open range [P, P[:-1] + PATH_END).
PATH_END = chr(ord(PATH_SEP) + 1)


def subtree_q(path: str, *, field: str = "path") -> Q:
    """A filter for every row whose ``field`` (a path) lies in the subtree rooted at ``path``."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + PATH_END})
    return Q(**{f"{field}__startswith": path})


def subtrees_q(paths: Iterable[str], *, field: str = "path") -> Q:
    """Union of several subtrees; paths inside another given path are dropped first."""
    result = Q(pk__in=[])
    for p in minimal_paths(paths):
        result |= subtree_q(p, field=field)
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
