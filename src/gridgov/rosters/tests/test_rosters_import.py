"""Resident roster import: creation, re-import without duplicates, every bad row reported with
row, column and reason, the two modes, jurisdiction, idempotent uploads, background jobs."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.audit.models import AuditEntry, Event
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters.models import Household, Membership, Resident, RosterEvent
from gridgov.rosters.services import imports
from gridgov.rosters.services.places import building_create
from gridgov.rosters.tests.builders import make_household, make_resident, valid_id
from gridgov.rosters.tests.excel_support import person, sheet_rows, workbook


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("worker", ("grid_worker", tree.grid1))


def run(actor: Any, rows: list[dict[str, Any]], mode: str = "valid", **kw: Any) -> ImportJob:
    return imports.import_start(
        actor=actor,
        kind="residents",
        filename="people.xlsx",
        data=workbook("residents", rows, merge=kw.pop("merge", "")),
        mode=mode,
        **kw,
    )


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    """(row, column, reason) from the job's error sheet."""
    rows = sheet_rows(bytes(ImportJob.objects.get(pk=job.pk).error_sheet))
    found = []
    for r in rows[1:]:
        for column, reason in zip(r[-2].split("\n"), r[-1].split("\n"), strict=True):
            found.append((r[-3], column, reason))
    return found


def test_a_family_is_imported_with_household_head_memberships_and_history(tree, worker):
    job = run(
        worker,
        [
            person(tree.grid1, 姓名="王建国", 与户主关系="户主"),
            person(tree.grid1, 姓名="李秀英", 与户主关系="配偶", 联系电话=""),
        ],
    )
    assert (job.status, job.created_count, job.updated_count, job.error_count) == ("done", 2, 0, 0)
    household = Household.objects.get()
    assert household.number == f"H{tree.grid1.code}000001"
    assert household.area_path == tree.grid1.path
    assert household.head.name == "王建国"
    assert set(Resident.objects.values_list("area_path", flat=True)) == {tree.grid1.path}
    assert Membership.objects.filter(household=household, end_on__isnull=True).count() == 2
    assert (
        RosterEvent.objects.filter(kind=RosterEvent.Kind.IMPORTED, resident__isnull=False).count()
        == 2
    )


def test_the_job_is_audited_without_personal_data(tree, worker):
    number = valid_id()
    job = run(worker, [person(tree.grid1, 身份证号=number)])
    entry = AuditEntry.objects.get(event=Event.ROSTER_IMPORTED)
    assert entry.target_id == str(job.pk)
    assert entry.detail["created"] == 1
    assert number not in str(entry.detail) and "13800001234" not in str(entry.detail)


def test_reimporting_the_same_file_updates_and_never_duplicates(tree, worker):
    rows = [person(tree.grid1, 姓名="王建国"), person(tree.grid1, 姓名="王小明", 与户主关系="子")]
    run(worker, rows)
    rows[1]["政治面貌"] = "共青团员"
    job = run(worker, rows)
    assert (job.created_count, job.updated_count, job.error_count) == (0, 2, 0)
    assert Resident.objects.count() == 2 and Household.objects.count() == 1
    assert Resident.objects.get(name="王小明").political_status == "03"
    assert Membership.objects.count() == 2


def test_a_household_is_matched_by_its_number(tree, worker):
    household = make_household(tree.grid1, number="H640110001001001000777", address="老地址")
    job = run(worker, [person(tree.grid1, 户编号=household.number, 住址="新地址")])
    assert job.created_count == 1
    assert Household.objects.count() == 1
    household.refresh_from_db()
    assert household.address == "新地址" and household.head is not None


def test_a_known_person_moves_to_the_household_of_the_file(tree, worker):
    old = make_household(tree.grid1, address="旧址")
    number = valid_id()
    someone = make_resident(old, id_number=number)
    job = run(worker, [person(tree.grid1, 身份证号=number, 住址="新址")])
    assert (job.created_count, job.updated_count) == (0, 1)
    someone.refresh_from_db()
    assert someone.household.address == "新址"
    assert Membership.objects.get(resident=someone, household=old).end_on is not None
    assert Membership.objects.filter(resident=someone, end_on__isnull=True).count() == 1


def test_every_bad_row_is_reported_with_row_column_and_reason(tree, worker, make_user):
    good = person(tree.grid1, 住址="甲")
    dup_id = valid_id()
    rows = [
        good,
        person(tree.grid1, 住址="乙", 身份证号="110105194912310021"),  # row 3: check digit
        person(tree.grid1, 住址="丙", 身份证号=dup_id),  # row 4
        person(tree.grid1, 住址="丙", 身份证号=dup_id, 与户主关系="子"),  # row 5: repeat
        person(tree.grid1, 所属网格编码="640110009999999", 住址="丁"),  # row 6: unknown
        person(tree.grid2, 住址="戊"),  # row 7: outside jurisdiction
        person(tree.grid1, 住址="己", 楼栋="9号楼", 单元="1", 房号="101"),  # row 8: no such room
        person(tree.grid1, 住址="庚", 迁入日期="去年"),  # row 9: not a date
        person(tree.grid1, 住址="辛", 人口类型="外星人"),  # row 10: not a code
    ]
    job = run(worker, rows)
    found = errors_of(job)
    assert [(r, c) for r, c, _reason in found] == [
        (3, "身份证号"),
        (5, "身份证号"),
        (6, "所属网格编码"),
        (7, "所属网格编码"),
        (8, "房号"),
        (9, "迁入日期"),
        (10, "人口类型"),
    ]
    assert all(reason for _r, _c, reason in found)
    assert (job.created_count, job.error_count, job.total_rows) == (2, 7, 9)


def test_a_person_in_two_households_of_the_file_is_reported_on_both_rows(tree, worker):
    number = valid_id()
    job = run(
        worker,
        [
            person(tree.grid1, 住址="甲", 身份证号=number),
            person(tree.grid1, 住址="乙", 身份证号=number),
        ],
    )
    assert [(r, c) for r, c, _ in errors_of(job)] == [(2, "身份证号"), (3, "身份证号")]
    assert Resident.objects.count() == 0


def test_error_reasons_never_hold_the_id_or_phone_number(tree, worker):
    number = valid_id()
    job = run(
        worker,
        [
            person(tree.grid1, 身份证号=number),
            person(tree.grid1, 身份证号=number, 联系电话="12345"),
        ],
    )
    reasons = " ".join(reason for _r, _c, reason in errors_of(job))
    assert number not in reasons and "12345" not in reasons


def test_the_error_sheet_keeps_the_row_as_uploaded(tree, worker):
    job = run(worker, [person(tree.grid1, 身份证号="110105194912310021", 姓名="赵六")])
    header, row = sheet_rows(bytes(ImportJob.objects.get(pk=job.pk).error_sheet))
    assert header[-3:] == ["错误行号", "错误列", "错误原因"]
    assert row[9] == "赵六" and row[10] == "110105194912310021" and row[-3] == 2


def test_someone_registered_outside_the_jurisdiction_is_refused_and_unchanged(tree, worker):
    elsewhere = make_household(tree.grid2)
    number = valid_id()
    someone = make_resident(elsewhere, id_number=number, name="外网格")
    job = run(worker, [person(tree.grid1, 身份证号=number, 姓名="改名")])
    assert [(r, c) for r, c, _ in errors_of(job)] == [(2, "身份证号")]
    someone.refresh_from_db()
    assert (someone.name, someone.household_id) == ("外网格", elsewhere.pk)


def test_all_or_nothing_writes_nothing_when_one_row_fails(tree, worker):
    job = run(
        worker,
        [person(tree.grid1), person(tree.grid1, 住址="乙", 身份证号="123")],
        mode="all",
    )
    assert (job.status, job.created_count, job.error_count) == ("done", 0, 1)
    assert job.message
    assert Resident.objects.count() == 0 and Household.objects.count() == 0


def test_all_or_nothing_writes_everything_when_all_rows_pass(tree, worker):
    job = run(worker, [person(tree.grid1), person(tree.grid1, 住址="乙")], mode="all")
    assert job.created_count == 2 and Resident.objects.count() == 2


def test_merged_cells_and_formulas_are_row_errors(tree, worker):
    rows = [person(tree.grid1, 住址="甲"), person(tree.grid1, 住址="乙", 姓名="=A1")]
    job = run(worker, rows, merge="N2:N3")
    found = [(r, c) for r, c, _ in errors_of(job)]
    assert (2, "政治面貌") in found and (3, "政治面貌") in found and (3, "姓名") in found


def test_a_room_of_the_grid_is_linked(tree, worker):
    building_create(actor=None, area=tree.grid1, name="3号楼", floors=6, units=2, rooms_per_floor=2)
    job = run(worker, [person(tree.grid1, 楼栋="3号楼", 单元="2", 房号="502")])
    assert job.created_count == 1
    room = Household.objects.get().room
    assert (room.unit.number, room.number) == (2, "502")


def test_wrong_headers_are_a_file_error_and_no_job(tree, worker):
    data = workbook("buildings", [])
    with pytest.raises(ValidationFailed) as exc:
        imports.import_start(
            actor=worker, kind="residents", filename="x.xlsx", data=data, mode="valid"
        )
    assert exc.value.code == "bad_headers"
    assert ImportJob.objects.count() == 0


def test_not_an_excel_file_is_a_file_error(tree, worker):
    with pytest.raises(ValidationFailed) as exc:
        imports.import_start(
            actor=worker, kind="residents", filename="x.xlsx", data=b"%PDF-1.4", mode="valid"
        )
    assert exc.value.code == "not_excel"


def test_more_rows_than_allowed_is_a_file_error(tree, worker, settings):
    settings.GRIDGOV_EXCEL_MAX_ROWS = 2
    with pytest.raises(ValidationFailed) as exc:
        run(worker, [person(tree.grid1, 住址=str(i)) for i in range(3)])
    assert exc.value.code == "too_many_rows"
    assert Resident.objects.count() == 0


def test_someone_without_roster_edit_may_not_import(tree, make_user):
    chief = make_user("chief", ("building_chief", tree.grid1))
    with pytest.raises(PermissionDenied):
        run(chief, [person(tree.grid1)])
    assert ImportJob.objects.count() == 0 and Resident.objects.count() == 0


def test_the_same_client_token_never_makes_a_second_job(tree, worker):
    first = run(worker, [person(tree.grid1)], client_token="abc-1")
    again = run(worker, [person(tree.grid1)], client_token="abc-1")
    assert again.pk == first.pk
    assert ImportJob.objects.count() == 1 and Resident.objects.count() == 1


def test_a_large_file_waits_for_the_background_task(tree, worker, monkeypatch):
    monkeypatch.setattr(imports, "SYNC_ROWS", 1)
    job = run(worker, [person(tree.grid1, 住址=str(i)) for i in range(3)])
    assert job.status == "pending" and Resident.objects.count() == 0
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_count) == ("done", 3, 3)
    assert job.content == b""


def test_a_job_runs_once_even_if_the_task_comes_twice(tree, worker, monkeypatch):
    monkeypatch.setattr(imports, "SYNC_ROWS", 0)
    job = run(worker, [person(tree.grid1)])
    imports.import_run(job.pk)
    imports.import_run(job.pk)
    assert Resident.objects.count() == 1
    assert AuditEntry.objects.filter(event=Event.ROSTER_IMPORTED).count() == 1
