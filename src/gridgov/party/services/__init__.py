"""Writes of the party app. Each function: permission and jurisdiction check
(PARTY_MANAGE at the organisation's or community's area), field checks, one transaction, the
change, and a :class:`~gridgov.party.models.PartyEvent`. ``actor=None`` is the system (demo)."""

from gridgov.party.services.dual import dual_report_create, dual_report_end
from gridgov.party.services.meetings import AttendanceIn, meeting_create, meeting_update
from gridgov.party.services.members import (
    member_confirm,
    member_create,
    member_leave,
    member_link_resident,
    member_transfer,
    member_update,
)
from gridgov.party.services.orgs import check_parent, org_create, org_update

__all__ = [
    "AttendanceIn",
    "check_parent",
    "dual_report_create",
    "dual_report_end",
    "meeting_create",
    "meeting_update",
    "member_confirm",
    "member_create",
    "member_leave",
    "member_link_resident",
    "member_transfer",
    "member_update",
    "org_create",
    "org_update",
]
