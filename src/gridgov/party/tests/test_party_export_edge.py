"""A member name stored with a control character (before the edge refused them) must not make
the member export fail: the cell is written without it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from gridgov.party.models import PartyMember
from gridgov.party.tests.conftest import api

pytestmark = pytest.mark.django_db


def test_member_export_survives_a_stored_control_character(client, orgs, staff, add_member):
    member = add_member(orgs.branch1, name="王一")
    PartyMember.objects.filter(pk=member.pk).update(name="王\x01一\x7f")
    response = api(client, "get", f"/api/v1/party/members/export?org={orgs.branch1.pk}", staff)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert any("王一" in row for row in rows[1:])
