"""Meeting records: 三会一课 (支部党员大会, 支部委员会, 党小组会, 党课) and 主题党日.

Attendance is recorded only for active members of the organisation holding the meeting and of
its sub-organisations (a 党支部's meeting includes its 党小组s' members); an absent member needs
a reason. A 党小组会 is held by a 党小组; branch meetings and committee meetings are not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.party.models import Attendance, Meeting, MeetingType, OrgKind, PartyOrg
from gridgov.party.selectors import eligible_member_ids
from gridgov.party.services._common import (
    event,
    not_future,
    optional_text,
    require,
    required_text,
    user_or_none,
)

_NO_VALUE: Any = object()


@dataclass(frozen=True)
class AttendanceIn:
    member_id: int
    present: bool = True
    absence_reason: str = ""


def check_type(meeting_type: str, org: PartyOrg) -> None:
    if meeting_type not in MeetingType.values:
        msg = _("Choose the type of meeting.")
        raise ValidationFailed(msg, fields={"meeting_type": msg})
    if meeting_type == MeetingType.GROUP and org.kind != OrgKind.GROUP:
        msg = _("A party group meeting is held by a party group.")
        raise ValidationFailed(msg, code=Code.WRONG_MEETING_TYPE, fields={"meeting_type": msg})
    if meeting_type in (MeetingType.CONGRESS, MeetingType.COMMITTEE) and org.kind == OrgKind.GROUP:
        msg = _("A party group holds group meetings, not general or committee meetings.")
        raise ValidationFailed(msg, code=Code.WRONG_MEETING_TYPE, fields={"meeting_type": msg})


def check_attendance(org: PartyOrg, rows: Iterable[AttendanceIn]) -> list[AttendanceIn]:
    rows = list(rows)
    eligible = eligible_member_ids(org)
    seen: set[int] = set()
    for row in rows:
        if row.member_id in seen:
            msg = _("A member is listed twice.")
            raise ValidationFailed(msg, code=Code.ATTENDANCE_TWICE, fields={"attendance": msg})
        seen.add(row.member_id)
        if row.member_id not in eligible:
            msg = _("Only active members of this organisation can be recorded as attendees.")
            raise ValidationFailed(msg, code=Code.NOT_A_MEMBER, fields={"attendance": msg})
        reason = (row.absence_reason or "").strip()
        if not row.present and not reason:
            msg = _("Give a reason for each absent member.")
            raise ValidationFailed(msg, code=Code.ABSENCE_REASON, fields={"attendance": msg})
        if len(reason) > 100:
            msg = _("At most %(n)d characters.") % {"n": 100}
            raise ValidationFailed(msg, fields={"attendance": msg})
    return [
        AttendanceIn(r.member_id, r.present, "" if r.present else r.absence_reason.strip())
        for r in rows
    ]


def _write_attendance(meeting: Meeting, rows: list[AttendanceIn]) -> None:
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            member_id=r.member_id,
            present=r.present,
            absence_reason=r.absence_reason,
        )
        for r in rows
    )


def meeting_create(
    *,
    actor: Any,
    org: PartyOrg,
    meeting_type: str,
    held_on: date | None,
    topic: str,
    place: str = "",
    host: str = "",
    minutes: str = "",
    attendance: Iterable[AttendanceIn] = (),
) -> Meeting:
    require(actor, Perm.PARTY_MANAGE, org.area, what="party_meeting_create")
    if not org.is_active:
        msg = _("This organisation is no longer active.")
        raise ValidationFailed(msg, fields={"org": msg})
    check_type(meeting_type, org)
    if held_on is None:
        raise ValidationFailed(_("This field is required."), fields={"held_on": _("Required.")})
    not_future(held_on, field="held_on")
    topic = required_text(topic, field="topic", max_length=200)
    place = optional_text(place, field="place", max_length=100)
    host = optional_text(host, field="host", max_length=50)
    rows = check_attendance(org, attendance)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            org=org,
            meeting_type=meeting_type,
            held_on=held_on,
            topic=topic,
            place=place,
            host=host,
            minutes=minutes or "",
            created_by=user_or_none(actor),
        )
        _write_attendance(meeting, rows)
        event(
            "meeting_created",
            actor=actor,
            org=org,
            detail={
                "meeting": meeting.pk,
                "type": meeting_type,
                "attendance": len(rows),
                "present": sum(1 for r in rows if r.present),
            },
        )
    return meeting


def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    version: int,
    meeting_type: str | None = None,
    held_on: date | None = None,
    topic: str | None = None,
    place: str | None = None,
    host: str | None = None,
    minutes: str | None = None,
    attendance: Iterable[AttendanceIn] | None = None,
) -> Meeting:
    """Correct a record; ``attendance`` (if given) replaces the whole attendance list."""
    org = meeting.org
    require(actor, Perm.PARTY_MANAGE, org.area, what="party_meeting_update")
    values: dict[str, Any] = {}
    if meeting_type is not None and meeting_type != meeting.meeting_type:
        check_type(meeting_type, org)
        values["meeting_type"] = meeting_type
    if held_on is not None and held_on != meeting.held_on:
        not_future(held_on, field="held_on")
        values["held_on"] = held_on
    if topic is not None:
        topic = required_text(topic, field="topic", max_length=200)
        if topic != meeting.topic:
            values["topic"] = topic
    for field, value, limit in (("place", place, 100), ("host", host, 50)):
        if value is not None:
            value = optional_text(value, field=field, max_length=limit)
            if value != getattr(meeting, field):
                values[field] = value
    if minutes is not None and minutes != meeting.minutes:
        values["minutes"] = minutes
    rows = check_attendance(org, attendance) if attendance is not None else None
    if not values and rows is None:
        return meeting
    with transaction.atomic():
        updated = Meeting.objects.filter(pk=meeting.pk, version=version).update(
            version=F("version") + 1, **values
        )
        if not updated:
            raise Conflict(
                _("Someone else changed this meeting in the meantime. Reload and try again."),
                code=Code.STALE_VERSION,
            )
        if rows is not None:
            _write_attendance(meeting, rows)
        fields = sorted(values) + (["attendance"] if rows is not None else [])
        event(
            "meeting_updated",
            actor=actor,
            org=org,
            detail={"meeting": meeting.pk, "fields": fields},
        )
    meeting.refresh_from_db()
    return meeting
