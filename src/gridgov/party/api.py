"""/api/v1/party: organisations, members, transfers, 双报到, meetings and the member Excel
import/export — scoped and masked like the pages.

Reads need PARTY_VIEW (outside the jurisdiction: 404), writes PARTY_MANAGE at the
organisation's area (without it anywhere: 403). ID and phone numbers are masked in every
answer; ``POST /members/{id}/unmask`` shows them with a reason (ROSTER_UNMASK, audited).
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.selectors import area_get_for
from gridgov.core import excel as core_excel
from gridgov.core import pii
from gridgov.core.errors import Conflict
from gridgov.core.pagination import paged
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut
from gridgov.kernel.imports import services as import_jobs
from gridgov.party import excel, selectors, services
from gridgov.party.import_kinds import KIND as PARTY_KIND
from gridgov.party.models import DualReport, Meeting, PartyMember, PartyOrg
from gridgov.party.schemas import (
    AttendanceRow,
    ConfirmIn,
    DualIn,
    DualOut,
    EndIn,
    LeaveIn,
    MeetingDetail,
    MeetingIn,
    MeetingOut,
    MeetingPatchIn,
    MemberImportOut,
    MemberIn,
    MemberOut,
    MemberPatchIn,
    MemberUnmaskIn,
    MemberUnmaskOut,
    OrgIn,
    OrgOut,
    OrgPatchIn,
    PartyTreeOut,
    PhoneOut,
    TransferIn,
    TransferOut,
    UnmaskedExportIn,
)

router = Router(tags=["party"])


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _org(request: HttpRequest, pk: int) -> PartyOrg:
    return selectors.org_get_for(actor=_actor(request), pk=pk)


def _member(request: HttpRequest, pk: int) -> PartyMember:
    return selectors.member_get_for(actor=_actor(request), pk=pk)


def _meeting_detail(meeting: Meeting) -> Meeting:
    m = selectors.meeting_list_for_one(meeting)
    m.attendance_rows = [  # type: ignore[attr-defined]
        {
            "member_id": a.member_id,
            "member_name": a.member.name,
            "present": a.present,
            "absence_reason": a.absence_reason,
        }
        for a in selectors.meeting_attendance(m)
    ]
    return m


def _attendance(rows: list[AttendanceRow] | None) -> list[services.AttendanceIn] | None:
    if rows is None:
        return None
    return [services.AttendanceIn(r.member_id, r.present, r.absence_reason) for r in rows]


# --- Organisations ----------------------------------------------------------------------------


@router.get("/orgs", response={200: list[OrgOut], codes_4xx: ErrorOut}, summary="Organisations")
@paged
def org_list(
    request: HttpRequest, parent: DbId | None = None, kind: str = ""
) -> QuerySet[PartyOrg]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_org_list")
    qs = selectors.org_list_for(actor=actor, active=None)
    if parent is not None:
        qs = qs.filter(parent=_org(request, parent))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("area__code", "kind", "name", "pk")


@router.get(
    "/orgs/tree", response={200: PartyTreeOut, codes_4xx: ErrorOut}, summary="Organisation tree"
)
def org_tree(request: HttpRequest) -> dict[str, Any]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_org_tree")
    tree = selectors.org_tree_for(actor=actor)

    def node(n: selectors.TreeNode) -> dict[str, Any]:
        return {
            "id": n.org.pk,
            "name": n.org.name,
            "kind": n.org.kind,
            "area_id": n.org.area_id,
            "own_members": n.own_members,
            "members": n.members,
            "children": [node(c) for c in n.children],
        }

    return {"truncated": tree.truncated, "roots": [node(r) for r in tree.roots]}


@router.get("/orgs/{org_id}", response={200: OrgOut, codes_4xx: ErrorOut}, summary="Organisation")
def org_detail(request: HttpRequest, org_id: int) -> PartyOrg:
    return _org(request, org_id)


@router.post("/orgs", response={201: OrgOut, codes_4xx: ErrorOut}, summary="Create an organisation")
def org_create(request: HttpRequest, payload: OrgIn) -> tuple[int, PartyOrg]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_org_create")
    area = area_get_for(actor=actor, pk=payload.area_id)
    parent = _org(request, payload.parent_id) if payload.parent_id is not None else None
    org = services.org_create(
        actor=actor,
        name=payload.name,
        kind=payload.kind,
        area=area,
        parent=parent,
        secretary=payload.secretary,
        established_on=payload.established_on,
    )
    return 201, org


@router.patch("/orgs/{org_id}", response={200: OrgOut, codes_4xx: ErrorOut}, summary="Edit")
def org_update(request: HttpRequest, org_id: int, payload: OrgPatchIn) -> PartyOrg:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_org_update")
    return services.org_update(
        actor=actor,
        org=_org(request, org_id),
        name=payload.name,
        secretary=payload.secretary,
        is_active=payload.is_active,
    )


# --- Members ----------------------------------------------------------------------------------


@router.get("/members", response={200: list[MemberOut], codes_4xx: ErrorOut}, summary="Members")
@paged
def member_list(
    request: HttpRequest,
    org: DbId | None = None,
    q: str = "",
    status: str = "",
    active: bool | None = True,
) -> QuerySet[PartyMember]:
    """`org` includes its sub-organisations; `q` is an exact ID or phone number or a name
    prefix; `active=false` lists members who left, omit for active ones."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_member_list")
    return selectors.member_list_for(
        actor=actor,
        org=_org(request, org) if org is not None else None,
        q=q,
        status=status,
        active=active,
    )


@router.get("/members/template", summary="Excel template", response={200: None})
def member_template(request: HttpRequest) -> HttpResponse:
    _require_anywhere(_actor(request), Perm.PARTY_VIEW, "party_member_template")
    response = HttpResponse(excel.build_template(), content_type=core_excel.XLSX)
    response["Content-Disposition"] = "attachment; filename=party-members-template.xlsx"
    return response


@router.get("/members/export", summary="Export (masked)", response={200: None, codes_4xx: ErrorOut})
def member_export(
    request: HttpRequest, org: DbId | None = None, q: str = "", status: str = ""
) -> HttpResponse:
    """The filtered list as .xlsx in the import layout, masked. Needs roster.export."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_member_export")
    data, _n = excel.export_members(
        actor=actor, org=_org(request, org) if org is not None else None, q=q, status=status
    )
    response = HttpResponse(data, content_type=core_excel.XLSX)
    response["Content-Disposition"] = "attachment; filename=party-members.xlsx"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/members/export", summary="Export unmasked", response={200: None, codes_4xx: ErrorOut}
)
def member_export_unmasked(request: HttpRequest, payload: UnmaskedExportIn) -> HttpResponse:
    """Unmasked export: roster.export and roster.unmask, with a reason (audited)."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_member_export")
    data, _n = excel.export_members(
        actor=actor,
        org=_org(request, payload.org) if payload.org is not None else None,
        q=payload.q,
        status=payload.status,
        unmasked=True,
        reason=payload.reason,
    )
    response = HttpResponse(data, content_type=core_excel.XLSX)
    response["Content-Disposition"] = "attachment; filename=party-members.xlsx"
    response["Cache-Control"] = "private, no-store"
    return response


@router.post(
    "/members/import", response={200: MemberImportOut, codes_4xx: ErrorOut}, summary="Import"
)
def member_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    org: DbId = Form(...),  # noqa: B008
    mode: Literal["valid", "all"] = Form("valid"),
) -> dict[str, Any]:
    """Multipart: `file` (.xlsx from the template), `org` (the organisation imported into),
    `mode` (`valid`: import the good rows; `all`: nothing if any row is bad)."""
    actor = _actor(request)
    excel.require_importer(actor)
    _org(request, org)
    # An import job run during the request (the same file again answers the same job).
    job = import_jobs.job_start(
        actor=actor,
        kind=PARTY_KIND,
        filename=file.name or "",
        data=file.read(),
        mode=mode,
        params={"org": org},
        sync_rows=core_excel.max_rows(),
    )
    if job.status == job.Status.FAILED:
        raise import_jobs.failure_error(job)
    if job.running:  # another request is importing this file now
        raise Conflict(_("This file is being imported; try again shortly."), code="import_running")
    return {
        "mode": job.mode,
        "total": job.total_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "failed": job.error_count,
        "errors": (job.result or {}).get("errors") or [],
        "job_id": job.pk,
    }


@router.get("/members/{member_id}", response={200: MemberOut, codes_4xx: ErrorOut})
def member_detail(request: HttpRequest, member_id: int) -> PartyMember:
    return _member(request, member_id)


@router.post("/members", response={201: MemberOut, codes_4xx: ErrorOut}, summary="Register")
def member_create(request: HttpRequest, payload: MemberIn) -> tuple[int, PartyMember]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_member_create")
    member = services.member_create(
        actor=actor,
        org=_org(request, payload.org_id),
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        status=payload.status,
        joined_on=payload.joined_on,
        confirmed_on=payload.confirmed_on,
    )
    return 201, member


@router.patch("/members/{member_id}", response={200: MemberOut, codes_4xx: ErrorOut})
def member_update(request: HttpRequest, member_id: int, payload: MemberPatchIn) -> PartyMember:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_member_update")
    return services.member_update(
        actor=actor,
        member=_member(request, member_id),
        version=payload.version,
        name=payload.name,
        id_number=payload.id_number,
        phone=payload.phone,
        joined_on=payload.joined_on,
    )


@router.post("/members/{member_id}/confirm", response={200: MemberOut, codes_4xx: ErrorOut})
def member_confirm(request: HttpRequest, member_id: int, payload: ConfirmIn) -> PartyMember:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_member_confirm")
    return services.member_confirm(
        actor=actor, member=_member(request, member_id), on=payload.on, version=payload.version
    )


@router.post("/members/{member_id}/transfer", response={200: MemberOut, codes_4xx: ErrorOut})
def member_transfer(request: HttpRequest, member_id: int, payload: TransferIn) -> PartyMember:
    """Needs party.manage at the member's organisation and at the target."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_member_transfer")
    member = _member(request, member_id)
    services.member_transfer(
        actor=actor,
        member=member,
        to_org=_org(request, payload.to_org_id),
        on=payload.on,
        reason=payload.reason,
    )
    return selectors.member_get_for(actor=actor, pk=member.pk)


@router.post("/members/{member_id}/leave", response={200: MemberOut, codes_4xx: ErrorOut})
def member_leave(request: HttpRequest, member_id: int, payload: LeaveIn) -> PartyMember:
    """The member leaves the organisation's roster (kept as inactive, never deleted)."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_member_leave")
    return services.member_leave(
        actor=actor, member=_member(request, member_id), on=payload.on, reason=payload.reason
    )


@router.get(
    "/members/{member_id}/transfers", response={200: list[TransferOut], codes_4xx: ErrorOut}
)
def member_transfers(request: HttpRequest, member_id: int) -> Any:
    return list(selectors.member_transfers(_member(request, member_id)))


@router.post("/members/{member_id}/unmask", response={200: MemberUnmaskOut, codes_4xx: ErrorOut})
def member_unmask(request: HttpRequest, member_id: int, payload: MemberUnmaskIn) -> dict[str, str]:
    """The full ID and phone numbers; needs roster.unmask there and a reason (audited)."""
    values = pii.unmask(
        actor=_actor(request),
        obj=_member(request, member_id),
        reason=payload.reason,
        fields=("id_number", "phone"),
    )
    return {"id_number": values.get("id_number", ""), "phone": values.get("phone", "")}


# --- 双报到 -----------------------------------------------------------------------------------


@router.get("/dual-reports", response={200: list[DualOut], codes_4xx: ErrorOut})
@paged
def dual_list(
    request: HttpRequest, community: DbId | None = None, state: str = "", q: str = ""
) -> QuerySet[DualReport]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_dual_list")
    area = area_get_for(actor=actor, pk=community) if community is not None else None
    return selectors.dual_report_list_for(actor=actor, community=area, state=state, q=q)


@router.get("/dual-reports/{report_id}", response={200: DualOut, codes_4xx: ErrorOut})
def dual_detail(request: HttpRequest, report_id: int) -> DualReport:
    return selectors.dual_report_get_for(actor=_actor(request), pk=report_id)


@router.post("/dual-reports", response={201: DualOut, codes_4xx: ErrorOut})
def dual_create(request: HttpRequest, payload: DualIn) -> tuple[int, DualReport]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_dual_report_create")
    data = payload.dict()
    community = area_get_for(actor=actor, pk=data.pop("community_id"))
    return 201, services.dual_report_create(actor=actor, community=community, **data)


@router.post("/dual-reports/{report_id}/unmask", response={200: PhoneOut, codes_4xx: ErrorOut})
def dual_unmask(request: HttpRequest, report_id: int, payload: MemberUnmaskIn) -> dict[str, str]:
    """The full phone number; needs roster.unmask at the community and a reason (audited)."""
    report = selectors.dual_report_get_for(actor=_actor(request), pk=report_id)
    values = pii.unmask(actor=_actor(request), obj=report, reason=payload.reason, fields=("phone",))
    return {"phone": values.get("phone", "")}


@router.post("/dual-reports/{report_id}/end", response={200: DualOut, codes_4xx: ErrorOut})
def dual_end(request: HttpRequest, report_id: int, payload: EndIn) -> DualReport:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_dual_report_end")
    report = selectors.dual_report_get_for(actor=actor, pk=report_id)
    return services.dual_report_end(actor=actor, report=report, on=payload.on)


# --- Meetings ---------------------------------------------------------------------------------


@router.get("/meetings", response={200: list[MeetingOut], codes_4xx: ErrorOut})
@paged
def meeting_list(
    request: HttpRequest, org: DbId | None = None, meeting_type: str = ""
) -> QuerySet[Meeting]:
    """`org` includes the meetings of its sub-organisations."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_VIEW, "party_meeting_list")
    return selectors.meeting_list_for(
        actor=actor,
        org=_org(request, org) if org is not None else None,
        meeting_type=meeting_type,
    )


@router.get("/meetings/{meeting_id}", response={200: MeetingDetail, codes_4xx: ErrorOut})
def meeting_detail(request: HttpRequest, meeting_id: int) -> Meeting:
    return _meeting_detail(selectors.meeting_get_for(actor=_actor(request), pk=meeting_id))


@router.post("/meetings", response={201: MeetingDetail, codes_4xx: ErrorOut})
def meeting_create(request: HttpRequest, payload: MeetingIn) -> tuple[int, Meeting]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_meeting_create")
    meeting = services.meeting_create(
        actor=actor,
        org=_org(request, payload.org_id),
        meeting_type=payload.meeting_type,
        held_on=payload.held_on,
        topic=payload.topic,
        place=payload.place,
        host=payload.host,
        minutes=payload.minutes,
        attendance=_attendance(payload.attendance) or [],
    )
    return 201, _meeting_detail(meeting)


@router.patch("/meetings/{meeting_id}", response={200: MeetingDetail, codes_4xx: ErrorOut})
def meeting_update(request: HttpRequest, meeting_id: int, payload: MeetingPatchIn) -> Meeting:
    """Send the `version` you read (409 `stale_version` otherwise); `attendance`, if sent,
    replaces the whole list."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.PARTY_MANAGE, "party_meeting_update")
    meeting = selectors.meeting_get_for(actor=actor, pk=meeting_id)
    meeting = services.meeting_update(
        actor=actor,
        meeting=meeting,
        version=payload.version,
        meeting_type=payload.meeting_type,
        held_on=payload.held_on,
        topic=payload.topic,
        place=payload.place,
        host=payload.host,
        minutes=payload.minutes,
        attendance=_attendance(payload.attendance),
    )
    return _meeting_detail(meeting)
