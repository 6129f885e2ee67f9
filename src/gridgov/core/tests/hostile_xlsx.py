"""Hand-made .xlsx packages for the upload guard's tests and bench/bench_import_guard.py: a zip
bomb, a sheet of 500 000 rows, damaged XML, a "billion laughs" and an external entity, control
characters in cells. Each is written with :mod:`zipfile` from crafted XML, nothing binary is
kept in the repository."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def cell(ref: str, value: object) -> str:
    """One cell: numbers as numbers, text inline (``_xHHHH_`` escapes are written as given)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(r: int, values: Sequence[object]) -> str:
    cells = "".join(cell(f"{column(i)}{r}", v) for i, v in enumerate(values))
    return f'<row r="{r}">{cells}</row>'


def sheet_xml(
    rows: Iterable[str], *, prolog: str = "", dimension: str = "", tail: str = ""
) -> bytes:
    head = prolog or '<?xml version="1.0" encoding="UTF-8"?>'
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(rows)
    return (
        f'{head}<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{dim}<sheetData>{body}</sheetData>'
        f"{tail}</worksheet>"
    ).encode()


def package(
    sheet: bytes,
    *,
    shared: bytes | None = None,
    workbook: str = WORKBOOK,
    level: int = 6,
) -> bytes:
    """A minimal .xlsx: content types, relationships, the workbook, one sheet and (optionally)
    shared strings."""
    shared = shared or (f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="0"/>').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def workbook(headers: Sequence[str], rows: Iterable[Sequence[object]] = ()) -> bytes:
    """A plain, legitimate workbook: the header row and ``rows``."""
    lines = [row_xml(1, headers)]
    lines.extend(row_xml(r, values) for r, values in enumerate(rows, start=2))
    return package(sheet_xml(lines))


def many_rows(headers: Sequence[str], n: int = 500_000, *, dimension: bool = False) -> bytes:
    """``n`` short numbered data rows (each row different, so the package compresses no better
    than a real sheet does): refused by the row count, not by the compression ratio."""
    width = len(headers)
    lines = [row_xml(1, headers)]
    lines.extend(f'<row r="{r}"><c r="A{r}"><v>{r * 7919}</v></c></row>' for r in range(2, n + 2))
    ref = f"A1:{column(width - 1)}{n + 1}" if dimension else ""
    return package(sheet_xml(lines, dimension=ref), level=1)


def zip_bomb(headers: Sequence[str], n: int = 500_000) -> bytes:
    """A sheet of ``n`` identical rows (no row numbers, no dimension): about 70 KB that unpacks
    to about 24 MB — the shape of the file in issue 14."""
    same = '<row><c t="s"><v>0</v></c><c><v>1</v></c></row>'
    sst = f'<sst xmlns="{MAIN}" count="{n}" uniqueCount="1"><si><t>x</t></si></sst>'.encode()
    return package(sheet_xml([row_xml(1, headers), same * n]), shared=sst, level=9)


def damaged(headers: Sequence[str]) -> bytes:
    """The sheet's XML cut off in the middle of a row."""
    xml = sheet_xml([row_xml(1, headers), row_xml(2, ["1"] * len(headers))])
    return package(xml[: len(xml) - 60])


def with_prolog(headers: Sequence[str], prolog: str, value: str) -> bytes:
    """A sheet whose document type declares entities and whose second row uses ``value``
    (e.g. ``&lol9;``) in its first cell."""
    body = (
        row_xml(1, headers)
        + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{value}</t></is></c></row>'
    )
    return package(sheet_xml([body], prolog=prolog))
