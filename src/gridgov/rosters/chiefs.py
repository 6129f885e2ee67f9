"""What a building or unit chief (楼栋长/单元长, ``Role.BUILDING_CHIEF``) reads of the rosters:
the households and residents of the buildings and units they are chief of, not the whole grid
where their role is granted.

The role is granted at the grid (the lowest level that carries an area path; buildings are
places of the rosters, not areas), and the grid's staff record names the chief's buildings and
units: the open posts of :class:`~gridgov.rosters.models.StaffAssignment` (三长联动, kept by
the grid's staff with history). So the grant says *what* a chief may do (view, masked) and the
post says *where*: a chief without an open post sees no household. Where the same user holds
another role with the permission (a grid worker who is also 楼栋长), that role's area counts as
before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm, Role, perms_for
from gridgov.areas.selectors import minimal_paths, subtrees_q
from gridgov.rosters.codes import StaffPost

_CACHE = "_gridgov_chief_places"


def _places(actor: Any) -> tuple[list[int], list[int]]:
    """(building ids, unit ids) of the actor's open 楼栋长 and 单元长 posts (cached)."""
    cached = getattr(actor, _CACHE, None)
    if cached is None:
        from gridgov.rosters.models import StaffAssignment

        rows = StaffAssignment.objects.filter(
            user_id=actor.pk,
            end_on__isnull=True,
            post__in=(StaffPost.BUILDING_CHIEF, StaffPost.UNIT_CHIEF),
        ).values_list("post", "building_id", "unit_id")
        buildings = sorted({b for post, b, _u in rows if post == StaffPost.BUILDING_CHIEF and b})
        units = sorted({u for post, _b, u in rows if post == StaffPost.UNIT_CHIEF and u})
        cached = (buildings, units)
        setattr(actor, _CACHE, cached)
    return cached


def narrow_q(actor: Any, perm: str = Perm.ROSTER_VIEW, *, household: str = "") -> Q:
    """The condition that keeps a chief's rows to their buildings and units (``Q()``: no
    narrowing). ``household`` is the path from the model to its household (``""`` for
    households, ``"household__"`` for residents, ``"resident__household__"`` for tags); rows
    must already be scoped to the actor's ``perm`` jurisdiction."""
    if scoping.is_global(actor) or perm not in perms_for(Role.BUILDING_CHIEF):
        return Q()
    grants = scoping._grants(actor)
    chief_paths = [p for role, p in grants if role == Role.BUILDING_CHIEF]
    if not chief_paths:
        return Q()
    other = minimal_paths(
        p for role, p in grants if role != Role.BUILDING_CHIEF and perm in perms_for(role)
    )
    if all(any(c.startswith(o) for o in other) for c in chief_paths):
        return Q()  # another role covers the chief's grids anyway
    buildings, units = _places(actor)
    q = Q(pk__in=[])
    if other:
        q |= subtrees_q(other, field="area_path")
    if buildings:
        q |= Q(**{f"{household}room__unit__building_id__in": buildings})
    if units:
        q |= Q(**{f"{household}room__unit_id__in": units})
    return q
