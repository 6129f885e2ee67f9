"""Meeting records: who may attend, absence reasons, types per organisation, attendance rate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.party import services
from gridgov.party.models import Attendance, Meeting, MeetingType, PartyEvent
from gridgov.party.services import AttendanceIn
from gridgov.party.tests.conftest import api


def _meeting(actor, org, attendance, meeting_type=MeetingType.CONGRESS):
    return services.meeting_create(
        actor=actor,
        org=org,
        meeting_type=meeting_type,
        held_on=timezone.localdate() - timedelta(days=3),
        topic="学习党章",
        attendance=attendance,
    )


def test_branch_meeting_records_attendance_of_its_and_its_groups_members(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    b = add_member(orgs.group1, "乙")
    meeting = _meeting(staff, orgs.branch1, [AttendanceIn(a.pk), AttendanceIn(b.pk, False, "因病")])
    assert Attendance.objects.filter(meeting=meeting).count() == 2
    assert PartyEvent.objects.filter(kind="meeting_created", org=orgs.branch1).exists()


def test_a_member_of_another_organisation_cannot_attend(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    outsider = add_member(orgs.branch2, "丙")
    with pytest.raises(ValidationFailed) as exc:
        _meeting(staff, orgs.branch1, [AttendanceIn(a.pk), AttendanceIn(outsider.pk)])
    assert exc.value.code == "not_a_member"
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_committee_meeting_includes_members_of_all_sub_organisations(orgs, staff, add_member):
    a = add_member(orgs.group1, "甲")
    b = add_member(orgs.branch2, "乙")
    meeting = _meeting(
        staff, orgs.committee, [AttendanceIn(a.pk), AttendanceIn(b.pk)], MeetingType.COMMITTEE
    )
    assert meeting.pk


def test_a_member_who_left_cannot_attend(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    services.member_leave(actor=staff, member=a, on=timezone.localdate(), reason="去世")
    with pytest.raises(ValidationFailed):
        _meeting(staff, orgs.branch1, [AttendanceIn(a.pk)])


def test_absence_needs_a_reason(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    with pytest.raises(ValidationFailed) as exc:
        _meeting(staff, orgs.branch1, [AttendanceIn(a.pk, present=False)])
    assert exc.value.code == "absence_reason"
    assert not Meeting.objects.exists()


def test_a_member_listed_twice_is_refused(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    with pytest.raises(ValidationFailed):
        _meeting(staff, orgs.branch1, [AttendanceIn(a.pk), AttendanceIn(a.pk)])


def test_group_meeting_only_for_a_party_group(orgs, staff):
    with pytest.raises(ValidationFailed) as exc:
        _meeting(staff, orgs.branch1, [], MeetingType.GROUP)
    assert "meeting_type" in exc.value.fields
    assert _meeting(staff, orgs.group1, [], MeetingType.GROUP).pk


def test_future_meeting_is_refused(orgs, staff):
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_create(
            actor=staff,
            org=orgs.branch1,
            meeting_type=MeetingType.LECTURE,
            held_on=timezone.localdate() + timedelta(days=2),
            topic="党课",
        )
    assert "held_on" in exc.value.fields


def test_grid_worker_cannot_record_a_meeting(orgs, worker):
    with pytest.raises(PermissionDenied):
        _meeting(worker, orgs.branch1, [])
    assert not Meeting.objects.exists()


def test_update_replaces_attendance(orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    b = add_member(orgs.branch1, "乙")
    meeting = _meeting(staff, orgs.branch1, [AttendanceIn(a.pk)])
    meeting = services.meeting_update(
        actor=staff,
        meeting=meeting,
        version=meeting.version,
        attendance=[AttendanceIn(a.pk, False, "出差"), AttendanceIn(b.pk)],
        minutes="会议纪要",
    )
    rows = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "present"))
    assert rows == {a.pk: False, b.pk: True} and meeting.minutes == "会议纪要"


def test_detail_page_shows_the_attendance_rate(client, orgs, staff, add_member):
    members = [add_member(orgs.branch1, n) for n in "甲乙丙丁"]
    attendance = [AttendanceIn(m.pk) for m in members[:3]] + [
        AttendanceIn(members[3].pk, False, "外出务工")
    ]
    meeting = _meeting(staff, orgs.branch1, attendance)
    client.force_login(staff)
    response = client.get(reverse("party:meeting_detail", args=[meeting.pk]))
    assert response.context["rate"] == 75.0
    assert "75.0%" in response.content.decode() and "外出务工" in response.content.decode()


def test_meeting_form_page_records_attendance(client, orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    b = add_member(orgs.group1, "乙")
    client.force_login(staff)
    response = client.post(
        reverse("party:meeting_create", args=[orgs.branch1.pk]),
        {
            "meeting_type": MeetingType.THEME_DAY,
            "held_on": timezone.localdate().isoformat(),
            "topic": "我为群众办实事",
            f"att_{a.pk}": "present",
            f"att_{b.pk}": "absent",
            f"reason_{b.pk}": "因病请假",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, member=b).absence_reason == "因病请假"


def test_other_community_cannot_see_the_meeting(client, orgs, staff, other_staff):
    meeting = _meeting(staff, orgs.branch1, [])
    client.force_login(other_staff)
    assert client.get(reverse("party:meeting_detail", args=[meeting.pk])).status_code == 404
    assert api(client, "get", "/api/v1/party/meetings", other_staff).json()["count"] == 0


def test_api_create_and_read_meeting(client, orgs, staff, add_member):
    a = add_member(orgs.branch1, "甲")
    b = add_member(orgs.branch1, "乙")
    body = {
        "org_id": orgs.branch1.pk,
        "meeting_type": "lecture",
        "held_on": timezone.localdate().isoformat(),
        "topic": "党课",
        "attendance": [
            {"member_id": a.pk, "present": True},
            {"member_id": b.pk, "present": False, "absence_reason": "出差"},
        ],
    }
    created = api(client, "post", "/api/v1/party/meetings", staff, body)
    assert created.status_code == 201, created.content
    data = api(client, "get", f"/api/v1/party/meetings/{created.json()['id']}", staff).json()
    assert data["attendance_rate"] == 50.0 and len(data["attendance"]) == 2
