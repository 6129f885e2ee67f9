"""Workbooks for the import tests: rows in the residents / buildings / tags templates."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from gridgov.rosters.excel import SHEETS
from gridgov.rosters.tests.builders import valid_id


def person(grid: Any, **kw: Any) -> dict[str, Any]:
    row = {
        "所属网格编码": grid.code,
        "户编号": "",
        "户类型": "户籍",
        "住址": "凤鸣路1号",
        "小区": "",
        "楼栋": "",
        "单元": "",
        "房号": "",
        "与户主关系": "户主",
        "姓名": "张三",
        "身份证号": valid_id(),
        "民族": "汉族",
        "联系电话": "13800001234",
        "政治面貌": "群众",
        "人口类型": "户籍人口",
        "迁入日期": "2020-05-01",
    }
    row.update(kw)
    return row


def workbook(kind: str, rows: list[dict[str, Any]], *, merge: str = "") -> bytes:
    headers = SHEETS[kind].headers
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(headers))
    for r in rows:
        ws.append([r.get(h) for h in headers])
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_rows(data: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in ws.iter_rows()]
