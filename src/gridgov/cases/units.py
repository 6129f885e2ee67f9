"""Handling units (an area at a handling level, or a department) and the people who work them.

A case is assigned to a *unit*: ``assigned_area`` (a grid, community, street or county) or
``assigned_department`` (a 职能部门). These helpers answer who belongs to a unit (for the
guards' "is it my unit" and for notifications) and which units may receive a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts.models import Department, RoleGrant, User
from gridgov.accounts.roles import DEPARTMENT_ROLES, ROLE_PERMS, Perm
from gridgov.areas.models import Area
from gridgov.cases.states import HandlingLevel
from gridgov.core.errors import Conflict, ValidationFailed

HANDLING_LEVELS = frozenset(int(v) for v in HandlingLevel.values)


def roles_with(perm: str, *, departments: bool | None = None) -> list[str]:
    """Roles whose permissions include ``perm``; ``departments`` narrows to (True) or excludes
    (False) the department roles."""
    found = []
    for role, perms in ROLE_PERMS.items():
        if perm not in perms:
            continue
        is_dept = role in DEPARTMENT_ROLES
        if departments is True and not is_dept:
            continue
        if departments is False and is_dept:
            continue
        found.append(str(role))
    return found


def _active_users(grants: QuerySet[RoleGrant]) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=grants.filter(area__is_active=True).values("user_id"), is_active=True
    ).order_by("pk")


def unit_users(
    *, area: Area | None, department: Department | None, perm: str = Perm.CASE_HANDLE
) -> QuerySet[User]:
    """The people who work a case assigned to that unit.

    A department: its department handlers. An area: the users holding a role with ``perm``
    at that very area (a grid's grid workers, a community's staff …); when nobody does, those
    of the nearest ancestor that has such users, so a notification never goes nowhere.
    """
    if department is not None:
        grants = RoleGrant.objects.filter(
            department=department, role__in=roles_with(perm, departments=True)
        )
        return _active_users(grants)
    if area is None:
        return User.objects.none()
    area_roles = roles_with(perm, departments=False)
    for area_id in reversed(area.ancestor_ids):
        grants = RoleGrant.objects.filter(area_id=area_id, role__in=area_roles)
        users = _active_users(grants)
        if users.exists():
            return users
    return User.objects.none()


def dispatchers_for(*, area: Area | None, path: str = "") -> QuerySet[User]:
    """Users with CASE_TRIAGE held at the street or county above ``area`` (or ``path``), i.e.
    the dispatchers whose jurisdiction covers a case there."""
    ids = [int(p) for p in (path or (area.path if area else "")).split("/") if p]
    if not ids:
        return User.objects.none()
    grants = RoleGrant.objects.filter(
        area_id__in=ids,
        area__level__in=(HandlingLevel.STREET, HandlingLevel.COUNTY),
        role__in=roles_with(Perm.CASE_TRIAGE, departments=False),
    )
    return _active_users(grants)


def user_department_ids(user: Any) -> set[int]:
    """Departments in which ``user`` holds a department role with CASE_HANDLE (cached)."""
    cached = getattr(user, "_gridgov_case_depts", None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = set()
        else:
            cached = set(
                user.grants.filter(
                    role__in=roles_with(Perm.CASE_HANDLE, departments=True),
                    department__isnull=False,
                    department__is_active=True,
                    area__is_active=True,
                ).values_list("department_id", flat=True)
            )
        user._gridgov_case_depts = cached
    return cached


def user_unit_area_paths(user: Any) -> list[str]:
    """Paths of the areas where ``user`` holds an area (non-department) role with CASE_HANDLE;
    a case assigned to one of these areas or below is their unit's."""
    from gridgov.accounts.scoping import _grants
    from gridgov.areas.selectors import minimal_paths

    handle_roles = set(roles_with(Perm.CASE_HANDLE, departments=False))
    return minimal_paths(p for role, p in _grants(user) if role in handle_roles)


def user_unit_area_ids(user: Any) -> list[int]:
    """Areas where ``user`` directly holds an area role with CASE_HANDLE (their own units)."""
    from gridgov.accounts.scoping import _grants

    handle_roles = set(roles_with(Perm.CASE_HANDLE, departments=False))
    return sorted(
        {int(p.rstrip("/").rsplit("/", 1)[-1]) for role, p in _grants(user) if role in handle_roles}
    )


def is_unit_member(*, user: Any, area: Area | None, department: Department | None) -> bool:
    """Does ``user`` work the unit? (a grant with CASE_HANDLE at the area or an ancestor, or a
    department handler's grant in the department). Superusers count as members."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    if department is not None:
        return department.pk in user_department_ids(user)
    if area is None:
        return False
    return any(area.path.startswith(p) for p in user_unit_area_paths(user))


def parent_unit(area: Area) -> Area | None:
    """The next handling level above ``area`` (grid → community → street → county)."""
    from gridgov.areas.selectors import area_ancestors

    for anc in reversed(area_ancestors(area=area)[:-1]):
        if anc.level in HANDLING_LEVELS and anc.level < area.level and anc.is_active:
            return anc
    return None


# --- Dispatch targets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a case goes: an area at a handling level, or a department (county level)."""

    area: Area | None
    department: Department | None
    level: int

    @property
    def area_id(self) -> int | None:
        return self.area.pk if self.area is not None else None

    @property
    def department_id(self) -> int | None:
        return self.department.pk if self.department is not None else None

    def as_data(self) -> dict[str, Any]:
        return {
            "to_area": self.area_id,
            "to_department": self.department_id,
            "level": self.level,
            "unit": str(self.department or (self.area.name if self.area else "")),
        }

    @classmethod
    def last_unit(cls, case: Any) -> Target:
        """The unit that last had ``case`` (for a reopen); a case resolved on the spot goes
        back to its own area's handling level."""
        if case.assigned_department_id is not None:
            return cls(None, case.assigned_department, int(HandlingLevel.COUNTY))
        area = case.assigned_area
        if area is None:
            area = case.area
            while area is not None and area.level not in HANDLING_LEVELS:
                area = area.parent
        if area is None:
            raise Conflict(_("This case has no unit to go back to."), code="no_unit")
        return cls(area, None, int(area.level))


def resolve_target(
    *, actor: Any, case: Any, to_area: Area | None, to_department: Department | None
) -> Target:
    """Check a dispatch target: exactly one of an area at a handling level (inside the actor's
    CASE_TRIAGE jurisdiction, containing the case's area) or an active department serving the
    case's area."""
    from gridgov.accounts import scoping

    if (to_area is None) == (to_department is None):
        msg = _("Choose either an area or a department.")
        raise ValidationFailed(msg, fields={"to_area": msg, "to_department": msg})
    if to_department is not None:
        dept_area = to_department.area
        if not to_department.is_active or not case.area_path.startswith(dept_area.path):
            raise ValidationFailed(
                _("This department does not serve the case's area."),
                fields={"to_department": _("This department does not serve the case's area.")},
            )
        return Target(None, to_department, int(HandlingLevel.COUNTY))
    assert to_area is not None
    if to_area.level not in HANDLING_LEVELS or not to_area.is_active:
        raise ValidationFailed(
            _("Cases are handled by a grid, community, street or county."),
            fields={"to_area": _("Choose an area at a handling level.")},
        )
    if not case.area_path.startswith(to_area.path):
        raise ValidationFailed(
            _("The unit must be responsible for the case's area."),
            fields={"to_area": _("The case's area is not under this unit.")},
        )
    if not scoping.can(actor, Perm.CASE_TRIAGE, to_area):
        raise ValidationFailed(
            _("You can only dispatch to units inside your jurisdiction."),
            fields={"to_area": _("Outside your jurisdiction.")},
        )
    return Target(to_area, None, int(to_area.level))


def escalation_target(case: Any) -> Target:
    """The next handling level above the case's unit; a department's case goes to the county
    of the case's area."""
    if case.assigned_department_id is not None:
        county = Area.objects.filter(
            pk__in=[int(p) for p in case.area_path.split("/") if p],
            level=HandlingLevel.COUNTY,
            is_active=True,
        ).first()
        if county is not None:
            return Target(county, None, int(HandlingLevel.COUNTY))
    elif case.assigned_area is not None:
        parent = parent_unit(case.assigned_area)
        if parent is not None:
            return Target(parent, None, int(parent.level))
    raise Conflict(_("There is no higher level to escalate this case to."), code="no_higher_level")
