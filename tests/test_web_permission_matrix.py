"""Every web page and form × every role × a target inside / outside the role's jurisdiction.

The rule is the API's: anonymous → sign-in page; a role without the permission anywhere → 403;
with the permission but the target outside the jurisdiction → 404 (as if it did not exist);
otherwise allowed. Area pages look the area up in what the caller may see first, so an area
outside the caller's view is a 404 whatever is asked of it. Every refused POST leaves the
database exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gridgov import conftest as _fixtures
from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import ROLE_PERMS, Perm, Role
from gridgov.accounts.services import department_create
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.models import Case
from gridgov.command.models import Alert, Report, ReportSubscription
from gridgov.conftest import square
from gridgov.mediation.models import (
    Committee,
    Dispute,
    DisputeType,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)
from gridgov.mediation.models import DisputeAttachment as _DocsAttachment
from gridgov.notifications.models import NotificationPreference
from gridgov.party.models import PartyMember
from gridgov.rosters.models import Building, Household, Resident, Room

_fresh_grid_locator = _fixtures._fresh_grid_locator

# Where each role is granted in the fixture tree: all of them cover grid1, none covers grid3.
GRANT_AT = {
    Role.RESIDENT: "grid1",
    Role.GRID_WORKER: "grid1",
    Role.BUILDING_CHIEF: "grid1",
    Role.COMMUNITY_STAFF: "community",
    Role.DISPATCHER: "street",
    Role.DEPT_HANDLER: "street",
    Role.LEADER: "street",
    Role.MEDIATOR: "community",
    Role.MEDIATOR: "grid1",
    Role.ADMIN: "street",
    Role.MEDIATOR: "street",
    Role.MEDIATOR: "grid1",
}
ANON = "anonymous"
CALLERS = [ANON, *Role.values]


@dataclass(frozen=True)
class Page:
    name: str
    perm: str  # the permission the page needs at its target
    method: str  # GET or POST
    url: Callable[[Any, str], str]  # (world, "inside" | "outside") -> URL
    data: Callable[[Any, str], dict[str, Any]] | None = None
    scoped: bool = True  # False: the page has no target area (lists, home)
    area_page: bool = False  # the target is an area: an invisible one is a 404 first
    # Without the permission the target is a 404, not a 403 (a resident may see their own
    # reports, so a case page does not tell others that the case exists).
    hidden: bool = False
    # The target is looked up first among what this permission shows: without it, a 404.
    sees: str | None = None
    # The target is a case: department roles see only the cases their department holds or
    # held (the world's cases never went to a department: a 404 for them).
    case: bool = False
    # Public by design (``/health``): the same answer for everyone, with nothing in it that
    # names a person, an area, a path or a version.
    public: bool = False


def _photo() -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def _area(world: Any, where: str) -> Area:
    return world.tree.grid1 if where == "inside" else world.tree.grid3


def _report(world: Any, where: str) -> Any:
    """The daily report of grid1 (inside) or grid3 (outside), made once per world."""
    from datetime import date

    from gridgov.command.reports.services import report_generate

    made = world.__dict__.setdefault("reports", {})
    if where not in made:
        made[where] = report_generate(
            actor=None, area=_area(world, where), period="day", day=date(2025, 3, 3)
        )
    return made[where]


def _target_user(world: Any, where: str) -> User:
    return world.inside_user if where == "inside" else world.outside_user


PAGES = [
    Page("health", Perm.VIEW_AREA, "GET", lambda w, _: "/health", scoped=False, public=True),
    Page("home", Perm.VIEW_AREA, "GET", lambda w, _: reverse("core:home"), scoped=False),
    Page("area index", Perm.VIEW_AREA, "GET", lambda w, _: reverse("areas:index"), scoped=False),
    # Everyone's own inbox settings (every role holds area.view).
    Page(
        "notification settings",
        Perm.VIEW_AREA,
        "GET",
        lambda w, _: reverse("notifications:settings"),
        scoped=False,
    ),
    Page(
        "notification settings save",
        Perm.VIEW_AREA,
        "POST",
        lambda w, _: reverse("notifications:settings"),
        data=lambda w, _: {"case.due_soon__email": "on"},
        scoped=False,
    ),
    Page(
        "area detail",
        Perm.VIEW_AREA,
        "GET",
        lambda w, x: reverse("areas:detail", args=[_area(w, x).pk]),
    ),
    Page(
        "area map",
        Perm.VIEW_AREA,
        "GET",
        lambda w, x: reverse("areas:map_json", args=[_area(w, x).pk]),
    ),
    Page(
        "area rename",
        Perm.MANAGE_AREA,
        "POST",
        lambda w, x: reverse("areas:rename", args=[_area(w, x).pk]),
        lambda w, x: {"name": "改名后", "version": _area(w, x).version},
        area_page=True,
    ),
    Page(
        "area boundary",
        Perm.MANAGE_AREA,
        "POST",
        lambda w, x: reverse("areas:boundary", args=[_area(w, x).pk]),
        lambda w, x: {
            "geojson": __import__("json").dumps(
                square(106.20, 38.50, 0.004) if x == "inside" else square(106.30, 38.60, 0.004)
            ),
            "version": _area(w, x).version,
        },
        area_page=True,
    ),
    Page(
        "area create child",
        Perm.MANAGE_AREA,
        "POST",
        lambda w, x: reverse("areas:create_child", args=[_area(w, x).pk]),
        lambda w, x: {"level": 7, "code": _area(w, x).code + "009", "name": "新微网格"},
        area_page=True,
    ),
    Page(
        "user list",
        Perm.MANAGE_USERS,
        "GET",
        lambda w, _: reverse("accounts:user_list"),
        scoped=False,
    ),
    Page(
        "user detail",
        Perm.MANAGE_USERS,
        "GET",
        lambda w, x: reverse("accounts:user_detail", args=[_target_user(w, x).pk]),
    ),
    Page(
        "user grant",
        Perm.MANAGE_USERS,
        "POST",
        lambda w, x: reverse("accounts:user_grant", args=[_target_user(w, x).pk]),
        lambda w, x: {"role": Role.RESIDENT, "area": _area(w, x).pk, "area_code": ""},
    ),
    Page(
        "user unlock",
        Perm.MANAGE_USERS,
        "POST",
        lambda w, x: reverse("accounts:user_unlock", args=[_target_user(w, x).pk]),
        lambda w, x: {},
    ),
    Page(
        "user active",
        Perm.MANAGE_USERS,
        "POST",
        lambda w, x: reverse("accounts:user_active", args=[_target_user(w, x).pk]),
        lambda w, x: {"active": "0"},
    ),
    Page(
        "grant revoke",
        Perm.MANAGE_USERS,
        "POST",
        lambda w, x: reverse("accounts:grant_revoke", args=[_target_user(w, x).grants.get().pk]),
        lambda w, x: {},
    ),
    Page("audit log", Perm.VIEW_AUDIT, "GET", lambda w, _: reverse("audit:list"), scoped=False),
    Page("case queues", Perm.CASE_VIEW, "GET", lambda w, _: reverse("cases:queues"), scoped=False),
    Page("case list", Perm.CASE_VIEW, "GET", lambda w, _: reverse("cases:list"), scoped=False),
    Page(
        "case map",
        Perm.CASE_VIEW,
        "GET",
        lambda w, x: f"{reverse('cases:map_json')}?area={_area(w, x).pk}",
    ),
    Page(
        "case detail",
        Perm.CASE_VIEW,
        "GET",
        lambda w, x: reverse("cases:detail", args=[_case(w, x).pk]),
        hidden=True,
        case=True,
    ),
    Page(
        "case urge",
        Perm.CASE_SUPERVISE,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "urge"]),
        lambda w, x: {"version": _case(w, x).version, "message": "请尽快办理"},
        case=True,
    ),
    Page(
        "case unmask",
        Perm.ROSTER_UNMASK,
        "POST",
        lambda w, x: reverse("cases:unmask", args=[_case(w, x).pk]),
        lambda w, x: {"reason": "回访核实"},
        sees=Perm.CASE_VIEW,
        case=True,
    ),
    Page(
        "case accept",
        Perm.CASE_TRIAGE,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "accept"]),
        lambda w, x: {"version": _case(w, x).version, "note": ""},
        case=True,
    ),
    # The grid worker's check of a resident's report (待核实): both reports wait for it.
    Page(
        "case check confirm",
        Perm.CASE_CHECK,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "check_confirm"]),
        lambda w, x: {"version": _case(w, x).version, "note": "属实"},
    ),
    Page(
        "case check resolve",
        Perm.CASE_CHECK,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "check_resolve"]),
        lambda w, x: {"version": _case(w, x).version, "reply": "已处理", "photos": _photo()},
    ),
    Page(
        "case check reject",
        Perm.CASE_CHECK,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "check_reject"]),
        lambda w, x: {"version": _case(w, x).version, "reason": "untrue", "note": ""},
    ),
    Page(
        "case check pass up",
        Perm.CASE_CHECK,
        "POST",
        lambda w, x: reverse("cases:act", args=[_case(w, x).pk, "check_pass_up"]),
        lambda w, x: {"version": _case(w, x).version, "note": "需上级处理"},
    ),
    Page(
        "12345 import",
        Perm.CASE_IMPORT,
        "GET",
        lambda w, _: reverse("cases:import"),
        scoped=False,
    ),
    Page(
        "12345 results export",
        Perm.CASE_IMPORT,
        "POST",
        lambda w, _: reverse("cases:import_results"),
        lambda w, _: {"date_from": "2026-01-01", "date_to": "2026-01-31"},
        scoped=False,
    ),
    # The command centre screen (full screen and phone): command.view at the area.
    Page(
        "command screen",
        Perm.COMMAND_VIEW,
        "GET",
        lambda w, x: f"{reverse('command:screen')}?area={_area(w, x).pk}",
    ),
    Page(
        "command screen wall part",
        Perm.COMMAND_VIEW,
        "GET",
        lambda w, x: f"{reverse('command:screen')}?area={_area(w, x).pk}&wall=2x2&part=3",
    ),
    Page(
        "command phone",
        Perm.COMMAND_VIEW,
        "GET",
        lambda w, x: f"{reverse('command:screen_phone')}?area={_area(w, x).pk}",
    ),
    Page("statistics", Perm.VIEW_STATS, "GET", lambda w, _: reverse("cases:stats"), scoped=False),
    # Mediation figures and the register (台账): stats.view (with mediation.view) at the area.
    Page(
        "mediation figures",
        Perm.VIEW_STATS,
        "GET",
        lambda w, x: f"{reverse('mediation:numbers')}?area={_area(w, x).pk}",
    ),
    Page(
        "mediation register",
        Perm.VIEW_STATS,
        "GET",
        lambda w, x: f"{reverse('mediation:numbers_export')}?area={_area(w, x).pk}",
    ),
    Page(
        "mediation register unmasked",
        Perm.ROSTER_UNMASK,
        "POST",
        lambda w, x: f"{reverse('mediation:numbers_export')}?area={_area(w, x).pk}",
        lambda w, _: {"unmask": "on", "reason": "司法所核对台账"},
    ),
    # Command-centre reports: stats.view at the area.
    Page(
        "reports",
        Perm.VIEW_STATS,
        "GET",
        lambda w, x: f"{reverse('command:reports_list')}?area={_area(w, x).pk}",
    ),
    Page(
        "report generate",
        Perm.VIEW_STATS,
        "POST",
        lambda w, x: f"{reverse('command:reports_list')}?area={_area(w, x).pk}",
        lambda w, _: {"period": "day", "date": "2025-03-03"},
    ),
    Page(
        "report subscribe",
        Perm.VIEW_STATS,
        "POST",
        lambda w, _: reverse("command:reports_subscribe"),
        lambda w, x: {"area": _area(w, x).pk, "period": "month"},
    ),
    Page(
        "report download",
        Perm.VIEW_STATS,
        "GET",
        lambda w, x: reverse("command:reports_download", args=[_report(w, x).pk, "pdf"]),
    ),
    Page(
        "work calendar",
        Perm.MANAGE_CONFIG,
        "GET",
        lambda w, _: reverse("workcal:index"),
        scoped=False,
    ),
    # Rosters (台账) and party building.
    Page(
        "residents",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, _: reverse("rosters:residents"),
        scoped=False,
    ),
    Page(
        "households",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, _: reverse("rosters:households"),
        scoped=False,
    ),
    Page(
        "resident detail",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, x: reverse("rosters:resident_detail", args=[_roster(w, x)["resident"].pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "resident edit",
        Perm.ROSTER_EDIT,
        "GET",
        lambda w, x: reverse("rosters:resident_edit", args=[_roster(w, x)["resident"].pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "resident moves out",
        Perm.ROSTER_EDIT,
        "POST",
        lambda w, x: reverse("rosters:resident_move_out", args=[_roster(w, x)["resident"].pk]),
        lambda w, x: {"version": _roster(w, x)["resident"].version, "on": "2026-11-01"},
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "household detail",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, x: reverse("rosters:household_detail", args=[_roster(w, x)["household"].pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "buildings",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, _: reverse("rosters:buildings"),
        scoped=False,
    ),
    Page(
        "building view",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, x: reverse("rosters:building_detail", args=[_roster(w, x)["building"].pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "building edit",
        Perm.ROSTER_EDIT,
        "GET",
        lambda w, x: reverse("rosters:building_edit", args=[_roster(w, x)["building"].pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "grid portrait",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, x: reverse("rosters:portrait", args=[_area(w, x).pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "grid staff",
        Perm.ROSTER_VIEW,
        "GET",
        lambda w, x: reverse("rosters:staff", args=[_area(w, x).pk]),
        sees=Perm.ROSTER_VIEW,
    ),
    Page(
        "roster import",
        Perm.ROSTER_EDIT,
        "GET",
        lambda w, _: reverse("rosters:import"),
        scoped=False,
    ),
    Page("party", Perm.PARTY_VIEW, "GET", lambda w, _: reverse("party:index"), scoped=False),
    Page(
        "party organisation",
        Perm.PARTY_VIEW,
        "GET",
        lambda w, x: reverse("party:org_detail", args=[_roster(w, x)["org"].pk]),
        sees=Perm.PARTY_VIEW,
    ),
    Page(
        "party member",
        Perm.PARTY_VIEW,
        "GET",
        lambda w, x: reverse("party:member_detail", args=[_roster(w, x)["member"].pk]),
        sees=Perm.PARTY_VIEW,
    ),
    Page(
        "party member edit",
        Perm.PARTY_MANAGE,
        "GET",
        lambda w, x: reverse("party:member_edit", args=[_roster(w, x)["member"].pk]),
        sees=Perm.PARTY_VIEW,
    ),
    # Dispute mediation (矛盾纠纷).
    Page(
        "dispute list",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, _: reverse("mediation:dispute_list"),
        scoped=False,
    ),
    Page(
        "my disputes",
        Perm.MEDIATION_HANDLE,
        "GET",
        lambda w, _: reverse("mediation:dispute_mine"),
        scoped=False,
    ),
    Page(
        "high-risk board",
        Perm.MEDIATION_SUPERVISE,
        "GET",
        lambda w, _: reverse("mediation:dispute_board"),
        scoped=False,
    ),
    Page(
        "dispute register",
        Perm.MEDIATION_REPORT,
        "GET",
        lambda w, _: reverse("mediation:dispute_register"),
        scoped=False,
    ),
    # The form offers only the caller's own areas: one inside every reporting role's reach.
    Page(
        "dispute register save",
        Perm.MEDIATION_REPORT,
        "POST",
        lambda w, _: reverse("mediation:dispute_register"),
        data=lambda w, _: _dispute_form(w),
        scoped=False,
    ),
    Page(
        "dispute detail",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, x: reverse("mediation:dispute_detail", args=[w.disputes[x].pk]),
    ),
    Page(
        "dispute accept",
        Perm.MEDIATION_TRIAGE,
        "POST",
        lambda w, x: reverse("mediation:dispute_act", args=[w.disputes[x].pk, "accept"]),
        data=lambda w, x: {"version": w.disputes[x].version, "note": "受理"},
    ),
    # --- Mediation: screening (摸排). The side's round is opened at its community.
    Page(
        "screening mine",
        Perm.MEDIATION_REPORT,
        "GET",
        lambda w, _: reverse("mediation:screening_mine"),
        scoped=False,
    ),
    Page(
        "screening rounds",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, _: reverse("mediation:screening_rounds"),
        scoped=False,
    ),
    Page(
        "screening round",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, x: reverse("mediation:screening_round", args=[_screening(w, x).round_id]),
    ),
    Page(
        "screening return",
        Perm.MEDIATION_REPORT,
        "GET",
        lambda w, x: reverse("mediation:screening_return", args=[_screening(w, x).pk]),
    ),
    Page(
        "screening nothing found",
        Perm.MEDIATION_REPORT,
        "POST",
        lambda w, x: reverse("mediation:screening_nothing_found", args=[_screening(w, x).pk]),
        lambda w, x: {"version": 1, "key": "k1"},
    ),
    Page(
        "screening plans",
        Perm.MEDIATION_MANAGE,
        "GET",
        lambda w, _: reverse("mediation:screening_plans"),
        scoped=False,
    ),
    Page(
        "screening plan set",
        Perm.MEDIATION_MANAGE,
        "POST",
        lambda w, x: reverse("mediation:screening_plan_set", args=[_community(w, x).pk]),
        lambda w, x: {
            f"a{_community(w, x).pk}-period": "monthly",
            f"a{_community(w, x).pk}-active": "on",
        },
    ),
    Page(
        "screening round open",
        Perm.MEDIATION_MANAGE,
        "POST",
        lambda w, x: reverse("mediation:screening_round_open", args=[_community(w, x).pk]),
    ),
    # Mediation documents (人民调解文书) and 转人民调解. The agreement (full ID numbers, audited)
    # and the signed scan: mediation.handle or .triage there — every handle holder has triage.
    Page(
        "dispute documents",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, x: reverse("mediation:documents_dispute", args=[_docs_dispute(w, x).pk]),
        sees=Perm.MEDIATION_VIEW,
    ),
    Page(
        "dispute application docx",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, x: reverse(
            "mediation:documents_generate", args=[_docs_dispute(w, x).pk, "application"]
        ),
        sees=Perm.MEDIATION_VIEW,
    ),
    Page(
        "dispute agreement docx",
        Perm.MEDIATION_TRIAGE,
        "POST",
        lambda w, x: reverse(
            "mediation:documents_generate", args=[_docs_dispute(w, x).pk, "agreement"]
        ),
        data=lambda w, x: {"terms": "双方和解", "performance_method": "当面", "deadline": ""},
        sees=Perm.MEDIATION_VIEW,
    ),
    Page(
        "dispute signed scan",
        Perm.MEDIATION_TRIAGE,
        "POST",
        lambda w, x: reverse("mediation:documents_signed", args=[_docs_dispute(w, x).pk]),
        data=lambda w, x: {"kind": "agreement", "file": _photo()},
        sees=Perm.MEDIATION_VIEW,
    ),
    Page(
        "document templates",
        Perm.MEDIATION_MANAGE,
        "GET",
        lambda w, _: reverse("mediation:documents_templates"),
        scoped=False,
    ),
    Page(
        "case to mediation",
        Perm.MEDIATION_REPORT,
        "POST",
        lambda w, x: reverse("mediation:case_to_mediation", args=[_case(w, x).pk]),
        data=lambda w, x: {
            "version": _case(w, x).version,
            "type": _docs_type().pk,
            "risk": "green",
        },
        sees=Perm.CASE_VIEW,
        case=True,
    ),
    # Mediation organisations: reads need mediation.view, changes mediation.manage.
    Page(
        "mediation orgs",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, _: reverse("mediation:orgs_index"),
        scoped=False,
    ),
    Page(
        "mediation types",
        Perm.MEDIATION_VIEW,
        "GET",
        lambda w, _: reverse("mediation:orgs_types"),
        scoped=False,
    ),
    Page(
        "mediation mediator new",
        Perm.MEDIATION_MANAGE,
        "GET",
        lambda w, _: reverse("mediation:orgs_mediator_create"),
        scoped=False,
    ),
    Page(
        "mediation committee edit",
        Perm.MEDIATION_MANAGE,
        "POST",
        lambda w, x: reverse("mediation:orgs_committee_edit", args=[_committee(w, x).pk]),
        lambda w, x: {"name": "改名后", "active": "on"},
    ),
    Page(
        "mediation type edit",
        Perm.MEDIATION_MANAGE,
        "POST",
        lambda w, _: reverse(
            "mediation:orgs_type_edit", args=[DisputeType.objects.get(code="labour").pk]
        ),
        lambda w, _: {"name": "劳资", "deadline_days": "20", "sort": "50", "active": "on"},
        scoped=False,
    ),
    # The command centre's alerts: command.view at the area (dispatcher, leader, admin).
    Page(
        "command alerts",
        Perm.COMMAND_VIEW,
        "GET",
        lambda w, x: f"{reverse('command:alerts_list')}?area={_area(w, x).pk}",
    ),
    Page(
        "command alert acknowledge",
        Perm.COMMAND_VIEW,
        "POST",
        lambda w, x: reverse("command:alerts_acknowledge", args=[_alert(w, x).pk]),
        lambda w, x: {},
    ),
]


def _dispute_form(world: Any) -> dict[str, Any]:
    return {
        "area": world.tree.grid1.pk,
        "type": world.disputes["inside"].type_id,
        "title": "邻里噪音纠纷",
        "risk": "green",
        "source": "walk_in",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-0-name": "张三",
        "parties-0-role": "applicant",
    }


def _dispute(area: Any) -> Any:
    from gridgov.mediation.disputes.services import PartyIn, dispute_register
    from gridgov.mediation.models import DisputeType

    kind, _new = DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里"})
    return dispute_register(
        actor=None,
        area=area,
        type=kind,
        title="楼上漏水",
        source="walk_in",
        parties=[PartyIn(name="张三"), PartyIn(name="李四", role="respondent")],
    )


def _docs_type() -> Any:
    from gridgov.mediation.models import DisputeType

    return DisputeType.objects.get_or_create(code="neighbour", defaults={"name": "邻里"})[0]


def _docs_dispute(world: Any, where: str) -> Any:
    """A dispute with two parties in grid1 (inside) or grid3 (outside), made once per world."""
    made = world.__dict__.setdefault("docs_disputes", {})
    if where not in made:
        from gridgov.mediation.disputes.services import PartyIn, dispute_register

        made[where] = dispute_register(
            actor=None,
            area=world.tree.grid1 if where == "inside" else world.tree.grid3,
            type=_docs_type(),
            title="通道堆放杂物",
            source="walk_in",
            parties=[PartyIn(name="张三"), PartyIn(name="李四", role="respondent")],
        )
    return made[where]


def _alert(world: Any, where: str) -> Alert:
    """An open alert in grid1 (inside) or grid3 (outside), made once per world."""
    made = world.__dict__.setdefault("alerts", {})
    if where not in made:
        now = timezone.now()
        made[where] = Alert.objects.create(
            area=_area(world, where),
            rule="cases.overdue_long",
            fingerprint=f"case:{where}",
            level="red",
            title="超期超过 3 个工作日",
            raised_at=now,
            last_seen_at=now,
        )
    return made[where]


def _committee(world: Any, where: str) -> Committee:
    """A mediation committee in the side's grid (made once, as the system)."""
    from gridgov.mediation.orgs.services import committee_create

    grid = _area(world, where)
    found = Committee.objects.filter(area=grid).first()
    return found or committee_create(actor=None, name="网格调解小组", area=grid)


def _roster(world: Any, where: str) -> dict[str, Any]:
    return world.rosters[where]


def _community(world: Any, where: str) -> Area:
    return world.tree.community if where == "inside" else world.tree.village


def _screening(world: Any, where: str) -> Any:
    """The side's grid's return in a round opened at its community (made on first use)."""
    from gridgov.mediation.models import ScreeningReturn
    from gridgov.mediation.screening.services import screening_round_open

    round_ = screening_round_open(
        actor=None, area=_community(world, where), period="weekly", starts_on=timezone.localdate()
    )
    return ScreeningReturn.objects.get(round=round_, area=_area(world, where))


def _roster_side(grid: Any, n: int) -> dict[str, Any]:
    """A building with a household of one resident, and a party branch with one member, in
    ``grid`` (through the services, as the system)."""
    from datetime import date

    from gridgov.party.services import member_create, org_create
    from gridgov.rosters.services.people import household_create, resident_create
    from gridgov.rosters.services.places import building_create
    from gridgov.rosters.tests.builders import valid_id

    building = building_create(
        actor=None, area=grid, name=f"{n}号楼", floors=2, units=1, rooms_per_floor=2
    )
    household = household_create(
        actor=None, area=grid, household_type="resident", address=f"凤鸣路{n}号"
    )
    resident = resident_create(
        actor=None,
        household=household,
        name="李四",
        id_number=valid_id(date(1970, 1, n)),
        relation="02",
        residence_type="resident",
    )
    org = org_create(actor=None, name=f"网格{n}党支部", kind="branch", area=grid)
    member = member_create(
        actor=None,
        org=org,
        name="赵党员",
        id_number=valid_id(date(1960, 2, n)),
        status="full",
        joined_on=date(1990, 7, 1),
    )
    return {
        "building": building,
        "household": household,
        "resident": resident,
        "org": org,
        "member": member,
    }


def _case(world: Any, where: str) -> Any:
    return world.inside_case if where == "inside" else world.outside_case


@dataclass
class World:
    tree: Any
    inside_user: User
    outside_user: User
    callers: dict[str, User]
    inside_case: Any
    outside_case: Any
    rosters: dict[str, dict[str, Any]]
    disputes: dict[str, Any]


def _build_world() -> World:
    tree = _fixtures.build_tree()
    make_user = _fixtures.user_builder()
    dept = department_create(
        actor=None, name="凤鸣街道城管中队", kind="urban_management", area=tree.street
    )
    locked = timezone.now() + timedelta(minutes=10)
    inside = make_user("inside", (Role.GRID_WORKER, tree.grid1), locked_until=locked)
    outside = make_user("outside", (Role.GRID_WORKER, tree.grid3), locked_until=locked)
    callers = {
        role: make_user(f"as_{role}", (role, getattr(tree, GRANT_AT[role])), department=dept)
        for role in Role.values
    }
    from gridgov.cases.models import Category
    from gridgov.cases.services.intake import case_report

    category = Category.objects.filter(
        is_active=True, children__isnull=True, extra_fields=[], parent__extra_fields=[]
    ).first()

    def report(lon: float, lat: float) -> Any:
        return case_report(
            actor=None,
            source="resident",
            category=category,
            title="路灯不亮",
            lon=lon,
            lat=lat,
            anonymous=True,
        ).case

    return World(
        tree=tree,
        inside_user=inside,
        outside_user=outside,
        callers=callers,
        inside_case=report(106.205, 38.505),
        outside_case=report(106.305, 38.605),
        rosters={"inside": _roster_side(tree.grid1, 1), "outside": _roster_side(tree.grid3, 2)},
        disputes={"inside": _dispute(tree.grid1), "outside": _dispute(tree.grid3)},
    )


@pytest.fixture(scope="module")
def _world_rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world's rows, made once for the module (setUpTestData): every test runs in a
    savepoint inside, so it sees them as made and its own changes are rolled back."""
    yield from _fixtures.kept_for_scope(django_db_blocker, _build_world)


@pytest.fixture
def world(db: Any, _world_rows: World) -> World:
    """The tree, the callers, the cases, the roster and dispute targets; a copy of its own for
    each test (a test may change the objects; the rows are rolled back anyway)."""
    return copy.deepcopy(_world_rows)


@pytest.fixture
def tree(world: World) -> Any:
    """The world's tree (one tree per database: a second one would clash with its codes)."""
    return world.tree


@pytest.fixture
def make_user(db: Any) -> Any:
    return _fixtures.user_builder()


def expected(caller: str, page: Page, where: str) -> int | str:
    """'ok', 'login', 403 or 404 according to the rule in the module docstring ('public' for
    the public pages)."""
    if page.public:
        return "public"
    if caller == ANON:
        return "login"
    if page.area_page and where == "outside":
        return 404
    if page.sees is not None and (
        page.sees not in ROLE_PERMS[caller]
        or where == "outside"
        or (page.case and caller == Role.DEPT_HANDLER)  # it sees none of the world's cases
    ):
        return 404
    if caller == Role.BUILDING_CHIEF and page.name.startswith(("resident ", "household ")):
        return 404  # a chief reads the households of their buildings; this one holds no post
    if page.perm not in ROLE_PERMS[caller]:
        return 403 if page.perm != Perm.VIEW_AREA and not page.hidden else 404
    if page.scoped and where == "outside":
        return 404
    if page.case and caller == Role.DEPT_HANDLER:
        return 404
    return "ok"


def snapshot() -> tuple[Any, ...]:
    return (
        list(Area.objects.order_by("pk").values_list("pk", "code", "name", "version", "geometry")),
        list(RoleGrant.objects.order_by("pk").values_list("pk", "user_id", "role", "area_id")),
        list(User.objects.order_by("pk").values_list("pk", "is_active", "locked_until")),
        list(Case.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Resident.objects.order_by("pk").values_list("pk", "status", "version")),
        list(Building.objects.order_by("pk").values_list("pk", "area_id", "version")),
        list(PartyMember.objects.order_by("pk").values_list("pk", "org_id", "version")),
        list(Dispute.objects.order_by("pk").values_list("pk", "status", "version")),
        _DocsAttachment.objects.count(),  # signed scans of mediation documents
        list(Committee.objects.order_by("pk").values_list("pk", "name", "active")),
        list(DisputeType.objects.order_by("pk").values_list("pk", "name", "deadline_days")),
        # Exporting personal data is a write: its audit entry.
        AuditEntry.objects.filter(event=Event.PERSONAL_DATA_EXPORTED).count(),
        # Showing personal data unmasked is recorded: an allowed unmask "changes" the audit log.
        list(AuditEntry.objects.filter(event=Event.PERSONAL_DATA_VIEWED).values_list("pk")),
        list(NotificationPreference.objects.order_by("pk").values_list("pk", "user_id", "topic")),
        list(ScreeningPlan.objects.order_by("pk").values_list("pk", "period", "active")),
        list(ScreeningRound.objects.order_by("pk").values_list("pk", "area_id")),
        list(ScreeningReturn.objects.order_by("pk").values_list("pk", "filed_at", "version")),
        list(Alert.objects.order_by("pk").values_list("pk", "acknowledged_at")),
        list(Report.objects.order_by("pk").values_list("pk", "generated_at", "xlsx", "pdf")),
        list(ReportSubscription.objects.order_by("pk").values_list("pk", "user_id", "period")),
    )


CASES = [
    pytest.param(caller, page, where, id=f"{page.name}-{caller}-{where}")
    for page in PAGES
    for caller in CALLERS
    for where in (("inside", "outside") if page.scoped else ("inside",))
]


@pytest.mark.parametrize(("caller", "page", "where"), CASES)
def test_web_permission_matrix(world: World, caller: str, page: Page, where: str) -> None:
    client = Client()
    if caller != ANON:
        client.force_login(world.callers[caller])
    url = page.url(world, where)
    before = snapshot()
    if page.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, page.data(world, where) if page.data else {})
    want = expected(caller, page, where)
    if want == "public":
        assert_leak_free(world, response)
    elif want == "login":
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    elif want == "ok":
        assert response.status_code in (200, 302), response.content[:500]
        if page.method == "POST":
            assert snapshot() != before, "an allowed action changed nothing"
    else:
        assert response.status_code == want
    if want != "ok":
        assert snapshot() == before, "a refused call changed the database"


def assert_leak_free(world: World, response: Any) -> None:
    """A public answer: 200 or 503 JSON holding only statuses and problem texts — no user,
    person, area, path, traceback or version."""
    from django.conf import settings

    assert response.status_code in (200, 503), response.content[:300]
    body = response.json()
    assert set(body) == {"status", "checks"}
    assert all(set(c) <= {"status", "problem"} for c in body["checks"].values())
    text = response.content.decode()
    users = list(User.objects.values_list("username", "display_name", "mobile", "email"))
    words = {w for row in users for w in row if w}
    words |= set(Area.objects.values_list("name", flat=True))
    words |= set(Area.objects.values_list("code", flat=True))
    words |= {str(settings.DATA_DIR), "Traceback", "Django", "Python", "version"}
    assert not [w for w in words if w in text]
    assert "Set-Cookie" not in response.headers


def test_department_handler_opens_the_cases_its_department_held(world: World) -> None:
    from gridgov.cases.services import lifecycle

    handler = Client()
    handler.force_login(world.callers[Role.DEPT_HANDLER])
    url = reverse("cases:detail", args=[world.inside_case.pk])
    assert handler.get(url).status_code == 404
    case = world.inside_case
    dispatcher = world.callers[Role.DISPATCHER]
    dept = world.callers[Role.DEPT_HANDLER].grants.get().department
    lifecycle.case_accept_dispatch(
        actor=dispatcher, case=case, version=case.version, to_department=dept
    )
    assert handler.get(url).status_code == 200
    page = handler.get(reverse("cases:queues"))
    counts = {t["key"]: t["count"] for t in page.context["tabs"]}
    assert counts["to_sign"] == 1 and "to_accept" not in counts and "watch_to_sign" not in counts


def test_building_chief_opens_the_households_of_their_building(world: World) -> None:
    from datetime import date

    from gridgov.rosters.services.staff import staff_assign

    chief_user = world.callers[Role.BUILDING_CHIEF]
    side = world.rosters["inside"]
    url = reverse("rosters:resident_detail", args=[side["resident"].pk])
    chief = Client()
    chief.force_login(chief_user)
    assert chief.get(url).status_code == 404
    staff_assign(
        actor=None,
        user=chief_user,
        post="building_chief",
        area=world.tree.grid1,
        building=side["building"],
        start_on=date(2025, 1, 1),
    )
    # Still not: the household lives in no room of the building.
    assert chief.get(url).status_code == 404
    room = Room.objects.filter(unit__building=side["building"]).first()
    Household.objects.filter(pk=side["household"].pk).update(room=room)
    assert chief.get(url).status_code == 200


def test_explicit_cells(world: World) -> None:
    """A few cells spelled out, in case the generated expectations drift."""
    worker = Client()
    worker.force_login(world.callers[Role.GRID_WORKER])
    assert worker.get(reverse("areas:detail", args=[world.tree.grid1.pk])).status_code == 200
    assert worker.get(reverse("areas:detail", args=[world.tree.grid2.pk])).status_code == 404
    assert worker.get(reverse("accounts:user_list")).status_code == 403
    admin = Client()
    admin.force_login(world.callers[Role.ADMIN])
    assert admin.get(reverse("areas:detail", args=[world.tree.grid3.pk])).status_code == 404
    assert admin.get(reverse("audit:list")).status_code == 200
    response = admin.post(reverse("accounts:user_unlock", args=[world.outside_user.pk]))
    assert response.status_code == 404
    world.outside_user.refresh_from_db()
    assert world.outside_user.is_locked
