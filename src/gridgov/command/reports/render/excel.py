"""The Excel version of a report: a cover sheet, one sheet per section, a sheet "指标说明"
holding the formula of every measure."""

from __future__ import annotations

import io
import re
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridgov.command.reports.render import Document

_HEADER = PatternFill("solid", fgColor="DDE6F0")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        name = f"{base[:26]}-{n}"
        n += 1
    taken.add(name.lower())
    return name


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text that starts with "=" stays text, never a formula
    return cell


def _widths(ws: Any, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))


def _text_width(value: Any) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def render_xlsx(doc: Document) -> bytes:
    wb = Workbook()
    taken: set[str] = set()
    cover = wb.active
    cover.title = sheet_name(_("Cover"), taken)
    _put(cover, 1, 1, doc.title).font = _TITLE
    for i, (label, value) in enumerate(doc.cover_rows(), start=3):
        _put(cover, i, 1, label).font = _BOLD
        _put(cover, i, 2, value)
    _widths(cover, {1: 14, 2: 40})

    for section in doc.sections:
        ws = wb.create_sheet(sheet_name(str(section["title"]), taken))
        _put(ws, 1, 1, str(section["title"])).font = _TITLE
        row = 3
        widths: dict[int, int] = {}
        for table in section.get("tables", []):
            _put(ws, row, 1, str(table["title"])).font = _BOLD
            row += 1
            for col, header in enumerate(table["columns"], start=1):
                cell = _put(ws, row, col, str(header))
                cell.font = _BOLD
                cell.fill = _HEADER
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                widths[col] = max(widths.get(col, 0), _text_width(header))
            row += 1
            for values in table["rows"]:
                for col, value in enumerate(values, start=1):
                    _put(ws, row, col, value if isinstance(value, (int, float)) else str(value))
                    widths[col] = max(widths.get(col, 0), _text_width(value))
                row += 1
            row += 1
        for note in section.get("notes", []):
            _put(ws, row, 1, str(note)).font = Font(italic=True)
            row += 1
        _widths(ws, widths)

    formulas = wb.create_sheet(sheet_name(_("Measure definitions"), taken))
    headers = [_("Section"), _("Measure"), _("Formula")]
    for col, header in enumerate(headers, start=1):
        cell = _put(formulas, 1, col, header)
        cell.font = _BOLD
        cell.fill = _HEADER
    for i, (section, name, formula) in enumerate(doc.formulas(), start=2):
        _put(formulas, i, 1, section)
        _put(formulas, i, 2, name)
        _put(formulas, i, 3, formula).alignment = Alignment(wrap_text=True)
    _widths(formulas, {1: 24, 2: 24, 3: 60})

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
