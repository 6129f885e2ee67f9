"""Grid staff posts (三长联动): 网格长, 专职/兼职网格员 of a grid, 楼栋长 of a building and 单元长 of a
unit, held by user accounts from a start date until an end date. Posts are history: ending one
sets ``end_on``, nothing is deleted.

A post is a record, not a permission: what a user may do comes from their role grants
(:mod:`gridgov.accounts`). So a user may only be given a post where one of their grants covers
the grid, with a role that fits the post (:data:`POST_ROLES`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.models import RoleGrant
from gridgov.accounts.roles import Perm, Role
from gridgov.accounts.scoping import require
from gridgov.areas.models import Area
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.rosters.codes import StaffPost
from gridgov.rosters.models import Building, BuildingUnit, StaffAssignment
from gridgov.rosters.services.places import check_place_area

# The roles (granted at the post's grid or above it) that may hold each post.
POST_ROLES: dict[str, frozenset[str]] = {
    StaffPost.GRID_CHIEF: frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
    StaffPost.FULL_TIME: frozenset({Role.GRID_WORKER}),
    StaffPost.PART_TIME: frozenset({Role.GRID_WORKER, Role.BUILDING_CHIEF, Role.COMMUNITY_STAFF}),
    StaffPost.BUILDING_CHIEF: frozenset(
        {Role.BUILDING_CHIEF, Role.GRID_WORKER, Role.COMMUNITY_STAFF}
    ),
    StaffPost.UNIT_CHIEF: frozenset({Role.BUILDING_CHIEF, Role.GRID_WORKER}),
}
GRID_POSTS = frozenset({StaffPost.GRID_CHIEF, StaffPost.FULL_TIME, StaffPost.PART_TIME})


def _invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def user_may_hold(user: Any, post: str, area: Area) -> bool:
    """Whether ``user`` holds a grant at ``area`` or above it with a role fitting ``post``."""
    if not getattr(user, "is_active", False):
        return False
    ancestor_ids = [int(p) for p in area.path.split("/") if p]
    return RoleGrant.objects.filter(
        user=user, area_id__in=ancestor_ids, role__in=POST_ROLES.get(post, ())
    ).exists()


def _check_place(
    post: str, area: Area, building: Building | None, unit: BuildingUnit | None
) -> tuple[Building | None, BuildingUnit | None]:
    if post in GRID_POSTS:
        if building is not None or unit is not None:
            raise _invalid(
                "building",
                _("A grid post is held for the whole grid, not for a building."),
                Code.UNEXPECTED_BUILDING,
            )
        return None, None
    if post == StaffPost.UNIT_CHIEF:
        if unit is None:
            raise _invalid("unit", _("Choose the unit."), Code.UNIT_REQUIRED)
        if building is None:
            building = unit.building
        if unit.building_id != building.pk:
            raise _invalid("unit", _("The unit is not in this building."), Code.UNIT_ELSEWHERE)
    elif unit is not None:
        raise _invalid(
            "unit", _("A building chief is held for the whole building."), Code.UNEXPECTED_UNIT
        )
    if building is None:
        raise _invalid("building", _("Choose the building."), Code.BUILDING_REQUIRED)
    if building.area_id != area.pk:
        raise _invalid(
            "building", _("The building belongs to another grid."), Code.BUILDING_ELSEWHERE
        )
    return building, unit


def staff_assign(
    *,
    actor: Any,
    user: Any,
    post: str,
    area: Area,
    building: Building | None = None,
    unit: BuildingUnit | None = None,
    start_on: date,
) -> StaffAssignment:
    """Give ``user`` the ``post`` at ``area`` (with ``building`` for 楼栋长, ``building`` and
    ``unit`` for 单元长) from ``start_on``. One open 网格长 per grid; one open post of a kind per
    person and place."""
    if post not in StaffPost.values:
        raise _invalid("post", _("Choose a post."), Code.INVALID_POST)
    check_place_area(area)
    if actor is not None:
        require(actor, Perm.ROSTER_EDIT, area, what="staff_assign")
    building, unit = _check_place(post, area, building, unit)
    if start_on is None:
        raise _invalid("start_on", _("This field is required."), Code.REQUIRED)
    if not user_may_hold(user, post, area):
        raise _invalid(
            "user",
            _(
                "This user holds no role in this grid that fits the post; grant one "
                "(user administration) first."
            ),
            Code.NO_GRANT,
        )
    with transaction.atomic():
        open_posts = StaffAssignment.objects.select_for_update().filter(
            area=area, post=post, end_on__isnull=True
        )
        if post == StaffPost.GRID_CHIEF and open_posts.exists():
            raise _invalid(
                "post",
                _("This grid already has a grid chief; end that post first."),
                Code.GRID_CHIEF_TAKEN,
            )
        if open_posts.filter(user=user, building=building, unit=unit).exists():
            raise Conflict(
                _("This user already holds this post here."),
                code=Code.DUPLICATE_POST,
                fields={"user": _("This user already holds this post here.")},
            )
        assignment = StaffAssignment.objects.create(
            user=user,
            post=post,
            area=area,
            building=building,
            unit=unit,
            start_on=start_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            event=Event.STAFF_ASSIGNED,
            actor=actor,
            actor_name="" if actor else "system",
            target=user,
            area=area,
            detail={
                "staff_post": post,
                "assignment": assignment.pk,
                "building": building.pk if building else None,
                "unit": unit.pk if unit else None,
                "start_on": start_on.isoformat(),
            },
        )
    return assignment


def staff_end(*, actor: Any, assignment: StaffAssignment, end_on: date) -> StaffAssignment:
    """End a post on ``end_on`` (kept as history)."""
    if actor is not None:
        require(actor, Perm.ROSTER_EDIT, assignment.area, what="staff_end")
    if end_on is None:
        raise _invalid("end_on", _("This field is required."), Code.REQUIRED)
    if end_on < assignment.start_on:
        raise _invalid("end_on", _("The post cannot end before it started."), Code.END_BEFORE_START)
    with transaction.atomic():
        updated = StaffAssignment.objects.filter(pk=assignment.pk, end_on__isnull=True).update(
            end_on=end_on
        )
        if updated != 1:
            raise Conflict(_("This post has already ended."), code=Code.ALREADY_ENDED)
        audit_record(
            event=Event.STAFF_ENDED,
            actor=actor,
            actor_name="" if actor else "system",
            target=assignment.user,
            area=assignment.area,
            detail={
                "staff_post": assignment.post,
                "assignment": assignment.pk,
                "end_on": end_on.isoformat(),
            },
        )
    assignment.end_on = end_on
    return assignment
