"""The generic Excel helpers: safe opening, header check, merged cells, formulas, typed cells,
templates and error sheets."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from gridgov.core import excel
from gridgov.core.errors import ValidationFailed

HEADERS = ("编码", "姓名", "日期")


def book(*rows: Any, headers: Any = HEADERS, merge: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read(data: bytes) -> list[excel.SheetRow]:
    sheet = excel.Sheet(data, HEADERS)
    try:
        return list(sheet.rows())
    finally:
        sheet.close()


def test_rows_are_read_with_their_excel_row_numbers_and_blank_rows_skipped():
    rows = read(book(["1", "张三", None], [None, None, None], ["2", "李四", None]))
    assert [(r.row, r.values[1]) for r in rows] == [(2, "张三"), (4, "李四")]


def test_not_a_zip_is_not_excel():
    with pytest.raises(ValidationFailed) as exc:
        excel.Sheet(b"name,id\n1,2\n", HEADERS)
    assert exc.value.code == "not_excel"


def test_a_zip_without_a_workbook_is_not_excel():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValidationFailed) as exc:
        excel.Sheet(out.getvalue(), HEADERS)
    assert exc.value.code == "not_excel"


def test_a_zip_bomb_is_refused_before_opening():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as exc:
        excel.Sheet(out.getvalue(), HEADERS)
    assert exc.value.code == "file_too_large"


def test_wrong_headers_name_what_is_missing_and_unexpected():
    with pytest.raises(ValidationFailed) as exc:
        excel.Sheet(book(headers=("编码", "名字", "日期")), HEADERS)
    assert exc.value.code == "bad_headers"
    assert "姓名" in exc.value.message and "名字" in exc.value.message


def test_more_rows_than_the_maximum_is_a_file_error(settings):
    settings.GRIDGOV_EXCEL_MAX_ROWS = 3
    with pytest.raises(ValidationFailed) as exc:
        read(book(*[[str(i), "张三", None] for i in range(4)]))
    assert exc.value.code == "too_many_rows"


def test_merged_cells_are_reported_on_every_row_they_cover():
    rows = read(book(["1", "张三", None], ["2", None, None], merge="B2:B3"))
    assert [(e.row, e.column) for r in rows for e in r.errors] == [(2, "姓名"), (3, "姓名")]


def test_formulas_are_reported_and_not_used():
    rows = read(book(["1", '=A2&"x"', None]))
    assert rows[0].errors[0].column == "姓名"
    assert rows[0].values[1] is None


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 1, 5),
        datetime(2024, 1, 5, 0, 0),
        45296,  # the Excel serial of 2024-01-05
        "2024-01-05",
        "2024/1/5",
        "2024年1月5日",
        "2024.1.5",
        "20240105",
    ],
)
def test_dates_in_every_usual_form(value):
    assert excel.to_date(value) == date(2024, 1, 5)


@pytest.mark.parametrize("value", ["2024-02-30", "明天", 3.5e9, True])
def test_not_dates(value):
    with pytest.raises(excel.CellProblem):
        excel.to_date(value)


def test_whole_numbers_from_numbers_and_text():
    assert excel.to_int(3.0) == 3
    assert excel.to_int(" 12 ") == 12
    assert excel.to_int("") is None
    with pytest.raises(excel.CellProblem):
        excel.to_int(2.5)


def test_text_drops_the_point_zero_of_whole_numbers():
    assert excel.text(640110001001001.0) == "640110001001001"
    assert excel.text("  张三 ") == "张三"


def test_template_has_a_bold_header_an_example_and_notes():
    data = excel.template(
        title="人口", headers=HEADERS, example=("1", "张三", "2024-01-05"), notes=["说明一"]
    )
    wb = load_workbook(io.BytesIO(data))
    ws = wb["人口"]
    assert [c.value for c in ws[1]] == list(HEADERS)
    assert ws["A1"].font.b
    assert [c.value for c in ws[2]] == ["1", "张三", "2024-01-05"]
    assert wb["填写说明"]["A2"].value == "说明一"


def test_error_sheet_repeats_the_bad_rows_with_row_column_and_reason():
    good = excel.SheetRow(row=2, values=["1", "张三", None])
    bad = excel.SheetRow(row=3, values=["2", "=1+1", None])
    bad.error("姓名", "不允许使用公式")
    data = excel.error_sheet(title="错误", headers=HEADERS, rows=[good, bad])
    ws = load_workbook(io.BytesIO(data))["错误"]
    assert [c.value for c in ws[1]] == [*HEADERS, *excel.ERROR_HEADERS]
    assert [c.value for c in ws[2]] == ["2", None, None, 3, "姓名", "不允许使用公式"]
    assert ws.max_row == 2


def test_the_fast_reader_reads_what_openpyxl_reads():
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(HEADERS))
    ws.append(["a", 12, 3.5])
    ws.append([None, True, datetime(2024, 1, 5)])
    ws.append(["=1+2", "长文本", date(2023, 12, 31)])
    ws["A6"] = "第六行"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    lean = excel._LeanReader(zipfile.ZipFile(io.BytesIO(data)))
    fast = list(lean.rows(3, min_row=2))
    slow = load_workbook(io.BytesIO(data), read_only=True)
    expected = [
        (r, list(v))
        for r, v in enumerate(
            slow.worksheets[0].iter_rows(min_row=2, max_col=3, values_only=True), 2
        )
        if any(x is not None for x in v)
    ]
    assert fast == expected


def test_a_control_character_in_a_cell_never_passes_silently():
    """xlsx carries controls as ``_x0001_`` escapes; a reader that decodes them must report
    the cell (the same rule as every form), one that does not keeps harmless text."""
    data = book(["张三QQQ", "王五", "1"], ["李四", "赵六", "2"])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as patched:
        for info in src.infolist():
            patched.writestr(info, src.read(info.filename).replace(b"QQQ", b"_x0001_"))
    first, second = read(out.getvalue())
    assert "\x01" not in first.values[0]
    assert first.errors or first.values[0] == "张三_x0001_"
    assert not second.errors
