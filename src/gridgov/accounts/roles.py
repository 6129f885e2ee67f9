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
    MEDIATOR = "mediator", _("Mediator")
    ADMIN = "admin", _("Administrator")


class Perm(models.TextChoices):
    VIEW_AREA = "area.view", _("View areas")
    MANAGE_AREA = "area.manage", _("Create and edit areas and boundaries")
    VIEW_STAFF = "staff.view", _("View staff of areas")
    MANAGE_USERS = "users.manage", _("Manage users and roles")
    VIEW_AUDIT = "audit.view", _("View the audit log")
    # Cases (事件/诉求/工单); see gridgov.cases.states for which action needs which.
    CASE_VIEW = "case.view", _("View cases")
    CASE_REPORT = "case.report", _("Report cases")
    CASE_CHECK = "case.check", _("Verify reports on site")  # 待核实: the grid's first responder
    CASE_TRIAGE = "case.triage", _("Accept, reject, merge and dispatch cases")
    CASE_HANDLE = "case.handle", _("Sign for, handle and reply to cases")
    CASE_VERIFY = "case.verify", _("Verify resolved cases and record call-backs")
    CASE_SUPERVISE = "case.supervise", _("Urge cases, approve delays, reopen cases")
    CASE_IMPORT = "case.import", _("Import 12345 hotline work orders")
    VIEW_STATS = "stats.view", _("View statistics and indicators")
    MANAGE_CONFIG = "config.manage", _("Manage categories and the working-time calendar")
    # Rosters (台账) and party building; personal data is masked unless ROSTER_UNMASK.
    ROSTER_VIEW = "roster.view", _("View rosters (masked)")
    ROSTER_EDIT = "roster.edit", _("Edit and import rosters")
    ROSTER_EXPORT = "roster.export", _("Export rosters (masked)")
    ROSTER_UNMASK = "roster.unmask", _("Show and export personal data unmasked")
    ROSTER_SENSITIVE = "roster.sensitive", _("See special groups holding sensitive data")
    PARTY_VIEW = "party.view", _("View party organisations, members and meetings")
    PARTY_MANAGE = "party.manage", _("Manage party organisations, members and meetings")
    # Dispute mediation (矛盾纠纷排查化解); see gridgov.mediation.
    MEDIATION_VIEW = "mediation.view", _("View disputes")
    MEDIATION_REPORT = "mediation.report", _("Register disputes and file screening returns")
    MEDIATION_TRIAGE = "mediation.triage", _("Accept, refer and assign disputes")
    MEDIATION_HANDLE = "mediation.handle", _("Mediate disputes and record outcomes")
    MEDIATION_SUPERVISE = "mediation.supervise", _("Supervise disputes and approve extensions")
    MEDIATION_SENSITIVE = "mediation.sensitive", _("See sensitive (family) disputes")
    MEDIATION_MANAGE = "mediation.manage", _("Manage mediation committees, rooms and mediators")
    # The command centre (综治中心指挥大屏); see gridgov.command.
    COMMAND_VIEW = "command.view", _("View the command centre screen")


_STAFF_VIEW = {Perm.VIEW_AREA, Perm.VIEW_STAFF}
_CASE_WORK = {Perm.CASE_VIEW, Perm.CASE_REPORT, Perm.CASE_HANDLE}
# Keeping a grid's rosters: grid workers and community staff (who visit the vulnerable, so they
# see special groups); unmasking is for community staff and leaders, each in their own area.
_ROSTER_WORK = {
    Perm.ROSTER_VIEW,
    Perm.ROSTER_EDIT,
    Perm.ROSTER_EXPORT,
    Perm.ROSTER_SENSITIVE,
    Perm.PARTY_VIEW,
}

ROLE_PERMS: dict[str, frozenset[str]] = {
    # A resident reports and rates their own cases; they see no one else's (no CASE_VIEW).
    Role.RESIDENT: frozenset({Perm.VIEW_AREA, Perm.CASE_REPORT}),
    # The first responder of their grid: checks residents' reports on site (核实) and, after a
    # unit's reply, does the on-site check (核查) with community staff.
    Role.GRID_WORKER: frozenset(
        _STAFF_VIEW
        | _CASE_WORK
        | _ROSTER_WORK
        | {Perm.CASE_CHECK, Perm.CASE_VERIFY, Perm.MEDIATION_VIEW, Perm.MEDIATION_REPORT}
    ),
    # A building chief sees the (masked) roster of their building's area, no special groups.
    Role.BUILDING_CHIEF: frozenset({Perm.VIEW_AREA, Perm.CASE_REPORT, Perm.ROSTER_VIEW}),
    Role.COMMUNITY_STAFF: frozenset(
        _STAFF_VIEW
        | _CASE_WORK
        | _ROSTER_WORK
        | {
            Perm.CASE_CHECK,
            Perm.CASE_TRIAGE,
            Perm.CASE_VERIFY,
            Perm.VIEW_STATS,
            Perm.ROSTER_UNMASK,
            Perm.PARTY_MANAGE,
            Perm.MEDIATION_VIEW,
            Perm.MEDIATION_REPORT,
            Perm.MEDIATION_TRIAGE,
        }
    ),
    Role.DISPATCHER: frozenset(
        _STAFF_VIEW
        | _CASE_WORK
        | {
            Perm.CASE_TRIAGE,
            Perm.CASE_VERIFY,
            Perm.CASE_SUPERVISE,
            Perm.CASE_IMPORT,
            Perm.VIEW_STATS,
            Perm.ROSTER_VIEW,
            # The 综治中心: triages and supervises disputes, sees the sensitive ones.
            Perm.MEDIATION_VIEW,
            Perm.MEDIATION_REPORT,
            Perm.MEDIATION_TRIAGE,
            Perm.MEDIATION_SUPERVISE,
            Perm.MEDIATION_SENSITIVE,
            Perm.MEDIATION_MANAGE,
            Perm.COMMAND_VIEW,
        }
    ),
    Role.DEPT_HANDLER: frozenset({Perm.VIEW_AREA, Perm.CASE_VIEW, Perm.CASE_HANDLE}),
    Role.LEADER: frozenset(
        _STAFF_VIEW
        | {
            Perm.CASE_VIEW,
            Perm.CASE_SUPERVISE,
            Perm.VIEW_STATS,
            Perm.ROSTER_VIEW,
            Perm.ROSTER_EXPORT,
            Perm.ROSTER_UNMASK,
            Perm.ROSTER_SENSITIVE,
            Perm.PARTY_VIEW,
            Perm.PARTY_MANAGE,
            Perm.MEDIATION_VIEW,
            Perm.MEDIATION_SUPERVISE,
            Perm.COMMAND_VIEW,
        }
    ),
    # 人民调解员 (also 乡贤, lawyers, police liaison): mediates the disputes of their area.
    Role.MEDIATOR: frozenset(
        {
            Perm.VIEW_AREA,
            Perm.MEDIATION_VIEW,
            Perm.MEDIATION_REPORT,
            Perm.MEDIATION_TRIAGE,
            Perm.MEDIATION_HANDLE,
            Perm.MEDIATION_SENSITIVE,
        }
    ),
    Role.ADMIN: frozenset(
        _STAFF_VIEW
        | {
            Perm.MANAGE_AREA,
            Perm.MANAGE_USERS,
            Perm.VIEW_AUDIT,
            Perm.MANAGE_CONFIG,
            Perm.CASE_VIEW,
            Perm.VIEW_STATS,
            Perm.ROSTER_VIEW,
            Perm.PARTY_VIEW,
            Perm.MEDIATION_VIEW,
            Perm.MEDIATION_MANAGE,
            Perm.COMMAND_VIEW,
        }
    ),
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
    Role.MEDIATOR: (2, 6),
    Role.ADMIN: (1, 4),
}


def perms_for(role: str) -> frozenset[str]:
    return ROLE_PERMS.get(role, frozenset())
