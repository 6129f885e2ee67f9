"""The API permission matrix: every role (and anonymous) × every endpoint × a target inside or
outside the caller's jurisdiction, through a bearer token and through a browser session.

Expected answers are derived from ``ROLE_PERMS``:

* anonymous → 401;
* endpoints that look their target up first (``sees``: the cases) → 404 for a caller who may
  not see it: one who holds ``sees`` nowhere, or whose jurisdiction does not reach the target
  (a case you may not see does not exist for you, whatever you would have done with it);
* a caller who holds the endpoint's permission nowhere → 403 (``denied``; audited);
* a caller who holds it, but the target lies outside their jurisdiction → 404 (no leak), or
  ``outside`` where the target is no object of the caller's jurisdiction (a reported point);
* otherwise the endpoint's success status.

A refused call must change nothing in the database; an allowed write must change something.
Showing or exporting personal data (rosters, party members) counts as a write: its audit entry
(PERSONAL_DATA_VIEWED / _EXPORTED) is part of :func:`db_state`.
Every cell is called with a bearer token; the older write endpoints also through a browser
session (with its CSRF header) — reads, and the rosters and party endpoints (``session=False``),
take the same path through both and would only add runtime.
Where a cell differs from the derivation for a reason of jurisdiction, ``cells`` says so beside
the endpoint; where the endpoint is wrong, ``xfail`` names the cell and the fix (strict: the
mark must go when the endpoint is fixed).
Roster and party targets are made per test, through the services as the system, only where
the URL or the body needs them (``targets_of`` / ``BUILDERS``).
To cover a new endpoint, add one ``Endpoint(...)`` line to ``ENDPOINTS``;
``test_every_api_operation_is_in_the_matrix`` fails until you do.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from openpyxl import load_workbook
from PIL import Image

from gridgov import conftest as _fixtures
from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.roles import ROLE_LEVELS, ROLE_PERMS, Perm, Role
from gridgov.accounts.services import department_create, token_issue
from gridgov.areas import geo
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.importers import hotline
from gridgov.cases.models import Case, CaseAttachment, CaseEvent, Category
from gridgov.cases.services import intake
from gridgov.command.models import Alert, Report, ReportSubscription
from gridgov.conftest import square
from gridgov.core import revisions
from gridgov.kernel.imports.models import ImportJob
from gridgov.mediation.disputes import services as disputes
from gridgov.mediation.documents import builtin as doc_builtin
from gridgov.mediation.models import (
    Committee,
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeKey,
    DisputeParty,
    DisputeSequence,
    DisputeType,
    DocumentTemplate,
    FollowUp,
    MediationRoom,
    MediationSession,
    Mediator,
    ScreeningEvent,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)
from gridgov.mediation.orgs import services as mediation_orgs
from gridgov.mediation.screening import services as screening_services
from gridgov.notifications.models import Notification, NotificationPreference
from gridgov.party import excel as party_excel
from gridgov.party import services as party_services
from gridgov.party.models import (
    Attendance,
    DualReport,
    Meeting,
    MemberTransfer,
    PartyEvent,
    PartyMember,
    PartyOrg,
)
from gridgov.rosters.models import (
    Building,
    BuildingMove,
    BuildingUnit,
    Estate,
    Household,
    Membership,
    Resident,
    ResidentTag,
    Room,
    RosterEvent,
    StaffAssignment,
    TagType,
    VillageGroup,
)
from gridgov.rosters.services import imports, people, places, staff, tags
from gridgov.rosters.tests.builders import valid_id
from gridgov.workcal import selectors as workcal
from gridgov.workcal.models import CalendarDay, CalendarRevision, CalendarYear

# The shared builders live in src/gridgov/conftest.py, which does not reach this folder.

STRONG = "Fengcheng#2026"
IN, OUT, NONE = "in", "out", "-"

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str  # formatted with the target context (see ``world``)
    # None: any signed-in user (reads are scoped by area.view); a tuple: any one of them.
    perm: str | tuple[str, ...] | None = None
    ok: int = 200
    body: Callable[[Ctx], dict[str, Any]] | None = None
    targets: tuple[str, ...] = (IN, OUT)
    denied: int = 403  # answer to a caller holding ``perm`` nowhere
    writes: bool = field(default=False)
    sees: str | None = None  # the target is looked up first, by this permission (see above)
    outside: int = 404  # answer to a holder of ``perm`` whose jurisdiction misses the target
    multipart: bool = False  # ``body`` is sent as multipart/form-data (files)
    # Run with the caller (None: anonymous) before the call; returns additions to the context.
    prepare: Callable[[Any, str], Ctx] | None = None
    # Write endpoints are called through a browser session too; the rosters and party ones
    # (which share the session path with the older ones) only with a token, to save time.
    session: bool = True
    # Roster/party targets the body needs besides those named in the URL (see ``targets_of``).
    needs: tuple[str, ...] = ()
    # Cells that differ from the derivation, each with its reason beside the endpoint.
    cells: tuple[tuple[str, str, int], ...] = ()
    # Cells whose answer is wrong (the endpoint needs fixing): (role, side) → reason.
    xfail: tuple[tuple[str, str, str], ...] = ()


def _w(**kw: Any) -> dict[str, Any]:
    return {"writes": True, **kw}


def _t(**kw: Any) -> dict[str, Any]:
    """A token-only endpoint (the rosters and party APIs)."""
    return {"session": False, **kw}


def _tw(**kw: Any) -> dict[str, Any]:
    """A token-only write."""
    return {"writes": True, "session": False, **kw}


M_AREA, M_USERS = Perm.MANAGE_AREA.value, Perm.MANAGE_USERS.value
C_VIEW, C_REPORT, C_HANDLE = Perm.CASE_VIEW.value, Perm.CASE_REPORT.value, Perm.CASE_HANDLE.value
C_TRIAGE, C_SUPERVISE = Perm.CASE_TRIAGE.value, Perm.CASE_SUPERVISE.value
C_CHECK = Perm.CASE_CHECK.value
C_IMPORT, STATS, CONFIG = Perm.CASE_IMPORT.value, Perm.VIEW_STATS.value, Perm.MANAGE_CONFIG.value
CMD = Perm.COMMAND_VIEW.value
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
R_VIEW, R_EDIT, R_EXPORT = Perm.ROSTER_VIEW.value, Perm.ROSTER_EDIT.value, Perm.ROSTER_EXPORT.value
R_UNMASK, P_VIEW, P_MANAGE = (
    Perm.ROSTER_UNMASK.value,
    Perm.PARTY_VIEW.value,
    Perm.PARTY_MANAGE.value,
)
R, P = "/api/v1/rosters", "/api/v1/party"
MD = "/api/v1/mediation"
M_VIEW, M_REPORT = Perm.MEDIATION_VIEW.value, Perm.MEDIATION_REPORT.value
M_TRIAGE, M_SUPERVISE = Perm.MEDIATION_TRIAGE.value, Perm.MEDIATION_SUPERVISE.value
M_SENSITIVE = Perm.MEDIATION_SENSITIVE.value
CMD = Perm.COMMAND_VIEW.value
MS = "/api/v1/mediation/screening"
MED_VIEW, MED_REPORT = Perm.MEDIATION_VIEW.value, Perm.MEDIATION_REPORT.value
MED_MANAGE = Perm.MEDIATION_MANAGE.value
MED = "/api/v1/mediation"
M_VIEW, M_MANAGE = Perm.MEDIATION_VIEW.value, Perm.MEDIATION_MANAGE.value
M_HANDLE, M_MANAGE, ME = (
    Perm.MEDIATION_HANDLE.value,
    Perm.MEDIATION_MANAGE.value,
    Role.MEDIATOR.value,
)
GW, BC, CS = Role.GRID_WORKER.value, Role.BUILDING_CHIEF.value, Role.COMMUNITY_STAFF.value
CMD = Perm.COMMAND_VIEW.value
DI, LE, AD = Role.DISPATCHER.value, Role.LEADER.value, Role.ADMIN.value


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _photos(c: Ctx) -> dict[str, Any]:
    return {"files": [SimpleUploadedFile("p.png", PNG, content_type="image/png")]}


def _hotline(c: Ctx) -> dict[str, Any]:
    # The template's example row lies in grid 1: the one importer (a dispatcher) imports it.
    xlsx = SimpleUploadedFile("12345.xlsx", hotline.build_template(), content_type=XLSX)
    return {"file": xlsx, "mode": "valid"}


def _own_notification(user: Any, side: str) -> Ctx:
    """An unread notification of the caller: IN is their own; OUT stays another user's."""
    if user is None:
        return {}
    n = Notification.objects.create(recipient=user, kind="case.assigned", title="新工单")
    return {"notification": n.pk} if side == IN else {}


def _const(**values: Any) -> Callable[[Any, str], Ctx]:
    return lambda user, side: values


def _to_check(action: str) -> Callable[[Any, str], Ctx]:
    """A resident's report waiting for the check (待核实) in the side's grid, which gets a grid
    worker of its own first."""

    def prepare(user: Any, side: str) -> Ctx:
        lon, lat = POINTS[side]
        grid = Area.objects.get(code="640110001001001" if side == IN else "640110100201001")
        checker, _new = User.objects.get_or_create(username=f"checker_{side}")
        RoleGrant.objects.get_or_create(user=checker, role=Role.GRID_WORKER, area=grid)
        case = intake.case_report(
            actor=None,
            source="resident",
            anonymous=True,
            category=Category.objects.get(code="0101"),
            title="路灯不亮",
            lon=lon,
            lat=lat,
        ).case
        assert case.status == "to_check"
        return {"case": case.pk, "version": case.version, "action": action}

    return prepare


def _notify_target(user: Any, side: str) -> Ctx:
    """A report in the side's grid, whose grid gets a grid worker first: the screen's "notify
    the grid worker" (POST /api/v1/command/notify) reaches them."""
    lon, lat = POINTS[side]
    grid = Area.objects.get(code="640110001001001" if side == IN else "640110100201001")
    worker, _new = User.objects.get_or_create(username=f"notified_{side}")
    RoleGrant.objects.get_or_create(user=worker, role=Role.GRID_WORKER, area=grid)
    case = intake.case_report(
        actor=None,
        source="resident",
        anonymous=True,
        category=Category.objects.get(code="0101"),
        title="窨井盖缺失",
        lon=lon,
        lat=lat,
    ).case
    return {"case": case.pk}


def _b64_photo(c: Ctx) -> list[str]:
    import base64

    return [base64.b64encode(PNG).decode()]


def _report(source: str) -> Callable[[Ctx], dict[str, Any]]:
    return lambda c: {
        "source": source,
        "category": c["category"],
        "title": "路灯不亮",
        "lon": c["lon"],
        "lat": c["lat"],
    }


def _today() -> str:
    return timezone.localdate().isoformat()


def _roster_upload(c: Ctx) -> dict[str, Any]:
    data = imports.template_bytes("residents")
    return {"file": SimpleUploadedFile("户籍.xlsx", data, content_type=XLSX), "mode": "valid"}


def _party_upload(c: Ctx) -> dict[str, Any]:
    """The template with its example row made valid (the example's ID number is not)."""
    wb = load_workbook(io.BytesIO(party_excel.build_template()))
    wb.worksheets[0]["B2"] = valid_id(date(1990, 1, 1))
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("党员.xlsx", out.getvalue(), content_type=XLSX)
    return {"file": upload, "org": c["org"]}


def _own_subscription(user: Any, side: str) -> Ctx:
    """A monthly-report subscription of the caller to the side's grid (made as the system)."""
    if user is not None:
        grid = Area.objects.get(code="640110001001001" if side == IN else "640110100201001")
        ReportSubscription.objects.create(user=user, area=grid, period="month")
    return {}


def _own_job(user: Any, side: str) -> Ctx:
    """An import job with an error sheet: IN is the caller's own; OUT stays another user's."""
    if user is None or side != IN:
        return {}
    return {"job": _job(user).pk}


def _job(user: Any) -> Any:
    return ImportJob.objects.create(
        kind="residents",
        mode="valid",
        actor=user,
        filename="户籍.xlsx",
        content=b"",
        status=ImportJob.Status.DONE,
        total_rows=1,
        processed_rows=1,
        error_count=1,
        error_sheet=b"PK-not-parsed-here",
        finished_at=timezone.now(),
    )


REASON = {"reason": "核实身份"}


def _new_resident(c: Ctx) -> dict[str, Any]:
    return {
        "household_id": c["household"],
        "name": "李四",
        "id_number": valid_id(),
        "relation": "99",
        "residence_type": "registered",
    }


def _new_member(c: Ctx) -> dict[str, Any]:
    return {
        "org_id": c["org"],
        "name": "党员乙",
        "id_number": valid_id(date(1980, 5, 1)),
        "status": "full",
        "joined_on": "2010-07-01",
        "confirmed_on": "2011-07-01",
    }


def _new_dual(c: Ctx) -> dict[str, Any]:
    return {
        "community_id": c["community"],
        "name": "赵六",
        "phone": "13900139001",
        "work_unit": "区税务局",
        "registered_on": _today(),
    }


def _new_dispute(c: Ctx) -> dict[str, Any]:
    return {
        "area_id": c["area"],
        "type": c["dtype"],
        "title": "邻里漏水纠纷",
        "source": "walk_in",
        "parties": [{"name": "张三"}, {"name": "李四", "role": "respondent"}],
    }


def _new_building(c: Ctx) -> dict[str, Any]:
    return {
        "area_id": c["area"],
        "name": "9号楼",
        "floors": 2,
        "units": 1,
        "rooms_per_floor": 2,
    }


def _new_post(c: Ctx) -> dict[str, Any]:
    return {
        "user_id": c["staffer"],
        "post": "part_time",
        "area_id": c["area"],
        "start_on": "2026-01-05",
    }


_YEAR = {
    "holidays": [{"start": "2026-10-01", "end": "2026-10-07", "name": "国庆节"}],
    "workdays": [{"date": "2026-10-10", "name": "国庆节"}],
}


def _signed_scan(c: Ctx) -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile("协议书签字.png", PNG, content_type="image/png"),
        "kind": "agreement",
    }


def _docx_template(c: Ctx) -> dict[str, Any]:
    data = doc_builtin.build_bytes("agreement")
    return {"file": SimpleUploadedFile("协议书.docx", data), "kind": "agreement", "name": "县版"}


def _uploaded_template(user: Any, side: str) -> Ctx:
    row = DocumentTemplate.objects.create(
        kind="agreement", name="旧版", file="mediation/templates/x.docx"
    )
    return {"template": row.pk}


def _type_id(user: Any, side: str) -> Ctx:
    return {"type_id": _dispute_type("neighbour", False).pk}


# fmt: off
ENDPOINTS = [
    Endpoint("me", "get", "/api/v1/me", targets=(NONE,)),
    Endpoint("token_list", "get", "/api/v1/auth/tokens", targets=(NONE,)),
    # Someone else's token is 404 for everyone but their administrators.
    Endpoint("token_revoke", "delete", "/api/v1/auth/tokens/{token}", M_USERS, denied=404, **_w()),
    Endpoint("area_list", "get", "/api/v1/areas?under={area}"),
    Endpoint("area_tree", "get", "/api/v1/areas/tree?depth=4", targets=(NONE,)),
    Endpoint("area_detail", "get", "/api/v1/areas/{area}"),
    Endpoint("area_children", "get", "/api/v1/areas/{area}/children"),
    Endpoint("area_geojson", "get", "/api/v1/areas/{area}/geojson"),
    Endpoint("area_locate", "get", "/api/v1/areas/locate?lon={lon}&lat={lat}"),
    Endpoint("area_create", "post", "/api/v1/areas", M_AREA, 201, lambda c: {"parent_id": c["parent"], "level": 6, "code": c["new_code"], "name": "新网格"}, **_w()),
    Endpoint("area_update", "patch", "/api/v1/areas/{area}", M_AREA, body=lambda c: {"name": "改名", "version": 1}, **_w()),
    Endpoint("area_boundary", "put", "/api/v1/areas/{area}/boundary", M_AREA, body=lambda c: {"geometry": c["smaller"], "version": 1}, **_w()),
    Endpoint("area_move", "post", "/api/v1/areas/{area}/move", M_AREA, body=lambda c: {"parent_id": c["parent"], "version": 1}, **_w()),
    Endpoint("user_list", "get", "/api/v1/users", M_USERS, targets=(NONE,)),
    Endpoint("user_create", "post", "/api/v1/users", M_USERS, 201, lambda c: {"username": "newbie", "password": STRONG}, targets=(NONE,), **_w()),
    Endpoint("user_detail", "get", "/api/v1/users/{user}", M_USERS),
    Endpoint("user_update", "patch", "/api/v1/users/{user}", M_USERS, body=lambda c: {"display_name": "改名"}, **_w()),
    Endpoint("user_password", "post", "/api/v1/users/{user}/password", M_USERS, 204, lambda c: {"password": STRONG}, **_w()),
    Endpoint("user_unlock", "post", "/api/v1/users/{user}/unlock", M_USERS, **_w()),
    Endpoint("grant_create", "post", "/api/v1/users/{user}/grants", M_USERS, 201, lambda c: {"role": "grid_worker", "area_id": c["area"]}, **_w()),
    Endpoint("grant_revoke", "delete", "/api/v1/grants/{grant}", M_USERS, 204, **_w()),
    Endpoint("department_list", "get", "/api/v1/departments", targets=(NONE,)),
    Endpoint("department_create", "post", "/api/v1/departments", M_USERS, 201, lambda c: {"name": "新部门", "kind": "justice", "area_id": c["parent"]}, **_w()),
    # Cases. The public channel (source resident) takes a report at any point from anyone
    # signed in; a staff channel (patrol) needs case.report where the point lies — outside, a
    # 403 (audited): the point is the caller's own input, nothing about it is disclosed.
    Endpoint("case_report", "post", "/api/v1/cases/report", None, 201, _report("resident"), outside=201, **_w()),
    Endpoint("case_report_patrol", "post", "/api/v1/cases/report", C_REPORT, 201, _report("patrol"), outside=403, **_w()),
    # Without case.view anywhere the list is the caller's own reports (the area filter then
    # does not apply): 200 with nothing of anyone else's.
    Endpoint("case_list", "get", "/api/v1/cases/?area={area}", C_VIEW, denied=200),
    Endpoint("case_queues", "get", "/api/v1/cases/queues", targets=(NONE,)),
    Endpoint("case_map", "get", "/api/v1/cases/map?area={area}", C_VIEW),
    # The command centre's live map: command.view at the area (every holder also holds the
    # measures', layers' and item sources' own view permissions there).
    Endpoint("command_map_grids", "get", "/api/v1/command/map/grids?area={area}&measure=cases.open", CMD),
    Endpoint("command_map_points", "get", "/api/v1/command/map/points?area={area}&layer=cases", CMD),
    Endpoint("command_item_case", "get", "/api/v1/command/items/{kind}/{case}", CMD, prepare=_const(kind="case")),
    Endpoint("command_item_dispute", "get", "/api/v1/command/items/{kind}/{dispute}", CMD, prepare=_const(kind="dispute")),
    Endpoint("case_detail", "get", "/api/v1/cases/{case}", sees=C_VIEW),
    Endpoint("case_timeline", "get", "/api/v1/cases/{case}/timeline", sees=C_VIEW),
    Endpoint("case_duplicates", "get", "/api/v1/cases/{case}/duplicates", sees=C_VIEW),
    # Typed-in personal data in clear: roster.unmask at the case's area, with a reason (audited).
    Endpoint("case_unmask", "post", "/api/v1/cases/{case}/unmask", R_UNMASK, body=lambda c: REASON, sees=C_VIEW, **_w()),
    Endpoint("case_proposal", "get", "/api/v1/cases/{case}/proposal", C_TRIAGE, sees=C_VIEW),
    Endpoint("case_photos", "post", "/api/v1/cases/{case}/photos", (C_REPORT, C_HANDLE), 201, _photos, sees=C_VIEW, multipart=True, **_w()),
    Endpoint("case_urge", "post", "/api/v1/cases/{case}/actions/{action}", C_SUPERVISE, prepare=_const(action="urge"), body=lambda c: {"version": c["version"], "message": "请尽快办理"}, sees=C_VIEW, **_w()),
    Endpoint("case_accept", "post", "/api/v1/cases/{case}/actions/{action}", C_TRIAGE, prepare=_const(action="accept"), body=lambda c: {"version": c["version"]}, sees=C_VIEW, **_w()),
    # The grid worker's check of a report (待核实): case.check where the report lies.
    Endpoint("case_check_confirm", "post", "/api/v1/cases/{case}/actions/{action}", C_CHECK, prepare=_to_check("check_confirm"), body=lambda c: {"version": c["version"], "note": "属实", "photos": _b64_photo(c)}, sees=C_VIEW, **_w()),
    Endpoint("case_check_resolve", "post", "/api/v1/cases/{case}/actions/{action}", C_CHECK, prepare=_to_check("check_resolve"), body=lambda c: {"version": c["version"], "reply": "已处理", "photos": _b64_photo(c)}, sees=C_VIEW, **_w()),
    Endpoint("case_check_reject", "post", "/api/v1/cases/{case}/actions/{action}", C_CHECK, prepare=_to_check("check_reject"), body=lambda c: {"version": c["version"], "reason": "untrue", "note": "现场无此情况"}, sees=C_VIEW, **_w()),
    Endpoint("case_check_pass_up", "post", "/api/v1/cases/{case}/actions/{action}", C_CHECK, prepare=_to_check("check_pass_up"), body=lambda c: {"version": c["version"], "note": "需上级处理"}, sees=C_VIEW, **_w()),
    Endpoint("hotline_import", "post", "/api/v1/cases/import/hotline", C_IMPORT, body=_hotline, targets=(NONE,), multipart=True, **_w()),
    Endpoint("hotline_template", "get", "/api/v1/cases/import/hotline/template", C_IMPORT, targets=(NONE,)),
    # 办理结果回传: case.import; unmasked also needs roster.unmask, which no importing role holds.
    Endpoint("hotline_results", "get", "/api/v1/cases/import/hotline/results?date_from=2026-01-01&date_to=2026-01-31", C_IMPORT, targets=(NONE,), **_w()),
    Endpoint("hotline_results_unmasked", "get", "/api/v1/cases/import/hotline/results?date_from=2026-01-01&date_to=2026-01-31&unmasked=true&reason=%E6%A0%B8%E5%AE%9E", C_IMPORT, targets=(NONE,), cells=((DI, NONE, 403),), **_w()),
    Endpoint("category_list", "get", "/api/v1/cases/categories", targets=(NONE,)),
    Endpoint("category_create", "post", "/api/v1/cases/categories", CONFIG, 201, lambda c: {"code": "Z9", "name": "新类别"}, targets=(NONE,), **_w()),
    Endpoint("category_update", "patch", "/api/v1/cases/categories/{category}", CONFIG, body=lambda c: {"name": "改名"}, targets=(NONE,), **_w()),
    Endpoint("stats_indicators", "get", "/api/v1/stats/indicators?area={area}", STATS),
    Endpoint("stats_series", "get", "/api/v1/stats/series?area={area}", STATS),
    Endpoint("stats_breakdown", "get", "/api/v1/stats/breakdown?area={area}", STATS),
    # Mediation figures: stats.view (every holder also holds mediation.view at the same grant).
    Endpoint("mediation_stats_indicators", "get", "/api/v1/mediation/stats/indicators?area={area}", STATS),
    Endpoint("mediation_stats_breakdown", "get", "/api/v1/mediation/stats/breakdown?area={area}", STATS),
    Endpoint("mediation_stats_mediators", "get", "/api/v1/mediation/stats/mediators?area={area}", STATS),
    # The command centre's scope, tiles and rankings: command.view at the area.
    Endpoint("command_scope", "get", "/api/v1/command/scope?area={area}", CMD),
    Endpoint("command_tiles", "get", "/api/v1/command/tiles?area={area}", CMD),
    Endpoint("command_rankings", "get", "/api/v1/command/rankings?area={area}", CMD),
    # Command-centre reports: stats.view at the area.
    Endpoint("command_reports_list", "get", "/api/v1/command/reports?area={area}", STATS),
    Endpoint("command_reports_generate", "post", "/api/v1/command/reports", STATS, body=lambda c: {"area": c["area"], "period": "day", "date": "2025-03-03"}, **_w()),
    Endpoint("command_reports_subscriptions", "get", "/api/v1/command/reports/subscriptions", STATS, targets=(NONE,)),
    Endpoint("command_reports_subscribe", "post", "/api/v1/command/reports/subscriptions", STATS, body=lambda c: {"area": c["area"], "period": "month"}, **_w()),
    Endpoint("command_reports_unsubscribe", "delete", "/api/v1/command/reports/subscriptions", STATS, body=lambda c: {"area": c["area"], "period": "month"}, prepare=_own_subscription, **_w()),
    # Everyone's own inbox: another user's notification is 404 (OUT).
    Endpoint("notification_list", "get", "/api/v1/notifications/", targets=(NONE,)),
    Endpoint("notification_count", "get", "/api/v1/notifications/unread-count", targets=(NONE,)),
    Endpoint("notification_read_all", "post", "/api/v1/notifications/read-all", targets=(NONE,), prepare=_own_notification, **_w()),
    Endpoint("notification_read", "post", "/api/v1/notifications/{notification}/read", prepare=_own_notification, **_w()),
    Endpoint("notification_settings", "get", "/api/v1/notifications/settings", targets=(NONE,)),
    Endpoint("notification_settings_update", "put", "/api/v1/notifications/settings", body=lambda c: {"settings": [{"topic": "case.due_soon", "inbox": False}]}, targets=(NONE,), **_w()),
    # The official holiday schedule is public to every signed-in client; entering it is not.
    Endpoint("calendar_years", "get", "/api/v1/calendar/years", targets=(NONE,)),
    Endpoint("calendar_year", "get", "/api/v1/calendar/years/{year}", targets=(NONE,)),
    Endpoint("calendar_year_put", "put", "/api/v1/calendar/years/{year}", CONFIG, body=lambda c: _YEAR, targets=(NONE,), **_w()),
    Endpoint("calendar_deadline", "get", "/api/v1/calendar/deadline?amount=3&unit=days", targets=(NONE,)),
    # --- Rosters: places. Lists and lookups go through the jurisdiction first (sees); writes
    # check roster.edit anywhere (403, audited) before looking the target up.
    Endpoint("estate_list", "get", R + "/estates?area={area}", sees=R_VIEW, **_t()),
    Endpoint("estate_create", "post", R + "/estates", R_EDIT, 201, lambda c: {"area_id": c["area"], "name": "新小区"}, **_tw()),
    Endpoint("estate_update", "patch", R + "/estates/{estate}", R_EDIT, body=lambda c: {"name": "改名"}, **_tw()),
    Endpoint("village_group_list", "get", R + "/village-groups?area={area}", sees=R_VIEW, **_t()),
    Endpoint("village_group_create", "post", R + "/village-groups", R_EDIT, 201, lambda c: {"area_id": c["area"], "name": "三组"}, **_tw()),
    Endpoint("village_group_update", "patch", R + "/village-groups/{group}", R_EDIT, body=lambda c: {"name": "改名"}, **_tw()),
    Endpoint("building_list", "get", R + "/buildings?area={area}", sees=R_VIEW, **_t()),
    Endpoint("building_create", "post", R + "/buildings", R_EDIT, 201, _new_building, **_tw()),
    Endpoint("building_detail", "get", R + "/buildings/{building}", sees=R_VIEW, **_t()),
    Endpoint("building_update", "patch", R + "/buildings/{building}", R_EDIT, body=lambda c: {"version": c["building_version"], "name": "改名"}, **_tw()),
    # IN: from grid 1 to grid 2, which a grid worker of grid 1 does not reach (404 there).
    Endpoint("building_move", "post", R + "/buildings/{building}/move", R_EDIT, body=lambda c: {"to_area_id": c["to_area"], "reason": "网格调整"}, cells=((GW, IN, 404),), **_tw()),
    Endpoint("building_grid", "get", R + "/buildings/{building}/grid", sees=R_VIEW, **_t()),
    Endpoint("unit_add", "post", R + "/buildings/{building}/units", R_EDIT, 201, lambda c: {"name": ""}, **_tw()),
    Endpoint("room_add", "post", R + "/buildings/{building}/rooms", R_EDIT, 201, lambda c: {"unit_id": c["unit"], "floor": 3}, **_tw()),
    Endpoint("staff_list", "get", R + "/staff-posts?area={area}", sees=R_VIEW, **_t()),
    Endpoint("staff_assign", "post", R + "/staff-posts", R_EDIT, 201, _new_post, needs=("staffer",), **_tw()),
    Endpoint("staff_end", "post", R + "/staff-posts/{post}/end", R_EDIT, body=lambda c: {"end_on": _today()}, **_tw()),
    Endpoint("grid_portrait", "get", R + "/grids/{area}/portrait", sees=R_VIEW, **_t()),
    # --- Rosters: Excel. Import jobs are their owner's: another user's is 404 (OUT).
    Endpoint("roster_template", "get", R + "/templates/{kind}", R_EDIT, prepare=_const(kind="residents"), targets=(NONE,), **_t()),
    Endpoint("roster_import", "post", R + "/imports", R_EDIT, 201, _roster_upload, targets=(NONE,), multipart=True, **_tw()),
    Endpoint("roster_import_job", "get", R + "/imports/{job}", prepare=_own_job, **_t()),
    Endpoint("roster_import_errors", "get", R + "/imports/{job}/errors", prepare=_own_job, **_t()),
    # --- Import jobs of every kind (kernel): a job is its owner's, another user's is 404 (OUT).
    Endpoint("import_kinds", "get", "/api/v1/imports/kinds", targets=(NONE,)),
    Endpoint("import_kind_template", "get", "/api/v1/imports/kinds/{kind}/template", C_IMPORT, prepare=_const(kind="hotline"), targets=(NONE,)),
    Endpoint("import_job_create", "post", "/api/v1/imports/jobs", C_IMPORT, 201, lambda c: {**_hotline(c), "kind": "hotline"}, targets=(NONE,), multipart=True, **_w()),
    Endpoint("import_job_list", "get", "/api/v1/imports/jobs", targets=(NONE,)),
    Endpoint("import_job", "get", "/api/v1/imports/jobs/{job}", prepare=_own_job),
    Endpoint("import_job_errors", "get", "/api/v1/imports/jobs/{job}/errors", prepare=_own_job),
    Endpoint("import_job_retry", "post", "/api/v1/imports/jobs/{job}/retry", prepare=_own_job),
    # Exports are audited (PERSONAL_DATA_EXPORTED): an allowed one writes.
    Endpoint("roster_export", "get", R + "/exports/{kind}?area={area}", R_EXPORT, prepare=_const(kind="residents"), sees=R_VIEW, **_tw()),
    Endpoint("roster_export_unmasked", "get", R + "/exports/{kind}?area={area}&unmasked=true&reason=%E6%A0%B8%E5%AE%9E", R_UNMASK, prepare=_const(kind="residents"), sees=R_VIEW, **_tw()),
    # --- Rosters: people.
    Endpoint("resident_list", "get", R + "/residents?area={area}", R_VIEW, **_t()),
    # The household is the caller's input: one outside is a 400 on its field (as unknown).
    Endpoint("resident_create", "post", R + "/residents", R_EDIT, 201, _new_resident, needs=("household",), outside=400, **_tw()),
    Endpoint("resident_detail", "get", R + "/residents/{resident}", sees=R_VIEW, **_t()),
    Endpoint("resident_update", "patch", R + "/residents/{resident}", R_EDIT, body=lambda c: {"version": c["resident_version"], "name": "改名"}, sees=R_VIEW, **_tw()),
    Endpoint("resident_move_out", "post", R + "/residents/{resident}/move-out", R_EDIT, body=lambda c: {"on": _today()}, sees=R_VIEW, **_tw()),
    Endpoint("resident_died", "post", R + "/residents/{resident}/died", R_EDIT, body=lambda c: {"on": _today()}, sees=R_VIEW, **_tw()),
    Endpoint("resident_household", "post", R + "/residents/{resident}/household", R_EDIT, body=lambda c: {"household_id": c["household2"], "relation": "99", "on": _today()}, sees=R_VIEW, needs=("household2",), **_tw()),
    Endpoint("resident_unmask", "post", R + "/residents/{resident}/unmask", R_UNMASK, body=lambda c: REASON, sees=R_VIEW, **_tw()),
    Endpoint("tag_list", "get", R + "/residents/{resident}/tags", sees=R_VIEW, **_t()),
    Endpoint("tag_create", "post", R + "/residents/{resident}/tags", R_EDIT, 201, lambda c: {"tag_type": "veteran", "start_on": "2025-01-01"}, sees=R_VIEW, **_tw()),
    Endpoint("tag_update", "patch", R + "/residents/{resident}/tags/{tag}", R_EDIT, body=lambda c: {"version": c["tag_version"], "note": "已核实"}, sees=R_VIEW, **_tw()),
    Endpoint("tag_end", "post", R + "/residents/{resident}/tags/{tag}/end", R_EDIT, body=lambda c: {"on": _today()}, sees=R_VIEW, **_tw()),
    Endpoint("tag_type_list", "get", R + "/tag-types", targets=(NONE,), **_t()),
    Endpoint("tag_type_create", "post", R + "/tag-types", CONFIG, 201, lambda c: {"code": "new_group", "name": "新群体"}, targets=(NONE,), **_tw()),
    Endpoint("tag_type_update", "patch", R + "/tag-types/{tag_type}", CONFIG, body=lambda c: {"name": "改名"}, targets=(NONE,), **_tw()),
    Endpoint("household_list", "get", R + "/households?area={area}", R_VIEW, **_t()),
    Endpoint("household_create", "post", R + "/households", R_EDIT, 201, lambda c: {"area_id": c["area"], "household_type": "resident", "address": "1号楼1单元101室"}, **_tw()),
    Endpoint("household_detail", "get", R + "/households/{household}", sees=R_VIEW, **_t()),
    # --- Party: reads need party.view (403 without it anywhere), writes party.manage; the
    # organisation, member, meeting or 双报到 is looked up first (sees).
    Endpoint("party_org_list", "get", P + "/orgs?parent={org}", P_VIEW, **_t()),
    Endpoint("party_org_tree", "get", P + "/orgs/tree", P_VIEW, targets=(NONE,), **_t()),
    Endpoint("party_org_detail", "get", P + "/orgs/{org}", sees=P_VIEW, **_t()),
    Endpoint("party_org_create", "post", P + "/orgs", P_MANAGE, 201, lambda c: {"name": "新党支部", "kind": "branch", "area_id": c["area"]}, **_tw()),
    Endpoint("party_org_update", "patch", P + "/orgs/{org}", P_MANAGE, body=lambda c: {"name": "改名"}, **_tw()),
    Endpoint("party_member_list", "get", P + "/members?org={org}", P_VIEW, **_t()),
    Endpoint("party_member_create", "post", P + "/members", P_MANAGE, 201, _new_member, needs=("org",), **_tw()),
    Endpoint("party_member_template", "get", P + "/members/template", P_VIEW, targets=(NONE,), **_t()),
    # Party view anywhere first, then the organisation (404 outside), then roster.export (and
    # roster.unmask) at it: who may see but not export gets 404 outside, 403 inside.
    Endpoint("party_member_export", "get", P + "/members/export?org={org}", R_EXPORT, cells=((AD, OUT, 404),), **_tw()),
    Endpoint("party_member_export_unmasked", "post", P + "/members/export", R_UNMASK, body=lambda c: {**REASON, "org": c["org"]}, needs=("org",), cells=((GW, OUT, 404), (AD, OUT, 404)), **_tw()),
    Endpoint("party_member_import", "post", P + "/members/import", P_MANAGE, body=_party_upload, needs=("org",), multipart=True, **_tw()),
    Endpoint("party_member_detail", "get", P + "/members/{member}", sees=P_VIEW, **_t()),
    Endpoint("party_member_update", "patch", P + "/members/{member}", P_MANAGE, body=lambda c: {"version": c["member_version"], "name": "改名"}, **_tw()),
    Endpoint("party_member_confirm", "post", P + "/members/{member}/confirm", P_MANAGE, body=lambda c: {"on": _today(), "version": c["member_version"]}, **_tw()),
    Endpoint("party_member_transfer", "post", P + "/members/{member}/transfer", P_MANAGE, body=lambda c: {"to_org_id": c["org2"], "on": _today()}, needs=("org2",), **_tw()),
    Endpoint("party_member_leave", "post", P + "/members/{member}/leave", P_MANAGE, body=lambda c: {"on": _today(), "reason": "去世"}, **_tw()),
    Endpoint("party_member_transfers", "get", P + "/members/{member}/transfers", sees=P_VIEW, **_t()),
    Endpoint("party_member_unmask", "post", P + "/members/{member}/unmask", R_UNMASK, body=lambda c: REASON, sees=P_VIEW, **_tw()),
    # 双报到 registrations belong to a community: IN is 凤鸣社区, above a grid worker of grid 1.
    Endpoint("party_dual_list", "get", P + "/dual-reports?community={community}", P_VIEW, cells=((GW, IN, 404),), **_t()),
    Endpoint("party_dual_create", "post", P + "/dual-reports", P_MANAGE, 201, _new_dual, **_tw()),
    Endpoint("party_dual_detail", "get", P + "/dual-reports/{dual}", sees=P_VIEW, cells=((GW, IN, 404),), **_t()),
    Endpoint("party_dual_unmask", "post", P + "/dual-reports/{dual}/unmask", R_UNMASK, body=lambda c: REASON, sees=P_VIEW, cells=((GW, IN, 404),), **_tw()),
    Endpoint("party_dual_end", "post", P + "/dual-reports/{dual}/end", P_MANAGE, body=lambda c: {"on": _today()}, **_tw()),
    Endpoint("party_meeting_list", "get", P + "/meetings?org={org}", P_VIEW, **_t()),
    Endpoint("party_meeting_create", "post", P + "/meetings", P_MANAGE, 201, lambda c: {"org_id": c["org"], "meeting_type": "congress", "held_on": _today(), "topic": "学习党章"}, needs=("org",), **_tw()),
    Endpoint("party_meeting_detail", "get", P + "/meetings/{meeting}", sees=P_VIEW, **_t()),
    Endpoint("party_meeting_update", "patch", P + "/meetings/{meeting}", P_MANAGE, body=lambda c: {"version": c["meeting_version"], "topic": "改题"}, **_tw()),
    # --- Mediation: disputes. Registering needs mediation.report at the area (the area is the
    # caller's input: outside, a 403, audited); a dispute is looked up first (sees), a sensitive
    # one only with mediation.sensitive there.
    Endpoint("dispute_register", "post", MD + "/disputes", M_REPORT, 201, _new_dispute, needs=("dtype",), outside=403, **_w()),
    Endpoint("dispute_list", "get", MD + "/disputes?area={area}", M_VIEW),
    Endpoint("dispute_detail", "get", MD + "/disputes/{dispute}", sees=M_VIEW),
    Endpoint("dispute_detail_sensitive", "get", MD + "/disputes/{sensitive}", sees=M_SENSITIVE),
    Endpoint("dispute_accept", "post", MD + "/disputes/{dispute}/actions/{action}", M_TRIAGE, prepare=_const(action="accept"), body=lambda c: {"version": c["dispute_version"]}, sees=M_VIEW, **_w()),
    Endpoint("dispute_urge", "post", MD + "/disputes/{dispute}/actions/{action}", M_SUPERVISE, prepare=_const(action="urge"), body=lambda c: {"message": "请尽快调解"}, sees=M_VIEW, **_w()),
    Endpoint("high_risk_board", "get", MD + "/board/high-risk", M_VIEW, targets=(NONE,)),
    # --- Mediation: screening (摸排). Rounds and coverage need mediation.view (403 without it
    # anywhere), filing mediation.report at the grid, plans and opening rounds mediation.manage;
    # the side's round is opened at its community (IN 凤鸣社区, OUT 金沙村).
    Endpoint("screening_round_list", "get", MS + "/rounds?area={area}", MED_VIEW),
    Endpoint("screening_round_create", "post", MS + "/rounds", MED_MANAGE, 201, lambda c: {"area_id": c["parent"], "period": "weekly"}, **_tw()),
    Endpoint("screening_round_coverage", "get", MS + "/rounds/{screening_round}/coverage", MED_VIEW),
    Endpoint("screening_my_returns", "get", MS + "/returns/mine", MED_REPORT, targets=(NONE,)),
    Endpoint("screening_return_file", "post", MS + "/returns/{screening_return}/file", MED_REPORT, body=lambda c: {"version": c["screening_return_version"], "nothing_found": True, "key": "k1"}, **_w()),
    Endpoint("screening_plan_list", "get", MS + "/plans", MED_MANAGE, targets=(NONE,)),
    Endpoint("screening_plan_put", "put", MS + "/plans", MED_MANAGE, body=lambda c: {"area_id": c["parent"], "period": "monthly"}, **_tw()),
    # --- Mediation organisations: reads need mediation.view (403 without it anywhere; an area
    # or row outside: 404), writes mediation.manage; dispute types are one list (manage anywhere).
    Endpoint("mediation_committee_list", "get", MED + "/committees?area={area}", M_VIEW, **_t()),
    Endpoint("mediation_committee_create", "post", MED + "/committees", M_MANAGE, 201, lambda c: {"name": "新调委会", "area_id": c["area"]}, **_tw()),
    Endpoint("mediation_committee_update", "patch", MED + "/committees/{committee}", M_MANAGE, body=lambda c: {"name": "改名"}, **_tw()),
    Endpoint("mediation_room_list", "get", MED + "/rooms?area={area}", M_VIEW, **_t()),
    Endpoint("mediation_room_create", "post", MED + "/rooms", M_MANAGE, 201, lambda c: {"name": "新调解室", "area_id": c["area"]}, **_tw()),
    Endpoint("mediation_room_update", "patch", MED + "/rooms/{room}", M_MANAGE, body=lambda c: {"name": "改名"}, **_tw()),
    Endpoint("mediator_list", "get", MED + "/mediators?area={area}", M_VIEW, **_t()),
    Endpoint("mediator_create", "post", MED + "/mediators", M_MANAGE, 201, lambda c: {"name": "调解员乙", "area_id": c["area"], "phone": "13900139003"}, **_tw()),
    Endpoint("mediator_update", "patch", MED + "/mediators/{mediator}", M_MANAGE, body=lambda c: {"specialty": "邻里纠纷"}, **_tw()),
    Endpoint("dispute_type_list", "get", MED + "/dispute-types", M_VIEW, targets=(NONE,), **_t()),
    Endpoint("dispute_type_create", "post", MED + "/dispute-types", M_MANAGE, 201, lambda c: {"code": "pets", "name": "宠物"}, targets=(NONE,), **_tw()),
    Endpoint("dispute_type_update", "patch", MED + "/dispute-types/{dispute_type}", M_MANAGE, body=lambda c: {"deadline_days": 20}, targets=(NONE,), prepare=lambda user, side: {"dispute_type": DisputeType.objects.get(code="labour").pk}, **_tw()),
    # --- Mediation documents. The agreement (full ID numbers: audited) and the signed scan need
    # mediation.handle or .triage at the dispute's area; templates mediation.manage (anywhere).
    # 转人民调解: the case is looked up first (case.view), then mediation.report at its area.
    # Opening a case from a dispute also needs case.report there, which a mediator lacks.
    Endpoint("document_application", "post", MD + "/disputes/{doc_dispute}/documents/{kind}", M_VIEW, prepare=_const(kind="application"), body=lambda c: {}, sees=M_VIEW, session=False),
    Endpoint("document_agreement", "post", MD + "/disputes/{doc_dispute}/documents/{kind}", (M_HANDLE, M_TRIAGE), prepare=_const(kind="agreement"), body=lambda c: {"terms": "双方和解"}, sees=M_VIEW, **_tw()),
    Endpoint("signed_documents", "get", MD + "/disputes/{doc_dispute}/signed-documents", sees=M_VIEW, **_t()),
    Endpoint("signed_upload", "post", MD + "/disputes/{doc_dispute}/signed-documents", (M_HANDLE, M_TRIAGE), 201, _signed_scan, sees=M_VIEW, multipart=True, **_tw()),
    Endpoint("document_templates", "get", MD + "/documents/templates", M_MANAGE, targets=(NONE,), **_t()),
    Endpoint("document_template_upload", "post", MD + "/documents/templates", M_MANAGE, 201, _docx_template, targets=(NONE,), multipart=True, **_tw()),
    Endpoint("document_template_deactivate", "post", MD + "/documents/templates/{template}/deactivate", M_MANAGE, prepare=_uploaded_template, targets=(NONE,), **_tw()),
    Endpoint("document_template_file", "get", MD + "/documents/templates/{kind}/file", M_MANAGE, prepare=_const(kind="agreement"), targets=(NONE,), **_t()),
    Endpoint("case_to_mediation", "post", MD + "/cases/{case}/to-mediation", M_REPORT, 201, lambda c: {"version": c["version"], "type_id": c["type_id"]}, sees=C_VIEW, prepare=_type_id, **_tw()),
    Endpoint("dispute_open_case", "post", MD + "/disputes/{doc_dispute}/open-case", M_TRIAGE, 201, lambda c: {"version": c["doc_dispute_version"], "category": c["category"]}, sees=M_VIEW, cells=((ME, IN, 403),), **_tw()),
    # --- Command centre: the screen's "notify the grid worker" (command.view, then the item's
    # own case.view through its item source: outside the jurisdiction a 404).
    Endpoint("command_notify", "post", "/api/v1/command/notify", Perm.COMMAND_VIEW.value, body=lambda c: {"item_kind": "case", "item_id": c["case"], "message": "请立即到现场核实"}, prepare=_notify_target, **_w()),
    # --- Command centre: alerts. command.view (dispatcher, leader, admin) and the rule's own
    # permission at the alert's area; without command.view anywhere 403 (audited), an area or
    # an alert outside the jurisdiction 404.
    Endpoint("command_alert_list", "get", "/api/v1/command/alerts?area={area}", CMD),
    Endpoint("command_alert_acknowledge", "post", "/api/v1/command/alerts/{alert}/acknowledge", CMD, **_w()),
]
# fmt: on
BY_NAME = {e.name: e for e in ENDPOINTS}
PUBLIC = {("post", "/api/v1/auth/token")}  # no authentication by design

# Where each role is granted: the deepest node of the 凤鸣街道 branch its ROLE_LEVELS allow.
# Everything in the 金沙镇 branch is then outside every caller's jurisdiction.
BRANCH = ("grid1", "community", "street")
ACTORS: list[str | None] = [None, *Role.values]


def home_of(role: str) -> str:
    low, high = ROLE_LEVELS[role]
    levels = {"grid1": 6, "community": 5, "street": 4}
    return next(n for n in BRANCH if low <= levels[n] <= high)


def expected(role: str | None, ep: Endpoint, side: str) -> int:
    if role is None:
        return 401
    for cell_role, cell_side, status in ep.cells:
        if (cell_role, cell_side) == (role, side):
            return status
    held = ROLE_PERMS[role]
    if ep.sees is not None and (ep.sees not in held or side == OUT):
        return 404
    if role == Role.DEPT_HANDLER and "{case}" in ep.url and ep.sees == C_VIEW:
        return 404  # the world's case never went to the handler's department
    if (
        role == Role.BUILDING_CHIEF
        and ep.sees == R_VIEW
        and ("{resident}" in ep.url or "{household}" in ep.url)
    ):
        return 404  # a chief reads the households of their buildings; this one holds no post
    perms = (ep.perm,) if isinstance(ep.perm, str) else ep.perm
    if perms is not None and not any(p in held for p in perms):
        return ep.denied
    if side == OUT:
        return ep.outside
    return ep.ok


# Cells spelled out by hand, so a wrong derivation cannot pass silently.
EXPLICIT = [
    (None, "me", NONE, 401),
    (None, "grant_revoke", IN, 401),
    (Role.RESIDENT, "area_detail", IN, 200),
    (Role.RESIDENT, "area_detail", OUT, 404),
    (Role.RESIDENT, "area_locate", OUT, 404),
    (Role.GRID_WORKER, "area_update", IN, 403),
    (Role.GRID_WORKER, "area_update", OUT, 403),
    (Role.DISPATCHER, "user_list", NONE, 403),
    (Role.LEADER, "token_revoke", IN, 404),
    (Role.DEPT_HANDLER, "department_list", NONE, 200),
    (Role.COMMUNITY_STAFF, "grant_create", IN, 403),
    (Role.ADMIN, "area_update", IN, 200),
    (Role.ADMIN, "area_update", OUT, 404),
    (Role.ADMIN, "area_create", IN, 201),
    (Role.ADMIN, "user_detail", OUT, 404),
    (Role.ADMIN, "user_password", IN, 204),
    (Role.ADMIN, "token_revoke", IN, 200),
    (Role.ADMIN, "grant_revoke", OUT, 404),
    (None, "case_report", IN, 401),
    (Role.RESIDENT, "case_report", OUT, 201),
    (Role.RESIDENT, "case_detail", IN, 404),
    (Role.RESIDENT, "case_urge", IN, 404),
    (Role.GRID_WORKER, "case_detail", IN, 200),
    (Role.GRID_WORKER, "case_detail", OUT, 404),
    (Role.GRID_WORKER, "case_urge", IN, 403),
    (Role.GRID_WORKER, "case_urge", OUT, 404),
    (Role.DEPT_HANDLER, "case_report_patrol", IN, 403),
    (Role.BUILDING_CHIEF, "case_report_patrol", OUT, 403),
    (Role.LEADER, "case_urge", IN, 200),
    (Role.COMMUNITY_STAFF, "case_unmask", IN, 200),
    (Role.COMMUNITY_STAFF, "case_unmask", OUT, 404),
    (Role.DISPATCHER, "case_unmask", IN, 403),
    (Role.RESIDENT, "case_unmask", IN, 404),
    (Role.LEADER, "case_photos", IN, 403),
    (Role.DISPATCHER, "case_accept", OUT, 404),
    (Role.DISPATCHER, "hotline_import", NONE, 200),
    (Role.DISPATCHER, "hotline_results", NONE, 200),
    (Role.LEADER, "hotline_results", NONE, 403),
    (Role.DISPATCHER, "hotline_results_unmasked", NONE, 403),
    (Role.COMMUNITY_STAFF, "hotline_results_unmasked", NONE, 403),
    (Role.COMMUNITY_STAFF, "stats_indicators", OUT, 404),
    (Role.GRID_WORKER, "stats_indicators", IN, 403),
    (Role.LEADER, "command_tiles", IN, 200),
    (Role.DISPATCHER, "command_tiles", OUT, 404),
    (Role.COMMUNITY_STAFF, "command_rankings", IN, 403),
    (Role.RESIDENT, "notification_read", OUT, 404),
    (Role.ADMIN, "calendar_year_put", NONE, 200),
    (Role.DISPATCHER, "category_create", NONE, 403),
    (None, "resident_list", IN, 401),
    (Role.RESIDENT, "resident_detail", IN, 404),
    (Role.BUILDING_CHIEF, "resident_list", IN, 200),
    (Role.BUILDING_CHIEF, "resident_detail", IN, 404),  # holds no post for the building
    (Role.DEPT_HANDLER, "case_detail", IN, 404),  # the case never went to its department
    (Role.BUILDING_CHIEF, "resident_update", IN, 404),  # looked up first: not of its building
    (Role.GRID_WORKER, "resident_unmask", IN, 403),
    (Role.COMMUNITY_STAFF, "resident_unmask", IN, 200),
    (Role.COMMUNITY_STAFF, "resident_unmask", OUT, 404),
    (Role.GRID_WORKER, "roster_export_unmasked", IN, 403),
    (Role.LEADER, "roster_export", IN, 200),
    (Role.LEADER, "roster_export", OUT, 404),
    (Role.DISPATCHER, "roster_export", IN, 403),
    (Role.ADMIN, "tag_type_create", NONE, 201),
    (Role.COMMUNITY_STAFF, "tag_type_create", NONE, 403),
    (Role.GRID_WORKER, "building_create", IN, 201),
    (Role.LEADER, "building_create", IN, 403),
    (Role.GRID_WORKER, "party_member_detail", IN, 200),
    (Role.GRID_WORKER, "party_member_unmask", IN, 403),
    (Role.COMMUNITY_STAFF, "party_member_unmask", IN, 200),
    (Role.DISPATCHER, "party_org_tree", NONE, 403),
    (Role.LEADER, "party_meeting_create", IN, 201),
    (Role.GRID_WORKER, "dispute_register", IN, 201),
    (Role.GRID_WORKER, "dispute_register", OUT, 403),
    (Role.RESIDENT, "dispute_list", IN, 403),
    (Role.GRID_WORKER, "dispute_detail", IN, 200),
    (Role.GRID_WORKER, "dispute_detail_sensitive", IN, 404),
    (Role.MEDIATOR, "dispute_detail_sensitive", IN, 200),
    (Role.DISPATCHER, "dispute_detail_sensitive", OUT, 404),
    (Role.DEPT_HANDLER, "dispute_detail", IN, 404),
    (Role.GRID_WORKER, "dispute_accept", IN, 403),
    (Role.MEDIATOR, "dispute_accept", IN, 200),
    (Role.LEADER, "dispute_urge", IN, 200),
    (Role.COMMUNITY_STAFF, "dispute_urge", IN, 403),
    (Role.DISPATCHER, "high_risk_board", NONE, 200),
    (Role.RESIDENT, "high_risk_board", NONE, 403),
    (Role.DISPATCHER, "mediation_committee_create", IN, 201),
    (Role.DISPATCHER, "mediation_committee_create", OUT, 404),
    (Role.COMMUNITY_STAFF, "mediation_room_create", IN, 403),
    (Role.MEDIATOR, "mediator_list", IN, 200),
    (Role.MEDIATOR, "mediator_update", IN, 403),
    (Role.RESIDENT, "dispute_type_list", NONE, 403),
    (Role.DISPATCHER, "command_notify", IN, 200),
    (Role.DISPATCHER, "command_notify", OUT, 404),
    (Role.LEADER, "command_notify", IN, 200),
    (Role.GRID_WORKER, "command_notify", IN, 403),
    (Role.DEPT_HANDLER, "command_notify", IN, 403),
    (Role.DISPATCHER, "command_alert_list", IN, 200),
    (Role.DISPATCHER, "command_alert_list", OUT, 404),
    (Role.COMMUNITY_STAFF, "command_alert_list", IN, 403),
    (Role.LEADER, "command_alert_acknowledge", IN, 200),
    (Role.ADMIN, "command_alert_acknowledge", OUT, 404),
    (Role.GRID_WORKER, "command_alert_acknowledge", IN, 403),
]


def cases() -> list[Any]:
    out = []
    for role in ACTORS:
        for ep in ENDPOINTS:
            for side in ep.targets:
                modes = ("token", "session") if ep.writes and ep.session else ("token",)
                reasons = [r for who, s, r in ep.xfail if (who, s) == (role, side)]
                marks = [pytest.mark.xfail(reason=reasons[0], strict=True)] if reasons else []
                for mode in modes if role else ("none",):
                    out.append(
                        pytest.param(
                            role, ep, side, mode, id=f"{role}-{ep.name}-{side}-{mode}", marks=marks
                        )
                    )
    return out


# --- World ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_locator():
    # The point locator caches its index by boundary revision, a counter that a rolled-back
    # test resets while PostgreSQL's id sequences move on: start every test from scratch. The
    # working-day table likewise (by calendar revision).
    geo.locator.reset()
    workcal.cache.reset()
    revisions.reset_caches()


@pytest.fixture(scope="module")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media(settings, _media_dir):
    settings.MEDIA_ROOT = str(_media_dir)


@pytest.fixture(scope="module")
def _world_rows(django_db_setup, django_db_blocker) -> Iterator[dict[str, Ctx]]:
    """The tree and the world's rows, made once for the module (setUpTestData): every test runs
    in a savepoint inside, so it sees them as made and its own changes are rolled back."""
    yield from _fixtures.kept_for_scope(
        django_db_blocker, lambda: _build_world(_fixtures.build_tree(), _fixtures.user_builder())
    )


@pytest.fixture
def world(db, _world_rows) -> dict[str, Ctx]:
    """A copy of the world of its own for each test (a test may change the objects)."""
    return copy.deepcopy(_world_rows)


@pytest.fixture
def tree(world):
    """The world's tree (one tree per database: a second one would clash with its codes)."""
    return world[NONE]["tree"]


@pytest.fixture
def make_user(world):
    return world[NONE]["make_user"]


def _build_world(tree, make_user) -> dict[str, Ctx]:
    """Two target people, one inside (a resident of grid 1, locked out) and one outside (a
    resident of the 金沙村 grid), with a token each; and the context of each side. The cases and
    notifications are added by :func:`targets_of` only where an endpoint needs them."""
    dept = department_create(actor=None, name="区城管局", kind="urban_management", area=tree.county)
    locked = timezone.now() + timedelta(minutes=10)
    t_in = make_user("target_in", ("resident", tree.grid1), locked_until=locked)
    t_out = make_user("target_out", ("resident", tree.grid3), locked_until=locked)
    token_in, _ = token_issue(user=t_in)
    token_out, _ = token_issue(user=t_out)
    leaf = Category.objects.get(code="0101")  # 暴露垃圾: no extra fields
    common = {"dept": dept, "category": leaf.pk, "year": 2026, "tree": tree, "make_user": make_user}
    return {
        IN: {
            **common,
            "area": tree.grid1.pk,
            "parent": tree.community.pk,
            "user": t_in.pk,
            "grant": t_in.grants.get().pk,
            "token": token_in.pk,
            "target": t_in,
            "lon": 106.205,
            "lat": 38.505,
            "new_code": "640110001001003",
            "smaller": square(106.201, 38.501, 0.005),
            "community": tree.community.pk,
            "to_area": tree.grid2.pk,
        },
        OUT: {
            **common,
            "area": tree.grid3.pk,
            "parent": tree.village.pk,
            "user": t_out.pk,
            "grant": t_out.grants.get().pk,
            "token": token_out.pk,
            "target": t_out,
            "lon": 106.305,
            "lat": 38.605,
            "new_code": "640110100201002",
            "smaller": square(106.301, 38.601, 0.005),
            "community": tree.village.pk,
            "to_area": tree.grid2.pk,
        },
        NONE: common,
    }


POINTS = {IN: (106.205, 38.505), OUT: (106.305, 38.605)}


def targets_of(ep: Endpoint, side: str, ctx: Ctx) -> Ctx:
    """An anonymous report in the side's grid, and a notification of the side's target person,
    for the endpoints that act on them (made only there: a report costs time in every cell)."""
    extra: Ctx = {}
    if "{case}" in ep.url or ep.name in ("case_list", "case_queues"):
        lon, lat = POINTS[side if side != NONE else IN]
        case = intake.case_report(
            actor=None,
            source="resident",
            anonymous=True,
            category=ctx["category"],
            title="垃圾未清运",
            lon=lon,
            lat=lat,
        ).case
        extra.update(case=case.pk, version=case.version)
    if "{notification}" in ep.url and side != NONE:
        n = Notification.objects.create(recipient=ctx["target"], kind="case.assigned", title="新")
        extra["notification"] = n.pk
    wanted = {*re.findall(r"\{(\w+)\}", ep.url), *ep.needs} & set(BUILDERS)
    for key in sorted(wanted):
        _build(key, side, {**ctx, **extra}, extra)
    return extra


# --- Roster and party targets, made through the services as the system (actor=None) ------------
# Each builder adds its keys to ``out`` and may need others first (``DEPENDS``).


def _grid(ctx: Ctx) -> Area:
    return Area.objects.get(pk=ctx["area"])


def _b_building(side: str, ctx: Ctx) -> Ctx:
    b = places.building_create(
        actor=None, area=_grid(ctx), name="1号楼", floors=2, units=1, rooms_per_floor=2
    )
    return {"building": b.pk, "building_version": b.version, "unit": b.units.get().pk}


def _b_estate(side: str, ctx: Ctx) -> Ctx:
    return {"estate": places.estate_create(actor=None, area=_grid(ctx), name="幸福小区").pk}


def _b_group(side: str, ctx: Ctx) -> Ctx:
    return {"group": places.village_group_create(actor=None, area=_grid(ctx), name="一组").pk}


def _household(ctx: Ctx, address: str) -> Any:
    return people.household_create(
        actor=None, area=_grid(ctx), household_type="resident", address=address
    )


def _b_household(side: str, ctx: Ctx) -> Ctx:
    return {"household": _household(ctx, "幸福小区1号楼1单元101室").pk}


def _b_household2(side: str, ctx: Ctx) -> Ctx:
    return {"household2": _household(ctx, "幸福小区1号楼1单元102室").pk}


def _b_resident(side: str, ctx: Ctx) -> Ctx:
    r = people.resident_create(
        actor=None,
        household=Household.objects.get(pk=ctx["household"]),
        name="王建国",
        id_number=valid_id(),
        relation="02",
        residence_type="registered",
    )
    return {"resident": r.pk, "resident_version": r.version}


def _b_tag(side: str, ctx: Ctx) -> Ctx:
    tag = tags.tag_add(
        actor=None,
        resident=Resident.objects.get(pk=ctx["resident"]),
        tag_type=TagType.objects.get(code="veteran"),
        start_on=date(2025, 1, 1),
        facts={},
    )
    return {"tag": tag.pk, "tag_version": tag.version}


def _b_tag_type(side: str, ctx: Ctx) -> Ctx:
    return {"tag_type": TagType.objects.get(code="veteran").pk}


def _b_staffer(side: str, ctx: Ctx) -> Ctx:
    user = ctx["make_user"](f"staffer_{side}", ("grid_worker", _grid(ctx)))
    return {"staffer": user.pk}


def _b_post(side: str, ctx: Ctx) -> Ctx:
    post = staff.staff_assign(
        actor=None,
        user=User.objects.get(pk=ctx["staffer"]),
        post="part_time",
        area=_grid(ctx),
        start_on=date(2025, 1, 1),
    )
    return {"post": post.pk}


def _b_job(side: str, ctx: Ctx) -> Ctx:
    return {"job": _job(ctx["target"]).pk}


def _org(ctx: Ctx, name: str) -> Any:
    return party_services.org_create(actor=None, name=name, kind="branch", area=_grid(ctx))


def _b_org(side: str, ctx: Ctx) -> Ctx:
    return {"org": _org(ctx, "网格党支部").pk}


def _b_org2(side: str, ctx: Ctx) -> Ctx:
    return {"org2": _org(ctx, "第二党支部").pk}


def _b_member(side: str, ctx: Ctx) -> Ctx:
    # Probationary for more than a year: it can be confirmed.
    m = party_services.member_create(
        actor=None,
        org=PartyOrg.objects.get(pk=ctx["org"]),
        name="党员甲",
        id_number=valid_id(date(1985, 3, 1)),
        status="probationary",
        joined_on=timezone.localdate() - timedelta(days=400),
    )
    return {"member": m.pk, "member_version": m.version}


def _b_meeting(side: str, ctx: Ctx) -> Ctx:
    m = party_services.meeting_create(
        actor=None,
        org=PartyOrg.objects.get(pk=ctx["org"]),
        meeting_type="congress",
        held_on=timezone.localdate(),
        topic="学习党章",
    )
    return {"meeting": m.pk, "meeting_version": m.version}


def _b_dual(side: str, ctx: Ctx) -> Ctx:
    report = party_services.dual_report_create(
        actor=None,
        community=Area.objects.get(pk=ctx["community"]),
        name="钱七",
        phone="13900139002",
        work_unit="区财政局",
        registered_on=timezone.localdate(),
    )
    return {"dual": report.pk}


def _dispute_type(code: str, sensitive: bool) -> Any:
    return DisputeType.objects.get_or_create(
        code=code, defaults={"name": code, "sensitive": sensitive}
    )[0]


def _b_dtype(side: str, ctx: Ctx) -> Ctx:
    return {"dtype": _dispute_type("neighbour", False).code}


def _b_dispute(side: str, ctx: Ctx) -> Ctx:
    d = disputes.dispute_register(
        actor=None,
        area=_grid(ctx),
        type=_dispute_type("neighbour", False),
        title="邻里漏水纠纷",
        source="walk_in",
        parties=[],
    )
    return {"dispute": d.pk, "dispute_version": d.version}


def _b_sensitive(side: str, ctx: Ctx) -> Ctx:
    d = disputes.dispute_register(
        actor=None,
        area=_grid(ctx),
        type=_dispute_type("family", True),
        title="婚姻家庭纠纷",
        source="walk_in",
        parties=[],
    )
    return {"sensitive": d.pk}


def _b_screening_round(side: str, ctx: Ctx) -> Ctx:
    community = Area.objects.get(pk=ctx["parent"])
    round_ = screening_services.screening_round_open(
        actor=None, area=community, period="weekly", starts_on=timezone.localdate()
    )
    return {"screening_round": round_.pk}


def _b_screening_return(side: str, ctx: Ctx) -> Ctx:
    ret = ScreeningReturn.objects.get(round_id=ctx["screening_round"], area_id=ctx["area"])
    return {"screening_return": ret.pk, "screening_return_version": ret.version}


def _b_committee(side: str, ctx: Ctx) -> Ctx:
    return {
        "committee": mediation_orgs.committee_create(
            actor=None, name="网格调解小组", area=_grid(ctx)
        ).pk
    }


def _b_room(side: str, ctx: Ctx) -> Ctx:
    return {"room": mediation_orgs.room_create(actor=None, name="石榴籽调解室", area=_grid(ctx)).pk}


def _b_mediator(side: str, ctx: Ctx) -> Ctx:
    m = mediation_orgs.mediator_create(
        actor=None, name="马建才", area=_grid(ctx), phone="13900139004"
    )
    return {"mediator": m.pk}


def _b_doc_dispute(side: str, ctx: Ctx) -> Ctx:
    """A dispute with two parties (the documents need them)."""
    d = disputes.dispute_register(
        actor=None,
        area=_grid(ctx),
        type=_dispute_type("neighbour", False),
        title="通道堆放杂物",
        source="walk_in",
        parties=[disputes.PartyIn(name="张三"), disputes.PartyIn(name="李四", role="respondent")],
    )
    return {"doc_dispute": d.pk, "doc_dispute_version": d.version}


def _b_alert(side: str, ctx: Ctx) -> Ctx:
    now = timezone.now()
    alert = Alert.objects.create(
        area=_grid(ctx),
        rule="cases.overdue_long",
        fingerprint=f"case:{side}",
        level="red",
        title="超期超过 3 个工作日",
        raised_at=now,
        last_seen_at=now,
    )
    return {"alert": alert.pk}


BUILDERS: dict[str, Callable[[str, Ctx], Ctx]] = {
    "building": _b_building,
    "estate": _b_estate,
    "group": _b_group,
    "household": _b_household,
    "household2": _b_household2,
    "resident": _b_resident,
    "tag": _b_tag,
    "tag_type": _b_tag_type,
    "staffer": _b_staffer,
    "post": _b_post,
    "job": _b_job,
    "org": _b_org,
    "org2": _b_org2,
    "member": _b_member,
    "meeting": _b_meeting,
    "dual": _b_dual,
    "dtype": _b_dtype,
    "dispute": _b_dispute,
    "sensitive": _b_sensitive,
    "screening_round": _b_screening_round,
    "screening_return": _b_screening_return,
    "committee": _b_committee,
    "room": _b_room,
    "mediator": _b_mediator,
    "doc_dispute": _b_doc_dispute,
    "alert": _b_alert,
}
DEPENDS = {
    "resident": ("household",),
    "tag": ("resident",),
    "post": ("staffer",),
    "member": ("org",),
    "meeting": ("org",),
    "screening_return": ("screening_round",),
}


def _build(key: str, side: str, ctx: Ctx, out: Ctx) -> None:
    if key in out:
        return
    for dep in DEPENDS.get(key, ()):
        _build(dep, side, ctx, out)
    out.update(BUILDERS[key](side, {**ctx, **out}))


def db_state() -> dict[str, Any]:
    """Every row of the tables the API writes, minus bookkeeping that reads may touch.

    The calendar's thousands of days are summed up by their count and the calendar revision,
    which every calendar change replaces in the same transaction. Read with plain SQL: the
    ORM's row building made this twice-per-cell snapshot the slowest part of the module."""
    state: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for name, sql in _snapshot_sql():
            cursor.execute(sql)
            state[name] = cursor.fetchall()
    state["CalendarDay"] = CalendarDay.objects.count()
    state["CalendarRevision"] = list(CalendarRevision.objects.values_list("revision", flat=True))
    # Showing or exporting personal data is a write: its audit entry.
    state["personal_data"] = AuditEntry.objects.filter(event__in=PERSONAL_DATA_EVENTS).count()
    return state


@functools.cache
def _snapshot_sql() -> tuple[tuple[str, str], ...]:
    volatile = {User: {"last_login"}, ApiToken: {"last_used_at"}}
    qn = connection.ops.quote_name
    out = []
    models = (Area, User, RoleGrant, Department, ApiToken, Case, CaseEvent, CaseAttachment)
    for model in (
        *models,
        Category,
        CalendarYear,
        Notification,
        NotificationPreference,
        *ROSTER_MODELS,
        *PARTY_MODELS,
        *MEDIATION_MODELS,
        *SCREENING_MODELS,
        *MEDIATION_ORG_MODELS,
        DisputeAttachment,
        DocumentTemplate,
        Alert,
        Report,
        ReportSubscription,
    ):
        meta = model._meta
        skip = volatile.get(model, set())
        columns = ", ".join(qn(f.column) for f in meta.concrete_fields if f.attname not in skip)
        sql = f"SELECT {columns} FROM {qn(meta.db_table)} ORDER BY {qn(meta.pk.column)}"
        out.append((model.__name__, sql))
    return tuple(out)


ROSTER_MODELS = (
    Estate,
    VillageGroup,
    Building,
    BuildingUnit,
    Room,
    BuildingMove,
    Household,
    Resident,
    Membership,
    TagType,
    ResidentTag,
    StaffAssignment,
    ImportJob,
    RosterEvent,
)
PARTY_MODELS = (PartyOrg, PartyMember, MemberTransfer, Meeting, Attendance, DualReport, PartyEvent)
MEDIATION_MODELS = (
    DisputeType,
    Dispute,
    DisputeEvent,
    DisputeParty,
    DisputeKey,
    DisputeSequence,
    MediationSession,
    FollowUp,
)
SCREENING_MODELS = (ScreeningPlan, ScreeningRound, ScreeningReturn, ScreeningEvent)
MEDIATION_ORG_MODELS = (DisputeType, Committee, MediationRoom, Mediator)
PERSONAL_DATA_EVENTS = (Event.PERSONAL_DATA_VIEWED, Event.PERSONAL_DATA_EXPORTED)


# One client for the whole module: building its handler (middleware, WhiteNoise's file scan) is
# the slowest part of a request in tests. Its cookies are cleared before every use.
_CLIENT = Client(enforce_csrf_checks=True)


def caller(role: str | None, mode: str, tree: Any, make_user: Any, world: dict[str, Ctx]) -> Any:
    """A test client signed in as a holder of ``role`` (token or session), or anonymous; its
    request headers; and the user (None when anonymous)."""
    client = _CLIENT
    client.cookies.clear()
    if role is None:
        return client, {}, None
    area = getattr(tree, home_of(role))
    dept = world[NONE]["dept"] if role == Role.DEPT_HANDLER else None
    user = make_user("actor", (role, area), department=dept)
    if mode == "token":
        _token, raw = token_issue(user=user)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, user
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, {"HTTP_X_CSRFTOKEN": csrf}, user


def run(role, ep, side, mode, tree, make_user, world):
    client, headers, user = caller(role, mode, tree, make_user, world)
    ctx = world[side]
    ctx = {**ctx, **targets_of(ep, side, ctx)}
    if ep.prepare is not None:
        ctx = {**ctx, **ep.prepare(user, side)}
    url = ep.url.format(**ctx)
    kwargs: dict[str, Any] = dict(headers)
    if ep.body is not None and ep.multipart:
        kwargs.update(data=ep.body(ctx))
    elif ep.body is not None:
        kwargs.update(data=ep.body(ctx), content_type="application/json")
    before = db_state()
    denied_before = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
    response = getattr(client, ep.method)(url, **kwargs)
    return response, before, denied_before


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "ep", "side", "mode"), cases())
def test_matrix(role, ep, side, mode, tree, make_user, world):
    response, before, denied_before = run(role, ep, side, mode, tree, make_user, world)
    want = expected(role, ep, side)
    assert response.status_code == want, response.content[:300]
    if want >= 400:
        body = response.json()
        assert body["code"] and body["message"]
        assert db_state() == before, "a refused call changed the database"
        if want == 403:
            denied = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
            assert denied == denied_before + 1
        if want == 404:
            assert body["code"] == "not_found"
    elif ep.writes:
        assert db_state() != before, "an allowed write changed nothing"
    else:
        assert db_state() == before, "a read changed the database"


@pytest.mark.parametrize(("role", "name", "side", "status"), EXPLICIT)
def test_explicit_cells(role, name, side, status, tree, make_user, world):
    ep = BY_NAME[name]
    assert expected(role, ep, side) == status  # the derivation agrees with the hand-written cell
    response, _before, _n = run(role, ep, side, "token" if role else "none", tree, make_user, world)
    assert response.status_code == status


def test_every_api_operation_is_in_the_matrix(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    documented = {(m, _template(p)) for p, ops in paths.items() for m in ops}
    public = {(m, _template(p)) for m, p in PUBLIC}
    covered = {(e.method, _template(e.url.split("?")[0])) for e in ENDPOINTS}
    assert documented - public == covered


def _template(url: str) -> str:
    """Normalise path parameters: /users/{user_id} and /users/{user} both become /users/{}."""
    return re.sub(r"\{[^}]*\}", "{}", url)


def test_every_role_has_an_area_in_the_fixture_tree():
    for role in Role.values:
        assert home_of(role) in BRANCH


# /health lies outside the API's document but next to it for machines: public by design.
HEALTH_CALLERS = [(None, "none")] + [(r, m) for r in Role.values for m in ("token", "session")]


@pytest.mark.parametrize(("role", "mode"), HEALTH_CALLERS)
def test_health_is_public_and_leak_free(role, mode, tree, make_user, world):
    from gridgov.core.health import record_heartbeat

    record_heartbeat()
    client, headers, user = caller(role, mode, tree, make_user, world)
    before = db_state()
    response = client.get("/health", **headers)
    assert response.status_code in (200, 503)
    body = response.json()
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) >= {"database", "worker", "disk"}
    assert all(set(c) <= {"status", "problem"} for c in body["checks"].values())
    text = response.content.decode()
    if user is not None:
        assert user.username not in text
    assert not [a.name for a in Area.objects.all() if a.name in text or a.code in text]
    assert "Traceback" not in text and "version" not in text.lower()
    assert db_state() == before
