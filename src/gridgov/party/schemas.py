"""Request and response schemas of /api/v1/party (:mod:`gridgov.party.api`). ID and phone
numbers appear only as their masks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from gridgov.core.params import Day, DbId, Version
from gridgov.core.schemas import RowErrorOut
from gridgov.party import selectors
from gridgov.party.models import DualReport, Meeting, PartyMember, PartyOrg


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    area_id: int
    area_name: str
    secretary: str
    established_on: date | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: PartyOrg) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_area_name(obj: PartyOrg) -> str:
        return obj.area.name


class PartyTreeNodeOut(Schema):
    id: int
    name: str
    kind: str
    area_id: int
    own_members: int
    members: int = Field(description="Active members including sub-organisations.")
    children: list[PartyTreeNodeOut]


PartyTreeNodeOut.model_rebuild()


class PartyTreeOut(Schema):
    truncated: bool
    roots: list[PartyTreeNodeOut]


class OrgIn(Schema):
    name: str = Field(max_length=100)
    kind: str
    area_id: DbId
    parent_id: DbId | None = None
    secretary: str = Field("", max_length=50)
    established_on: Day | None = None


class OrgPatchIn(Schema):
    name: str | None = Field(None, max_length=100)
    secretary: str | None = Field(None, max_length=50)
    is_active: bool | None = None


class MemberOut(Schema):
    id: int
    name: str
    org_id: int
    org_name: str
    id_number_masked: str
    phone_masked: str
    gender: str
    birth_year: int
    status: str
    joined_on: date
    confirmed_on: date | None
    is_active: bool
    left_on: date | None
    resident_linked: bool
    version: int

    @staticmethod
    def resolve_org_name(obj: PartyMember) -> str:
        return obj.org.name

    @staticmethod
    def resolve_birth_year(obj: PartyMember) -> int:
        return obj.birth_date.year

    @staticmethod
    def resolve_resident_linked(obj: PartyMember) -> bool:
        return obj.resident_id is not None


class MemberIn(Schema):
    org_id: DbId
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=30)
    phone: str = Field("", max_length=20)
    status: Literal["full", "probationary"]
    joined_on: Day
    confirmed_on: Day | None = None


class MemberPatchIn(Schema):
    version: Version
    name: str | None = Field(None, max_length=50)
    id_number: str | None = Field(None, max_length=30)
    phone: str | None = Field(None, max_length=20)
    joined_on: Day | None = None


class ConfirmIn(Schema):
    on: Day
    version: Version


class TransferIn(Schema):
    to_org_id: DbId
    on: Day
    reason: str = Field("", max_length=200)


class TransferOut(Schema):
    id: int
    from_org_id: int
    from_org_name: str
    to_org_id: int
    to_org_name: str
    on: date
    reason: str
    at: datetime

    @staticmethod
    def resolve_from_org_name(obj: Any) -> str:
        return str(obj.from_org.name)

    @staticmethod
    def resolve_to_org_name(obj: Any) -> str:
        return str(obj.to_org.name)


class MemberUnmaskIn(Schema):
    reason: str = Field(max_length=200)


class MemberUnmaskOut(Schema):
    id_number: str
    phone: str


class DualOut(Schema):
    id: int
    community_id: int
    community_name: str
    member_id: int | None
    name: str
    phone_masked: str
    work_unit: str
    work_org: str
    services: str
    registered_on: date
    ended_on: date | None

    @staticmethod
    def resolve_community_name(obj: DualReport) -> str:
        return obj.community.name


class DualIn(Schema):
    community_id: DbId
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    work_unit: str = Field(max_length=100)
    work_org: str = Field("", max_length=100)
    services: str = Field("", max_length=200)
    registered_on: Day


class EndIn(Schema):
    on: Day


class AttendanceRow(Schema):
    member_id: DbId
    present: bool = True
    absence_reason: str = Field("", max_length=100)


class AttendanceOut(AttendanceRow):
    member_name: str


class MeetingOut(Schema):
    id: int
    org_id: int
    org_name: str
    meeting_type: str
    meeting_type_label: str
    held_on: date
    topic: str
    place: str
    host: str
    attendance_total: int
    attendance_present: int
    attendance_rate: float | None = Field(description="Percent present of those recorded.")
    version: int

    @staticmethod
    def resolve_org_name(obj: Meeting) -> str:
        return obj.org.name

    @staticmethod
    def resolve_meeting_type_label(obj: Meeting) -> str:
        return str(obj.get_meeting_type_display())

    @staticmethod
    def resolve_attendance_total(obj: Any) -> int:
        return int(obj.n_total)

    @staticmethod
    def resolve_attendance_present(obj: Any) -> int:
        return int(obj.n_present)

    @staticmethod
    def resolve_attendance_rate(obj: Any) -> float | None:
        return selectors.attendance_rate(obj.n_present, obj.n_total)


class MeetingDetail(MeetingOut):
    minutes: str
    attendance: list[AttendanceOut]

    @staticmethod
    def resolve_attendance(obj: Any) -> list[dict[str, Any]]:
        return list(obj.attendance_rows)


class MeetingIn(Schema):
    org_id: DbId
    meeting_type: str
    held_on: Day
    topic: str = Field(max_length=200)
    place: str = Field("", max_length=100)
    host: str = Field("", max_length=50)
    minutes: str = ""
    attendance: list[AttendanceRow] = []


class MeetingPatchIn(Schema):
    version: Version
    meeting_type: str | None = None
    held_on: Day | None = None
    topic: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=100)
    host: str | None = Field(None, max_length=50)
    minutes: str | None = None
    attendance: list[AttendanceRow] | None = None


class MemberImportOut(Schema):
    mode: str
    total: int
    created: int
    updated: int
    failed: int
    errors: list[RowErrorOut]
    job_id: int | None = None  # the import job (GET /api/v1/imports/jobs/{job_id})


class UnmaskedExportIn(Schema):
    reason: str = Field(max_length=200)
    org: DbId | None = None
    q: str = ""
    status: str = ""


class PhoneOut(Schema):
    phone: str


class LeaveIn(Schema):
    on: Day
    reason: str = Field(max_length=200)
