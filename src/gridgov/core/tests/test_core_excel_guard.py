"""The upload guard of :class:`gridgov.core.excel.Sheet` against hostile files: zip bomb, too
many rows, damaged XML, billion laughs, external entities, control characters in cells."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from gridgov.core import excel
from gridgov.core.errors import ValidationFailed
from gridgov.core.tests import hostile_xlsx as h

HEADERS = ("编码", "姓名", "日期")


def refused(data: bytes, limits: excel.Limits | None = None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        sheet = excel.Sheet(data, HEADERS, limits=limits)
        try:
            list(sheet.rows())
        finally:
            sheet.close()
    assert exc.value.fields["file"] == exc.value.message
    return exc.value


def read(data: bytes) -> list[excel.SheetRow]:
    sheet = excel.Sheet(data, HEADERS)
    try:
        return list(sheet.rows())
    finally:
        sheet.close()


def test_the_hand_made_package_is_read_like_any_workbook():
    rows = read(h.workbook(HEADERS, [["1", "张三", None], [2, "李四", None]]))
    assert [(r.row, r.values[:2], r.errors) for r in rows] == [
        (2, ["1", "张三"], []),
        (3, [2, "李四"], []),
    ]


def test_a_zip_bomb_is_refused_from_the_zip_directory_stating_the_limits():
    data = h.zip_bomb(HEADERS)
    assert len(data) < 100_000
    limits = excel.Limits(rows=10_000, size=20 * 1024 * 1024, unpacked=100 * 1024 * 1024)
    tracemalloc.start()
    try:
        err = refused(data, limits)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "file_too_large"
    assert "10000" in err.message and "100" in err.message  # the row and unpacked limits
    assert peak < 5 * 1024 * 1024  # nothing was unpacked


def test_500_000_rows_are_refused_while_counting():
    data = h.many_rows(HEADERS, 500_000)
    limits = excel.Limits(rows=10_000, size=20 * 1024 * 1024, unpacked=100 * 1024 * 1024)
    tracemalloc.start()
    try:
        err = refused(data, limits)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "too_many_rows" and "10000" in err.message
    assert peak < 20 * 1024 * 1024  # streamed in pieces, not read whole


def test_500_000_rows_declared_by_the_dimension_are_refused():
    err = refused(h.many_rows(HEADERS, 500_000, dimension=True))
    assert err.code == "too_many_rows"


def test_a_dimension_that_lies_is_caught_while_reading():
    lines = [h.row_xml(1, HEADERS), *(h.row_xml(r, [str(r)]) for r in range(2, 10))]
    data = h.package(h.sheet_xml(lines, dimension="A1:C2"))
    err = refused(data, excel.Limits(rows=5, size=1 << 20, unpacked=1 << 24))
    assert err.code == "too_many_rows"


def test_merged_ranges_after_a_large_sheet_data_are_found_while_streaming():
    lines = [
        h.row_xml(1, HEADERS),
        *(h.row_xml(r, [f"{r:08d}", "名" * 40]) for r in range(2, 40_002)),
    ]
    tail = '<mergeCells count="1"><mergeCell ref="B39000:B39001"/></mergeCells>'
    rows = read(h.package(h.sheet_xml(lines, tail=tail)))
    flagged = {r.row: r.errors[0].column for r in rows if r.errors}
    assert flagged == {39000: "姓名", 39001: "姓名"}


def test_damaged_sheet_xml_is_a_clear_file_error():
    err = refused(h.damaged(HEADERS))
    assert err.code == "damaged_file"


def test_damaged_workbook_xml_is_a_clear_file_error():
    data = h.package(h.sheet_xml([h.row_xml(1, HEADERS)]), workbook="<workbook><sheets")
    assert refused(data).code == "damaged_file"


def test_billion_laughs_in_the_sheet_is_refused():
    err = refused(h.with_prolog(HEADERS, h.BILLION_LAUGHS, "&lol9;"))
    assert err.code == "unsafe_file"


def test_billion_laughs_in_the_shared_strings_is_refused():
    sst = f'{h.BILLION_LAUGHS}<sst xmlns="{h.MAIN}"><si><t>&lol9;</t></si></sst>'.encode()
    data = h.package(h.sheet_xml([h.row_xml(1, HEADERS)]), shared=sst)
    assert refused(data).code == "unsafe_file"


def test_an_external_entity_is_refused():
    err = refused(h.with_prolog(HEADERS, h.EXTERNAL_ENTITY, "&secret;"))
    assert err.code == "unsafe_file"


def test_an_entity_in_the_workbook_part_is_refused():
    wb = h.EXTERNAL_ENTITY + h.WORKBOOK.split("?>", 1)[1]
    data = h.package(h.sheet_xml([h.row_xml(1, HEADERS)]), workbook=wb)
    assert refused(data).code == "unsafe_file"


@pytest.mark.parametrize(
    ("written", "char"),
    [("张_x0001_三", "U+0001"), ("_x0000_李四", "U+0000"), ("王\u0085五", "U+0085")],
)
def test_a_control_character_in_a_cell_is_a_row_error(written: str, char: str):
    rows = read(h.workbook(HEADERS, [["1", "好人", None], ["2", written, None]]))
    assert rows[0].errors == []
    [error] = rows[1].errors
    assert (error.row, error.column) == (3, "姓名") and char in error.reason
    assert excel.text(rows[1].values[1]) == written.replace("_x0001_", "").replace(
        "_x0000_", ""
    ).replace("\u0085", "")


def test_a_control_character_in_a_shared_string_is_a_row_error():
    sst = f'<sst xmlns="{h.MAIN}"><si><t>赵_x001F_六</t></si></sst>'.encode()
    body = (
        h.row_xml(1, HEADERS)
        + '<row r="2"><c r="A2"><v>7</v></c><c r="B2" t="s"><v>0</v></c></row>'
    )
    [row] = read(h.package(h.sheet_xml([body]), shared=sst))
    assert [(e.row, e.column) for e in row.errors] == [(2, "姓名")]
    assert "U+001F" in row.errors[0].reason


def test_the_error_sheet_of_rows_with_control_characters_can_be_written():
    rows = read(h.workbook(HEADERS, [["1", "张_x0001_三", None]]))
    data = excel.error_sheet(title="t", headers=HEADERS, rows=rows)
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[1][:2] == ("1", "张三") and values[1][3:5] == (2, "姓名")


def test_tab_and_newline_in_a_cell_are_fine():
    [row] = read(h.workbook(HEADERS, [["1", "张\t三\n", None]]))
    assert row.errors == []


def test_a_shared_strings_part_far_larger_than_the_rows_need_is_refused():
    limits = excel.Limits(rows=10, size=1 << 24, unpacked=1 << 26)
    cap = (limits.rows + 1) * (len(HEADERS) + 20) + 10_000
    items = "".join(f"<si><t>{i}</t></si>" for i in range(cap + 1))
    sst = f'<sst xmlns="{h.MAIN}">{items}</sst>'.encode()
    body = h.row_xml(1, HEADERS) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    assert refused(h.package(h.sheet_xml([body]), shared=sst), limits).code == "file_too_large"
