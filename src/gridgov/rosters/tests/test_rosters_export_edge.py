"""A resident name stored with a control character (before the edge refused them) must not
make the resident export fail: the cell is written without it."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.rosters.models import Resident
from gridgov.rosters.tests.builders import make_household, make_resident
from gridgov.rosters.tests.excel_support import sheet_rows

pytestmark = pytest.mark.django_db


def test_resident_export_survives_a_stored_control_character(client, tree, make_user) -> None:
    from gridgov.accounts.services import token_issue

    worker = make_user("worker", ("grid_worker", tree.grid1))
    resident: Any = make_resident(make_household(tree.grid1), name="李四")
    Resident.objects.filter(pk=resident.pk).update(name="李\x01四\x1f")
    _token, raw = token_issue(user=worker)
    response = client.get("/api/v1/rosters/exports/residents", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert any("李四" in row for row in sheet_rows(response.content)[1:])
