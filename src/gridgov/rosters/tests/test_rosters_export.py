"""Export of the filtered rosters in the template layout: masked by default, unmasked only with
ROSTER_UNMASK and a reason, always audited, never beyond the jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.rosters.excel import SHEETS
from gridgov.rosters.services import imports
from gridgov.rosters.services.places import building_create
from gridgov.rosters.tests.builders import (
    make_household,
    make_resident,
    make_tag,
    make_tag_type,
    valid_id,
)
from gridgov.rosters.tests.excel_support import sheet_rows


@pytest.fixture
def people(tree: Any) -> dict[str, Any]:
    number = valid_id()
    home = make_household(tree.grid1, address="凤鸣路1号")
    return {
        "number": number,
        "mine": make_resident(home, name="王建国", id_number=number, phone="13912345678"),
        "other": make_resident(make_household(tree.grid2), name="外网格人"),
    }


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("worker", ("grid_worker", tree.grid1))


@pytest.fixture
def staff(tree: Any, make_user: Any) -> Any:
    return make_user("staff", ("community_staff", tree.community))


def rows_of(data: bytes) -> list[list[Any]]:
    return sheet_rows(data)


def test_the_export_has_the_template_header_and_masks(worker, people):
    data = imports.export_sheet(actor=worker, kind="residents", filters={})
    header, *rows = rows_of(data)
    assert tuple(header) == SHEETS["residents"].headers
    assert [r[9] for r in rows] == ["王建国"]  # the other grid is outside the jurisdiction
    assert people["number"] not in rows[0] and "13912345678" not in rows[0]
    assert rows[0][10] == people["mine"].id_number_masked


def test_the_export_is_audited_without_the_numbers(worker, people):
    imports.export_sheet(actor=worker, kind="residents", filters={"q": people["number"]})
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_EXPORTED)
    assert entry.detail["count"] == 1 and entry.detail["unmasked"] is False
    assert people["number"] not in str(entry.detail)


def test_sensitive_names_are_masked(worker, people):
    make_tag(people["mine"], make_tag_type("test_dibao", name="测试低保", sensitive=True))
    rows = rows_of(imports.export_sheet(actor=worker, kind="residents", filters={}))[1:]
    assert rows[0][9] == "王**"


def test_unmasked_export_needs_roster_unmask(worker, people):
    with pytest.raises(PermissionDenied):
        imports.export_sheet(
            actor=worker, kind="residents", filters={}, unmasked=True, reason="走访"
        )
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_EXPORTED).exists()


def test_unmasked_export_needs_a_reason(staff, people):
    with pytest.raises(ValidationFailed):
        imports.export_sheet(actor=staff, kind="residents", filters={}, unmasked=True)


def test_unmasked_export_with_a_reason_has_the_numbers(staff, people):
    data = imports.export_sheet(
        actor=staff, kind="residents", filters={}, unmasked=True, reason="低保年审"
    )
    rows = rows_of(data)[1:]
    mine = next(r for r in rows if r[9] == "王建国")
    assert mine[10] == people["number"] and mine[12] == "13912345678"
    entry = AuditEntry.objects.get(event=Event.PERSONAL_DATA_EXPORTED)
    assert entry.detail["unmasked"] is True and entry.detail["reason"] == "低保年审"


def test_an_export_can_be_imported_again_after_unmasking(staff, worker, people):
    data = imports.export_sheet(
        actor=staff, kind="residents", filters={}, unmasked=True, reason="核对"
    )
    job = imports.import_start(
        actor=worker, kind="residents", filename="back.xlsx", data=data, mode="valid"
    )
    assert (job.created_count, job.updated_count, job.error_count) == (0, 1, 1)  # grid2 refused


def test_the_area_filter_outside_the_jurisdiction_is_refused(worker, tree, people):
    with pytest.raises(PermissionDenied):
        imports.export_sheet(actor=worker, kind="residents", filters={"area": tree.grid2})


def test_too_many_rows_asks_to_narrow_the_filter(worker, people, settings):
    settings.GRIDGOV_EXCEL_MAX_ROWS = 0
    with pytest.raises(ValidationFailed):
        imports.export_sheet(actor=worker, kind="residents", filters={})


def test_buildings_export_in_the_template_layout(worker, tree):
    building_create(actor=None, area=tree.grid1, name="3号楼", floors=6, units=2, rooms_per_floor=4)
    header, row = rows_of(imports.export_sheet(actor=worker, kind="buildings", filters={}))
    assert tuple(header) == SHEETS["buildings"].headers
    assert row == [tree.grid1.code, None, "3号楼", None, 6, 2, 4]


def test_tags_export_lists_the_open_tags_with_their_facts(tree, make_user, people):
    fields = [{"key": "grade", "label": "残疾等级", "type": "text"}]
    make_tag(
        people["mine"],
        make_tag_type("test_disabled", name="测试残疾", fields=fields),
        facts={"grade": "二级"},
    )
    make_tag(people["mine"], make_tag_type("test_veteran", name="测试退役", sensitive=False))
    leader = make_user("leader", ("leader", tree.community))
    header, *rows = rows_of(imports.export_sheet(actor=leader, kind="tags", filters={}))
    assert tuple(header) == SHEETS["tags"].headers
    assert sorted((r[2], r[5]) for r in rows) == [("测试残疾", "残疾等级=二级"), ("测试退役", None)]


def test_a_building_chief_may_not_export(tree, make_user, people):
    chief = make_user("chief", ("building_chief", tree.grid1))
    with pytest.raises(PermissionDenied):
        imports.export_sheet(actor=chief, kind="residents", filters={})
    assert not AuditEntry.objects.filter(event=Event.PERSONAL_DATA_EXPORTED).exists()


# --- page -------------------------------------------------------------------------------------


def test_the_page_download_is_masked(client, worker, people):
    assert client.login(username="worker", password=TEST_PASSWORD)
    response = client.get(reverse("rosters:export") + "?download=1")
    assert response.status_code == 200
    assert people["number"] not in str(rows_of(response.content))


def test_the_page_unmasked_download_asks_for_the_reason(client, staff, people):
    assert client.login(username="staff", password=TEST_PASSWORD)
    response = client.post(reverse("rosters:export"), {"unmask": "on", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    ok = client.post(reverse("rosters:export"), {"unmask": "on", "reason": "入户走访"})
    assert people["number"] in str(rows_of(ok.content))


def test_the_page_unmasked_download_is_refused_without_the_permission(client, worker, people):
    assert client.login(username="worker", password=TEST_PASSWORD)
    response = client.post(reverse("rosters:export"), {"unmask": "on", "reason": "看看"})
    assert response.status_code == 403


def test_the_page_keeps_the_list_filters(client, worker, tree, people):
    make_resident(make_household(tree.grid1, address="别处"), name="李四")
    assert client.login(username="worker", password=TEST_PASSWORD)
    response = client.get(reverse("rosters:export") + "?q=王&download=1")
    assert [r[9] for r in rows_of(response.content)[1:]] == ["王建国"]
