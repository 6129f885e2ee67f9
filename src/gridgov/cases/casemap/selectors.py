"""Reads of the case map: open cases with a location and open cases per grid, in the viewer's
jurisdiction (through :mod:`gridgov.accounts.scoping` and
:func:`gridgov.cases.selectors.case_list_for`, whichever index suits),
the grid polygons and the county outline (through the scoped area reads), and the buildings of
the rosters that have coordinates (scoped by :attr:`Perm.ROSTER_VIEW`).

Nothing personal leaves here: a point is a case's id, number, category, status and location —
no title, description, address or reporter (a title may carry a typed-in phone number).
Everything is bounded: the newest :data:`MAX_POINTS` open cases, at most :data:`MAX_GRIDS`
grids and :data:`MAX_BUILDINGS` buildings; the per-grid counts always cover every open case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_list_for, subtree_q
from gridgov.cases import selectors as case_selectors
from gridgov.cases import visibility
from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES, Status

MAX_POINTS = 2000
MAX_GRIDS = 3000
MAX_BUILDINGS = 2000
# Above this many open cases the newest are found by walking the newest-first index (SQLite),
# below it by reading them all through the status index and sorting (300 000 cases, 45 000
# open: 37 against 207 ms for a county; 1 200 against 6 ms for a community with 476).
WALK_ABOVE = 10 * MAX_POINTS
_OPEN = sorted(str(s) for s in OPEN_STATES)


@dataclass
class CaseMap:
    """What the case map draws (see :func:`case_map_for`)."""

    points: list[dict[str, Any]]
    open_total: int  # open cases in the scope, with or without a location
    truncated: bool  # more open cases have a location than ``points`` holds
    grids: list[dict[str, Any]]  # {"area": Area, "open": n}
    grids_truncated: bool
    county: Area | None  # the county at or above the scope, for its outline
    buildings: list[dict[str, Any]] = field(default_factory=list)


def may_view(actor: Any) -> bool:
    """Does ``actor`` see cases anywhere (the map's JSON answers 403 otherwise)?"""
    return scoping.has_perm_anywhere(actor, Perm.CASE_VIEW)


def scope_area_for(*, actor: Any, pk: int | None) -> Area | None:
    """The area the map is asked for, if ``actor`` may see its cases (else NotFound);
    ``None`` for the whole jurisdiction."""
    if pk is None:
        return None
    from gridgov.areas.selectors import area_get_for

    return area_get_for(actor=actor, pk=pk, perm=Perm.CASE_VIEW)


def _county_of(actor: Any, area: Area | None) -> Area | None:
    """The county at or above ``area`` (or above the actor's case jurisdiction), if it has a
    boundary. Its outline frames the map; an outline is not personal and needs no grant."""
    if area is None:
        roots = scoping.jurisdiction_roots(actor, Perm.CASE_VIEW)
        if len(roots) != 1:
            return None
        area = roots[0]
    if area.level < Level.COUNTY:
        return None
    ids = area.ancestor_ids
    return (
        Area.objects.filter(pk__in=ids, level=Level.COUNTY, geometry__isnull=False)
        .only("id", "code", "name", "level", "geometry")
        .first()
    )


def _grids(actor: Any, area: Area | None) -> tuple[list[Area], bool]:
    qs = area_list_for(actor=actor, perm=Perm.CASE_VIEW).filter(
        level=Level.GRID, is_active=True, geometry__isnull=False
    )
    if area is not None:
        qs = qs.filter(subtree_q(area.path))
    rows = list(
        qs.only("id", "code", "name", "level", "geometry", "center_lon", "center_lat").order_by(
            "code"
        )[: MAX_GRIDS + 1]
    )
    return rows[:MAX_GRIDS], len(rows) > MAX_GRIDS


def _buildings(actor: Any, area: Area | None) -> list[dict[str, Any]]:
    from gridgov.rosters.models import Building

    if not scoping.has_perm_anywhere(actor, Perm.ROSTER_VIEW):
        return []
    qs = scoping.scope(
        Building.objects.filter(is_active=True, lon__isnull=False, lat__isnull=False),
        actor,
        Perm.ROSTER_VIEW,
        path_field="area_path",
    )
    if area is not None:
        qs = qs.filter(subtree_q(area.path, field="area_path"))
    rows = qs.select_related("estate").only("name", "lon", "lat", "estate__name")
    return [
        {"name": str(b), "lon": b.lon, "lat": b.lat} for b in rows.order_by("pk")[:MAX_BUILDINGS]
    ]


def _open_in_scope(actor: Any, area: Area | None, *, use_index: bool) -> QuerySet[Case]:
    """Open cases ``actor`` may see (within ``area``), through the one scoping layer.
    ``use_index``: read them through the (status, area_path) index — right for counting and
    for a jurisdiction with few open cases; without it SQLite walks the newest-first index
    (see :func:`gridgov.areas.selectors.subtree_q`), right for the newest of many."""
    if not use_index:
        return case_selectors.case_list_for(actor=actor, status=_OPEN, area=area)
    qs = Case.objects.filter(visibility.case_q(actor, Perm.CASE_VIEW), status__in=_OPEN)
    if area is not None:
        qs = qs.filter(subtree_q(area.path, field="area_path"))
    return qs.order_by(*case_selectors.ORDER)


def case_map_for(*, actor: Any, area: Area | None = None) -> CaseMap:
    """The open cases of ``actor``'s jurisdiction (within ``area`` when given) for the map."""
    per_area = dict(
        _open_in_scope(actor, area, use_index=True)
        .order_by()
        .values("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    open_total = sum(per_area.values())
    located = _open_in_scope(actor, area, use_index=open_total <= WALK_ABOVE).filter(
        lon__isnull=False, lat__isnull=False
    )
    rows = list(
        located.values(
            "id",
            "number",
            "status",
            "lon",
            "lat",
            "category__name",
            "sign_overdue",
            "handle_overdue",
        )[: MAX_POINTS + 1]
    )
    status_labels = dict(Status.choices)
    points = [
        {
            "id": r["id"],
            "number": r["number"],
            "lon": round(r["lon"] or 0.0, 6),
            "lat": round(r["lat"] or 0.0, 6),
            "category": r["category__name"],
            "status": r["status"],
            "status_label": str(status_labels.get(r["status"], r["status"])),
            "overdue": bool(r["sign_overdue"] or r["handle_overdue"]),
        }
        for r in rows[:MAX_POINTS]
    ]
    grids, grids_truncated = _grids(actor, area)
    return CaseMap(
        points=points,
        open_total=open_total,
        truncated=len(rows) > MAX_POINTS,
        grids=[{"area": g, "open": per_area.get(g.pk, 0)} for g in grids],
        grids_truncated=grids_truncated,
        county=_county_of(actor, area),
        buildings=_buildings(actor, area),
    )
