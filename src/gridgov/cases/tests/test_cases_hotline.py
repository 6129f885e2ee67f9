"""12345 Excel import: template, row checks with row/column/reason, modes, re-import, command."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gridgov.cases.importers import hotline
from gridgov.cases.importers.hotline import HEADERS, error_report, import_hotline
from gridgov.cases.models import Case
from gridgov.cases.states import Source
from gridgov.cases.tests.intake_builders import IN_GRID1, _media, cats  # noqa: F401
from gridgov.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def row(n: int = 1, **over: Any) -> list[Any]:
    values = {
        "工单编号": f"GD{n:04d}",
        "来电时间": datetime(2025, 1, 5, 9, 30),
        "来电人": "王女士",
        "联系电话": "13900000000",
        "诉求类型(分类编码或名称)": "I0101",
        "诉求标题": f"垃圾未清运{n}",
        "诉求内容": "小区门口垃圾三天未清运",
        "发生地址": "凤鸣路1号",
        "经度": IN_GRID1[0],
        "纬度": IN_GRID1[1],
        "所属区域编码": None,
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(*rows: list[Any], headers: list[str] | None = None, merge: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers or HEADERS)
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def importer(tree: Any, make_user: Any) -> Any:
    return make_user("disp", ("dispatcher", tree.street))


def reasons(result: Any) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def test_template_has_headers_example_and_categories(cats: Any) -> None:
    wb = load_workbook(io.BytesIO(hotline.build_template()))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 2
    notes = "\n".join(str(c.value) for r in wb["说明"].iter_rows() for c in r if c.value)
    assert "I0101" in notes and "停用类别" not in notes


def test_valid_file_is_imported(cats: Any, importer: Any, tree: Any) -> None:
    result = import_hotline(actor=importer, data=xlsx(row(1), row(2)), mode="valid")
    assert result.ok and len(result.created) == 2
    case = Case.objects.get(external_id="GD0001")
    assert (case.source, case.area, case.category) == (Source.HOTLINE, tree.grid1, cats.litter)
    local = timezone.localtime(case.reported_at)
    assert (local.year, local.hour) == (2025, 9)


def test_reimport_of_the_same_file_is_refused_per_row(cats: Any, importer: Any) -> None:
    data = xlsx(row(1))
    import_hotline(actor=importer, data=data)
    again = import_hotline(actor=importer, data=data)
    assert not again.created
    assert reasons(again) == {(2, "工单编号")}
    assert Case.objects.count() == 1


def test_broken_rows_are_reported_by_row_and_column(cats: Any, importer: Any) -> None:
    data = xlsx(
        row(1),
        row(2, **{"诉求类型(分类编码或名称)": "没有这个分类"}),
        row(3, 来电时间="昨天上午"),
        row(4, 经度=2.35, 纬度=48.85),
        row(5, 经度="abc"),
        row(6, 所属区域编码="999999999999999", 经度=None, 纬度=None),
        row(1),  # same 工单编号 as row 2 of the sheet
        row(8, 联系电话="12345"),
        row(9, 经度=None, 纬度=None),
        row(10, 诉求标题="=A1&B1"),
    )
    result = import_hotline(actor=importer, data=data, mode="valid")
    assert reasons(result) == {
        (3, "诉求类型(分类编码或名称)"),
        (4, "来电时间"),
        (5, "经度"),
        (6, "经度"),
        (7, "所属区域编码"),
        (8, "工单编号"),
        (9, "联系电话"),
        (10, "经度"),
        (11, "诉求标题"),
    }
    assert [c.external_id for c in result.created] == ["GD0001"]


def test_all_or_nothing_imports_nothing_on_any_error(cats: Any, importer: Any) -> None:
    data = xlsx(row(1), row(2, **{"诉求类型(分类编码或名称)": "没有"}))
    result = import_hotline(actor=importer, data=data, mode="all")
    assert not result.created and reasons(result) == {(3, "诉求类型(分类编码或名称)")}
    assert not Case.objects.exists()


def test_all_or_nothing_imports_everything_when_clean(cats: Any, importer: Any) -> None:
    result = import_hotline(actor=importer, data=xlsx(row(1), row(2)), mode="all")
    assert len(result.created) == 2


def test_merged_cells_are_an_error(cats: Any, importer: Any) -> None:
    result = import_hotline(actor=importer, data=xlsx(row(1), row(2), merge="G2:G3"))
    assert (2, "诉求内容") in reasons(result) and (3, "诉求内容") in reasons(result)
    assert not Case.objects.exists()


def test_not_an_excel_file_is_refused(cats: Any, importer: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data=b"PK\x03\x04 not really a zip")
    assert err.value.code == "not_excel"
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data="工单编号,来电时间\n1,2".encode())
    assert err.value.code == "not_excel"


def test_wrong_headers_are_refused(cats: Any, importer: Any) -> None:
    headers = [*HEADERS[:-1], "区域"]
    with pytest.raises(ValidationFailed) as err:
        import_hotline(actor=importer, data=xlsx(row(1), headers=headers))
    assert err.value.code == "bad_headers"
    assert "所属区域编码" in err.value.message


def test_area_outside_jurisdiction_is_a_row_error(cats: Any, tree: Any, make_user: Any) -> None:
    disp = make_user("d2", ("dispatcher", tree.town))
    data = xlsx(row(1, 经度=None, 纬度=None, 所属区域编码=tree.grid1.code))
    result = import_hotline(actor=disp, data=data)
    assert reasons(result) == {(2, "所属区域编码")}
    assert not Case.objects.exists()


def test_import_needs_the_import_permission(cats: Any, tree: Any, make_user: Any) -> None:
    worker = make_user("w", ("grid_worker", tree.grid1))
    with pytest.raises(PermissionDenied):
        import_hotline(actor=worker, data=xlsx(row(1)))
    assert not Case.objects.exists()


def test_error_report_lists_the_bad_rows_with_reasons(cats: Any, importer: Any) -> None:
    result = import_hotline(
        actor=importer, data=xlsx(row(1), row(2, **{"诉求类型(分类编码或名称)": "没有"}))
    )
    ws = load_workbook(io.BytesIO(error_report(result))).worksheets[0]
    assert [c.value for c in ws[1]][: len(HEADERS) + 1] == [*HEADERS, "错误"]
    assert ws.max_row == 2
    assert ws.cell(2, 1).value == "GD0002"
    assert "没有" in str(ws.cell(2, len(HEADERS) + 1).value)


def test_command_imports_and_reports(cats: Any, tmp_path: Any, tree: Any) -> None:
    path = tmp_path / "in.xlsx"
    path.write_bytes(xlsx(row(1), row(2, 经度="x")))
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(SystemExit):
        call_command("import_hotline", str(path), "--errors", str(errors))
    assert Case.objects.filter(external_id="GD0001").exists()
    assert errors.exists()


def test_a_large_file_is_reported_in_batches_like_single_reports(
    cats: Any, importer: Any, tree: Any
) -> None:
    from gridgov.cases.models import CaseEvent, CaseStat

    n = 1_200  # three transactions of case_report_many
    result = import_hotline(actor=importer, data=xlsx(*(row(i) for i in range(1, n + 1))))
    assert result.ok and len(result.created) == n
    numbers = sorted(int(c.number[4:]) for c in Case.objects.all())
    assert numbers == list(range(1, n + 1))
    assert CaseEvent.objects.filter(action="report").count() == n
    assert sum(CaseStat.objects.filter(area=tree.grid1).values_list("reported", flat=True)) == n
    again = import_hotline(actor=importer, data=xlsx(row(1), row(n + 1)))
    assert [c.external_id for c in again.created] == [f"GD{n + 1:04d}"]
    assert reasons(again) == {(2, "工单编号")}
