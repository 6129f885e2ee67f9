"""Every party page renders for community staff, and a grid worker (view only) gets the read
pages but not the forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.party import services
from gridgov.party.models import MeetingType


@pytest.fixture
def world(orgs, staff, tree, add_member):
    member = add_member(orgs.branch1, "甲", probationary=True, phone="13912345678")
    meeting = services.meeting_create(
        actor=staff,
        org=orgs.branch1,
        meeting_type=MeetingType.LECTURE,
        held_on=timezone.localdate() - timedelta(days=1),
        topic="党课",
        attendance=[services.AttendanceIn(member.pk)],
    )
    report = services.dual_report_create(
        actor=staff,
        community=tree.community,
        name="赵敏",
        phone="13712345678",
        work_unit="区人民医院",
        registered_on=timezone.localdate(),
    )
    return {"member": member, "meeting": meeting, "report": report, "org": orgs.branch1}


READ_PAGES = [
    ("party:index", None),
    ("party:org_detail", "org"),
    ("party:member_list", None),
    ("party:member_detail", "member"),
    ("party:meeting_list", None),
    ("party:meeting_detail", "meeting"),
    ("party:dual_list", None),
]
FORM_PAGES = [
    ("party:org_create", None),
    ("party:org_edit", "org"),
    ("party:member_create", None),
    ("party:member_edit", "member"),
    ("party:member_confirm", "member"),
    ("party:member_transfer", "member"),
    ("party:member_leave", "member"),
    ("party:meeting_create", "org"),
    ("party:meeting_edit", "meeting"),
    ("party:dual_create", None),
    ("party:dual_end", "report"),
    ("party:member_import", None),
]


def _url(world, name, key):
    return reverse(name, args=[world[key].pk]) if key else reverse(name)


@pytest.mark.parametrize(("name", "key"), READ_PAGES + FORM_PAGES)
def test_page_renders_for_community_staff(client, world, staff, name, key):
    client.force_login(staff)
    response = client.get(_url(world, name, key))
    assert response.status_code == 200
    assert "13912345678" not in response.content.decode()


@pytest.mark.parametrize(("name", "key"), READ_PAGES)
def test_read_pages_for_a_grid_worker(client, world, worker, name, key):
    client.force_login(worker)
    assert client.get(_url(world, name, key)).status_code == 200


@pytest.mark.parametrize(("name", "key"), FORM_PAGES)
def test_form_pages_are_refused_to_a_grid_worker(client, world, worker, name, key):
    client.force_login(worker)
    # A 双报到 lies at the community, above the grid worker's grid: not even visible.
    expected = 404 if key == "report" else 403
    assert client.get(_url(world, name, key)).status_code == expected


@pytest.mark.parametrize(("name", "key"), READ_PAGES[1:2] + READ_PAGES[3:4] + READ_PAGES[5:6])
def test_detail_pages_of_another_community_are_404(client, world, other_staff, name, key):
    client.force_login(other_staff)
    assert client.get(_url(world, name, key)).status_code == 404


def test_template_download(client, world, worker):
    client.force_login(worker)
    response = client.get(reverse("party:member_template"))
    assert response.status_code == 200 and response.content[:2] == b"PK"
