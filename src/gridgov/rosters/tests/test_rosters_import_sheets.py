"""The buildings and special-groups sheets: creation, re-import without duplicates, errors."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.kernel.imports.models import ImportJob
from gridgov.rosters.models import Building, Resident, ResidentTag, Room
from gridgov.rosters.services import imports
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag_type, valid_id
from gridgov.rosters.tests.excel_support import sheet_rows, workbook


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("worker", ("grid_worker", tree.grid1))


def run(actor: Any, kind: str, rows: list[dict[str, Any]], mode: str = "valid") -> ImportJob:
    return imports.import_start(
        actor=actor, kind=kind, filename="x.xlsx", data=workbook(kind, rows), mode=mode
    )


def errors(job: ImportJob) -> list[tuple[int, str]]:
    rows = sheet_rows(bytes(ImportJob.objects.get(pk=job.pk).error_sheet))[1:]
    return [(r[-3], c) for r in rows for c in r[-2].split("\n")]


def building(grid: Any, **kw: Any) -> dict[str, Any]:
    row = {"所属网格编码": grid.code, "小区": "凤鸣小区", "楼栋": "3号楼", "地址": "凤鸣路12号",
           "层数": 6, "单元数": 2, "每层户数": 2}  # fmt: skip
    row.update(kw)
    return row


def test_buildings_are_created_with_units_and_rooms(tree, worker):
    job = run(worker, "buildings", [building(tree.grid1)])
    assert (job.created_count, job.error_count) == (1, 0)
    b = Building.objects.get()
    assert (b.estate.name, b.area_path, b.units.count()) == ("凤鸣小区", tree.grid1.path, 2)
    assert Room.objects.filter(unit__building=b).count() == 24


def test_reimporting_a_building_adds_what_is_missing_and_never_duplicates(tree, worker):
    run(worker, "buildings", [building(tree.grid1)])
    job = run(worker, "buildings", [building(tree.grid1, 单元数=3, 层数=7)])
    assert (job.created_count, job.updated_count) == (0, 1)
    assert Building.objects.count() == 1
    assert Room.objects.count() == 3 * 7 * 2


def test_bad_building_rows_are_reported(tree, worker):
    job = run(
        worker,
        "buildings",
        [
            building(tree.grid2),
            building(tree.grid1, 楼栋="1号楼", 层数="六"),
            building(tree.grid1, 楼栋="2号楼", 每层户数=500),
        ],
    )
    assert errors(job) == [(2, "所属网格编码"), (3, "层数"), (4, "每层户数")]
    assert Building.objects.count() == 0


def tag_row(number: str, **kw: Any) -> dict[str, Any]:
    row = {"身份证号": number, "姓名": "张三", "特殊人群类型": "测试残疾", "开始日期": "2024-01-05",
           "结束日期": "", "具体情况": "残疾等级=二级", "备注": ""}  # fmt: skip
    row.update(kw)
    return row


@pytest.fixture
def disabled(db: Any) -> Any:
    return make_tag_type(
        "test_disabled",
        name="测试残疾",
        sensitive=True,
        fields=[
            {
                "key": "grade",
                "label": "残疾等级",
                "type": "choice",
                "choices": ["一级", "二级"],
                "required": True,
            }
        ],
    )


def test_a_tag_is_added_and_the_person_becomes_sensitive(tree, worker, disabled):
    number = valid_id()
    person = make_resident(make_household(tree.grid1), id_number=number)
    job = run(worker, "tags", [tag_row(number)])
    assert (job.created_count, job.error_count) == (1, 0)
    tag = ResidentTag.objects.get(resident=person)
    assert (tag.facts, tag.area_path) == ({"grade": "二级"}, tree.grid1.path)
    assert Resident.objects.get(pk=person.pk).sensitive is True


def test_reimporting_a_tag_updates_the_open_one(tree, worker, disabled):
    number = valid_id()
    make_resident(make_household(tree.grid1), id_number=number)
    run(worker, "tags", [tag_row(number)])
    job = run(worker, "tags", [tag_row(number, 具体情况="残疾等级=一级")])
    assert (job.created_count, job.updated_count) == (0, 1)
    assert ResidentTag.objects.get().facts == {"grade": "一级"}


def test_bad_tag_rows_are_reported(tree, worker, disabled):
    number = valid_id()
    make_resident(make_household(tree.grid1), id_number=number)
    second = valid_id()
    make_resident(make_household(tree.grid1), id_number=second)
    outside = valid_id()
    make_resident(make_household(tree.grid2), id_number=outside)
    job = run(
        worker,
        "tags",
        [
            tag_row(valid_id()),  # not on the roster
            tag_row(outside),  # another grid
            tag_row(number, 具体情况="残疾等级=九级"),
            tag_row(number, 特殊人群类型="火星人"),
            tag_row(second, 具体情况=""),  # a required fact
        ],
    )
    assert errors(job) == [
        (2, "身份证号"),
        (3, "身份证号"),
        (4, "具体情况"),
        (5, "特殊人群类型"),
        (6, "具体情况"),
    ]
    assert ResidentTag.objects.count() == 0
