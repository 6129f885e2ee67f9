"""Roles from DESIGN.md and what each may do. Permissions are granted *at an area*: a role
held at a node applies to that node's whole subtree and nowhere else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_CHIEF = "building_chief", _("Building / unit chief")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    DISPATCHER = "dispatcher", _("Dispatcher")
    DEPT_HANDLER = "dept_handler", _("Department handler")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


class Perm(models.TextChoices):
    VIEW_AREA = "area.view", _("View areas")
    MANAGE_AREA = "area.manage", _("Create and edit areas and boundaries")
    VIEW_STAFF = "staff.view", _("View staff of areas")
    MANAGE_USERS = "users.manage", _("Manage users and roles")
    VIEW_AUDIT = "audit.view", _("View the audit log")


_STAFF_VIEW = {Perm.VIEW_AREA, Perm.VIEW_STAFF}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({Perm.VIEW_AREA}),
    Role.GRID_WORKER: frozenset(_STAFF_VIEW),
    Role.BUILDING_CHIEF: frozenset({Perm.VIEW_AREA}),
    Role.COMMUNITY_STAFF: frozenset(_STAFF_VIEW),
    Role.DISPATCHER: frozenset(_STAFF_VIEW),
    Role.DEPT_HANDLER: frozenset({Perm.VIEW_AREA}),
    Role.LEADER: frozenset(_STAFF_VIEW),
    Role.ADMIN: frozenset(_STAFF_VIEW | {Perm.MANAGE_AREA, Perm.MANAGE_USERS, Perm.VIEW_AUDIT}),
}

# Roles whose grant must name a department (职能部门) rather than only an area.
DEPARTMENT_ROLES = frozenset({Role.DEPT_HANDLER})

# The lowest area level at which each role makes sense (a dispatcher sits at a town or
# higher, a grid worker at a grid or below it …). Grants at other levels are refused.
# Values are gridgov.areas.codes.Level numbers: 1 province … 6 grid … 9 building.
ROLE_LEVELS: dict[str, tuple[int, int]] = {
    Role.RESIDENT: (5, 9),
    Role.GRID_WORKER: (6, 7),
    Role.BUILDING_CHIEF: (6, 9),
    Role.COMMUNITY_STAFF: (5, 5),
    Role.DISPATCHER: (2, 4),
    Role.DEPT_HANDLER: (2, 5),
    Role.LEADER: (1, 5),
    Role.ADMIN: (1, 4),
}


def perms_for(role: str) -> frozenset[str]:
    return ROLE_PERMS.get(role, frozenset())
