"""Routing: where a reported point lies, and who should handle a case.

:func:`locate` turns a WGS84 point into the grid that contains it. A point outside the
jurisdiction — the county's boundary, or where it is not drawn the union of its towns',
communities' or grids' boundaries — is refused. A point inside it but outside every drawn
grid goes to the **county pool** (待分拨池) — an area a dispatcher watches and routes by hand:

* ``settings.GRIDGOV_CASE_POOL_AREA_CODE`` when set (the code of any area), else
* the one county-level area of the deployment, else
* when there are several counties, their lowest common ancestor (a city, a province), else
* when there is no county at all, the one root of the tree.

A deployment with several unrelated roots and no configured pool cannot pick one: that is a
configuration error, reported as ``no_pool_area``.

:func:`propose` suggests the unit that should handle a case, following the category's default
level ("小事不出网格、大事不出社区、难事不出街道"): a grid-level category goes to the case's grid,
community level to its community, street level to its town/street, county level to the county.
When the category names a department kind (城管, 市场监管 …), the nearest active department of
that kind serving the case's area (on the area or any ancestor) is proposed instead; without one
the level rule applies. A case in the pool (outside every grid) cannot go lower than the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from gridgov.accounts.models import Department
from gridgov.areas import geo
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.cases.models import Case
from gridgov.cases.states import HandlingLevel
from gridgov.core.errors import ValidationFailed


def pool_area() -> Area:
    """The area that receives cases located outside every grid (see the module docstring)."""
    code = getattr(settings, "GRIDGOV_CASE_POOL_AREA_CODE", None)
    if code:
        area = Area.objects.filter(code=str(code), is_active=True).first()
        if area is not None:
            return area
    counties = list(
        Area.objects.filter(level=Level.COUNTY, is_active=True).order_by("depth", "code")[:50]
    )
    if len(counties) == 1:
        return counties[0]
    if counties:
        common = _common_ancestor([c.path for c in counties])
        if common is not None:
            return common
    else:
        roots = list(Area.objects.filter(parent__isnull=True, is_active=True)[:2])
        if len(roots) == 1:
            return roots[0]
    raise ValidationFailed(
        _(
            "The point lies outside every grid and no area is set to receive such cases; "
            "ask the administrator to set GRIDGOV_CASE_POOL_AREA_CODE."
        ),
        code="no_pool_area",
        fields={"location": _("No area receives cases outside the grids.")},
    )


def _common_ancestor(paths: list[str]) -> Area | None:
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        common.append(segment[0])
    if not common:
        return None
    return Area.objects.filter(pk=int(common[-1])).first()


def locate(*, lon: object, lat: object, lookups: dict[Any, Any] | None = None) -> tuple[Area, bool]:
    """The grid containing the point, and ``False``; or the pool area and ``True`` when the
    point lies inside the jurisdiction but outside every grid. Malformed coordinates, a point
    outside China or outside the jurisdiction's outline (the topmost boundaries drawn from
    county level down, see :class:`~gridgov.areas.geo.GridLocator`) raise
    :class:`ValidationFailed` (``invalid_point`` / ``out_of_bounds`` /
    ``outside_jurisdiction``). ``lookups`` (a batch's
    snapshot, see ``intake.prepare_report``) remembers the grids already read."""
    try:
        x, y = geo.validate_point(lon, lat)
    except ValidationFailed as exc:
        exc.fields.setdefault("location", exc.message)
        raise
    area_id = geo.locator.locate(x, y)
    if area_id is not None:
        from gridgov.core.statements import select_rows

        key = ("grid", area_id)
        if lookups is not None and key in lookups:
            return lookups[key], False
        # One statement compiled once; the boundary (large) loads only if someone reads it.
        found = select_rows(
            Area, '"id" = %s AND "is_active" = %s', [area_id, True], defer=("geometry",)
        )
        if found:
            if lookups is not None:
                lookups[key] = found[0]
            return found[0], False
    if geo.locator.covers(x, y) is False:
        message = _("This location is not inside our jurisdiction (%(name)s).") % {
            "name": jurisdiction_name()
        }
        raise ValidationFailed(message, code="outside_jurisdiction", fields={"location": message})
    return pool_area(), True


def jurisdiction_name() -> str:
    """The name of the deployment's county (or counties, or their common area) for messages."""
    names = list(
        Area.objects.filter(level=Level.COUNTY, is_active=True)
        .order_by("path")
        .values_list("name", flat=True)[:4]
    )
    if 1 <= len(names) <= 3:
        return "、".join(names)
    try:
        return pool_area().name
    except ValidationFailed:
        return "、".join(names[:3])


def outside_note() -> str:
    return _("The location is outside every grid; the case went to the pool for routing.")


@dataclass(frozen=True)
class Proposal:
    """A suggested handling unit: an area at a level, or a department (level ``COUNTY``)."""

    area: Area | None
    department: Department | None
    level: int
    reason: str


_LEVEL_NAMES = {
    HandlingLevel.GRID: Level.GRID,
    HandlingLevel.COMMUNITY: Level.COMMUNITY,
    HandlingLevel.STREET: Level.TOWN,
    HandlingLevel.COUNTY: Level.COUNTY,
}


def _ancestors(area: Area) -> list[Area]:
    """The area and its ancestors, nearest first."""
    by_id = Area.objects.in_bulk(area.ancestor_ids)
    return [by_id[i] for i in reversed(area.ancestor_ids) if i in by_id]


def _handling_level(area_level: int) -> int:
    """Clamp an area level to the handling ladder (grid … county)."""
    return max(HandlingLevel.COUNTY, min(HandlingLevel.GRID, area_level))


def propose(*, case: Case) -> Proposal:
    """The unit the case should go to by its category (see the module docstring)."""
    category = case.category
    chain = _ancestors(case.area)
    if category.default_department_kind:
        ids = [a.pk for a in chain]
        depts = {
            d.area_id: d
            for d in Department.objects.filter(
                kind=category.default_department_kind, is_active=True, area_id__in=ids
            ).order_by("name")
        }
        for area in chain:  # nearest first
            dept = depts.get(area.pk)
            if dept is not None:
                return Proposal(
                    area=None,
                    department=dept,
                    level=HandlingLevel.COUNTY,
                    reason=_("Category “%(category)s” is handled by the department %(department)s.")
                    % {"category": category.name, "department": dept.name},
                )
    wanted = int(category.default_level)
    wanted_area_level = _LEVEL_NAMES.get(HandlingLevel(wanted), Level.COUNTY)
    if case.area.level < wanted_area_level:
        # The case sits at or above the wanted level (e.g. in the pool): it stays there.
        return Proposal(
            area=case.area,
            department=None,
            level=_handling_level(case.area.level),
            reason=_(
                "The location is not inside a unit at the category's level; "
                "%(area)s decides who handles it."
            )
            % {"area": case.area.name},
        )
    target = next((a for a in chain if a.level == wanted_area_level), None)
    if target is None:  # a gap in the tree: the nearest unit above the wanted level
        target = next((a for a in chain if a.level < wanted_area_level), case.area)
    reasons = {
        HandlingLevel.GRID: _("Small matters stay in the grid: %(area)s handles it."),
        HandlingLevel.COMMUNITY: _("Bigger matters stay in the community: %(area)s handles it."),
        HandlingLevel.STREET: _("Hard matters stay in the street or town: %(area)s handles it."),
        HandlingLevel.COUNTY: _("The county level handles this category: %(area)s."),
    }
    return Proposal(
        area=target,
        department=None,
        level=_handling_level(target.level),
        reason=reasons[HandlingLevel(_handling_level(target.level))] % {"area": target.name},
    )
