"""Excel (.xlsx) in and out, for any roster-like sheet: open safely, check the header row, find
merged cells and formulas, turn cells into typed values, write templates and error sheets.

Reading is streaming (a lean ``iterparse`` reader, or openpyxl ``read_only=True``): a 100 000-row
sheet is never held as cell objects. Before any XML is parsed the zip container is checked (a zip
"bomb" — a tiny file that unpacks to gigabytes — is refused), and the sheet's rows are counted
by streaming through it, stopping as soon as there are more than the limit. Every importer opens
uploads through :class:`Sheet` with its :class:`Limits` (rosters: ``GRIDGOV_EXCEL_MAX_ROWS``,
default 100 000; the 12345 import its own). Every XML part is parsed with ``defusedxml`` (no DTD,
no entities: a "billion laughs" or external-entity sheet is refused), a damaged part is a clear
``damaged_file`` error, and a text cell holding a control character, NUL or another character
that :func:`gridgov.core.text.bad_character` forbids is a row error.

Every problem is a :class:`RowError` — Excel row number (the header is row 1), the Chinese
column header and a translated reason — or, for the whole file, a :class:`ValidationFailed`
with ``fields={"file": ...}`` and a stable code (``not_excel``, ``file_too_large``,
``damaged_file``, ``unsafe_file``, ``bad_headers``, ``too_many_rows``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from gridgov.core.errors import Code, ValidationFailed
from gridgov.core.text import bad_character, printable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_HEADERS = ("错误行号", "错误列", "错误原因")

_DEFAULT_MAX_ROWS = 100_000
_DEFAULT_MAX_BYTES = 30 * 1024 * 1024
_DEFAULT_MAX_UNPACKED = 400 * 1024 * 1024
_MAX_ZIP_MEMBERS = 2000
_MAX_RATIO = 200  # uncompressed / compressed of one member; real sheets are well below 30

_ROW_RE = re.compile(rb"<(?:\w+:)?row[\s>]")
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_DATE_COMPACT_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
# Excel serial dates of 1900-01-01 … 2199-12-31 (anything else is not a date).
_SERIAL_MIN, _SERIAL_MAX = 1, 109_573


def max_rows() -> int:
    return int(getattr(settings, "GRIDGOV_EXCEL_MAX_ROWS", _DEFAULT_MAX_ROWS))


def max_bytes() -> int:
    return int(getattr(settings, "GRIDGOV_EXCEL_MAX_BYTES", _DEFAULT_MAX_BYTES))


def _max_unpacked() -> int:
    return int(getattr(settings, "GRIDGOV_EXCEL_MAX_UNPACKED", _DEFAULT_MAX_UNPACKED))


@dataclass(frozen=True)
class Limits:
    """What one importer accepts: data rows, upload bytes and unpacked bytes."""

    rows: int
    size: int
    unpacked: int

    @classmethod
    def rosters(cls) -> Limits:
        """The settings ``GRIDGOV_EXCEL_MAX_ROWS`` / ``_MAX_BYTES`` / ``_MAX_UNPACKED``."""
        return cls(rows=max_rows(), size=max_bytes(), unpacked=_max_unpacked())


@dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number (header = 1)
    column: str  # a header, or "" for the whole row
    reason: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row}
        if self.column:
            where += f"（{self.column}）"
        return f"{where}: {self.reason}"


@dataclass
class SheetRow:
    """One non-blank data row as read: its Excel number and the raw values by header."""

    row: int
    values: list[Any]
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.row, column, reason))


# --- Opening ----------------------------------------------------------------------------------


def file_error(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"file": message})


def not_excel() -> ValidationFailed:
    return file_error(_("The file is not an Excel workbook (.xlsx)."), Code.NOT_EXCEL)


def too_many_rows(limit: int | None = None) -> ValidationFailed:
    n = max_rows() if limit is None else limit
    msg = _("At most %(n)s rows can be imported at a time; split the file.") % {"n": n}
    return file_error(msg, Code.TOO_MANY_ROWS)


def too_many_strings() -> ValidationFailed:
    msg = _("The file holds far more texts than the rows it may have can use; it is refused.")
    return file_error(msg, Code.FILE_TOO_LARGE)


def damaged() -> ValidationFailed:
    msg = _(
        "The file is damaged: its content cannot be read. Open it in Excel or WPS, save it "
        "again as .xlsx and upload it again."
    )
    return file_error(msg, Code.DAMAGED_FILE)


def unsafe() -> ValidationFailed:
    msg = _(
        "The file contains XML declarations (a document type or entities) that a workbook "
        "never needs; it is refused."
    )
    return file_error(msg, Code.UNSAFE_FILE)


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f}".removesuffix(".0")


def check_container(data: bytes, limits: Limits | None = None) -> None:
    """Refuse what is not a zip, is too large, or would unpack to too much (a zip bomb: more
    than ``limits.unpacked`` in all, or one large member compressed more than real sheets are).
    Only the zip directory is read."""
    limits = limits or Limits.rosters()
    if len(data) > limits.size:
        msg = _("The file is larger than %(mb)s MB.") % {"mb": _mb(limits.size)}
        raise file_error(msg, Code.FILE_TOO_LARGE)
    if not data or not zipfile.is_zipfile(io.BytesIO(data)):
        raise not_excel()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise not_excel() from exc
    if len(members) > _MAX_ZIP_MEMBERS:
        raise not_excel()
    total = sum(m.file_size for m in members)
    bomb = total > limits.unpacked or any(
        m.file_size > 1024 * 1024 and m.file_size > _MAX_RATIO * max(1, m.compress_size)
        for m in members
    )
    if bomb:
        msg = _(
            "The file would unpack to %(size)s MB, %(ratio)s times its own size; a workbook "
            "may unpack to at most %(mb)s MB and hold at most %(n)s rows. The file is refused."
        ) % {
            "size": _mb(total),
            "ratio": total // max(1, len(data)),
            "mb": _mb(limits.unpacked),
            "n": limits.rows,
        }
        raise file_error(msg, Code.FILE_TOO_LARGE)
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise not_excel()


def _fromstring(xml: bytes) -> Any:
    """One XML part, parsed without DTDs or entities."""
    return safe_xml.fromstring(xml, forbid_dtd=True)


def _iterparse(src: Any) -> Iterator[tuple[str, Any]]:
    return safe_xml.iterparse(src, forbid_dtd=True)


_ESCAPE_RE = re.compile("_x([0-9A-Fa-f]{4})_")


def _unescape(value: str) -> str:
    """OOXML writes characters XML cannot hold as ``_xHHHH_`` (``_x0001_``); Excel shows them
    as the character, and so do we — so a control character in a cell is seen and refused."""
    if "_x" not in value:
        return value
    return _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), value)


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_C, _V, _F, _IS, _T, _R, _ROW = (_NS_MAIN + n for n in ("c", "v", "f", "is", "t", "r", "row"))
_COL_RE = re.compile(r"^([A-Z]+)")


def _col_index(ref: str) -> int:
    """``"C12"`` → 2 (zero-based column)."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _si_text(si: Any) -> str:
    """A shared or inline string: its ``t`` and the ``t`` of its runs (phonetic ``rPh`` not)."""
    parts = []
    for child in si:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child.iter(_T))
    return _unescape("".join(parts))


class _LeanReader:
    """Values of the first worksheet straight from the XML (``iterparse``), about three times
    faster than openpyxl's read-only cells for large sheets; same values (shared and inline
    strings, numbers, booleans, date-formatted numbers as datetimes, formulas as ``=…``).
    Raises ``LookupError`` when the package is laid out in a way it does not handle — the
    caller then uses openpyxl."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = set(archive.namelist())
        workbook = _fromstring(archive.read("xl/workbook.xml"))
        first = next(workbook.iter(_NS_MAIN + "sheet"), None)
        if first is None:
            raise LookupError("no sheet")
        rid = first.get(_NS_REL + "id")
        rels = _fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(_NS_PKG + "Relationship")}
        types = {r.get("Type", "").rsplit("/", 1)[-1]: r.get("Target") or "" for r in rels}
        self.sheet_path = self._path(targets.get(rid, ""))
        if self.sheet_path not in names:
            raise LookupError("sheet not found")
        strings = self._path(types.get("sharedStrings", "sharedStrings.xml"))
        self.strings_path = strings if strings in names else ""
        self.strings: list[str] | None = None  # read with the first row (after the row count)
        self.max_strings = 0  # more shared strings than this: refused (0: no limit)
        styles = self._path(types.get("styles", "styles.xml"))
        self.date_styles = self._date_styles(styles) if styles in names else set()

    @staticmethod
    def _path(target: str) -> str:
        return target.lstrip("/") if target.startswith("/") else "xl/" + target

    def _strings(self, path: str) -> list[str]:
        found: list[str] = []
        if not path:
            return found
        with self.archive.open(path) as src:
            for _event, el in _iterparse(src):
                if el.tag == _NS_MAIN + "si":
                    found.append(_si_text(el))
                    el.clear()
                    if self.max_strings and len(found) > self.max_strings:
                        raise too_many_strings()
        return found

    def _date_styles(self, path: str) -> set[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        root = _fromstring(self.archive.read(path))
        custom = {
            int(n.get("numFmtId", "0")): n.get("formatCode", "")
            for n in root.iter(_NS_MAIN + "numFmt")
        }
        xfs = root.find(_NS_MAIN + "cellXfs")
        dates: set[int] = set()
        for i, xf in enumerate(xfs if xfs is not None else []):
            fmt_id = int(xf.get("numFmtId", "0"))
            code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "")
            if code and is_date_format(code):
                dates.add(i)
        return dates

    def rows(self, width: int, min_row: int = 1) -> Iterator[tuple[int, list[Any]]]:
        if self.strings is None:
            self.strings = self._strings(self.strings_path)
        strings, dates = self.strings, self.date_styles
        expected = 0
        with self.archive.open(self.sheet_path) as src:
            for _event, el in _iterparse(src):
                if el.tag != _ROW:
                    continue
                expected += 1
                r = int(el.get("r") or expected)
                expected = r
                if r < min_row:
                    el.clear()
                    continue
                values: list[Any] = [None] * width
                col = -1
                for c in el.iter(_C):
                    ref = c.get("r")
                    col = _col_index(ref) if ref else col + 1
                    if col >= width:
                        continue
                    values[col] = self._value(c, strings, dates)
                el.clear()
                yield r, values

    @staticmethod
    def _value(c: Any, strings: list[str], dates: set[int]) -> Any:
        f = c.find(_F)
        if f is not None:
            return "=" + (f.text or "shared")
        kind = c.get("t", "n")
        if kind == "inlineStr":
            node = c.find(_IS)
            return _si_text(node) if node is not None else ""
        v = c.find(_V)
        raw = v.text if v is not None else None
        if raw is None:
            return None
        if kind == "s":
            return strings[int(raw)]
        if kind == "str":
            return _unescape(raw)
        if kind == "e":
            return raw
        if kind == "b":
            return raw == "1"
        if kind == "d":
            return raw
        number: float | int = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        style = c.get("s")
        if style is not None and int(style) in dates:
            return from_excel(number)
        return number


class Sheet:
    """The first worksheet of an uploaded workbook, opened for streaming (the lean XML reader,
    or openpyxl read-only for packages it does not handle). Every importer opens uploads here:
    the container, the row count, the header row and every XML part are checked before a row
    is handed out."""

    def __init__(
        self, data: bytes, headers: Sequence[str], *, limits: Limits | None = None
    ) -> None:
        self.limits = limits or Limits.rosters()
        check_container(data, self.limits)
        self.headers = list(headers)
        self.workbook: Any = None
        self.ws: Any = None
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.lean: _LeanReader | None
        try:
            try:
                self.lean = _LeanReader(self.archive)
                # Every cell of every allowed row could hold its own text, and a few sheets
                # more (notes, lists): beyond that a shared-strings part is only a memory bomb.
                self.lean.max_strings = (self.limits.rows + 1) * (len(headers) + 20) + 10_000
                sheet_path = self.lean.sheet_path
            except DefusedXmlException as exc:
                raise unsafe() from exc
            except SyntaxError as exc:  # xml.etree's ParseError: a damaged part
                raise damaged() from exc
            except (LookupError, ValueError, zipfile.BadZipFile):
                self.lean = None
                sheet_path = self._open_openpyxl(data)
            declared, self.merged = self._scan(sheet_path)
            # The dimension tag is only a claim; rows are counted again while reading.
            if declared - 1 > self.limits.rows:
                raise too_many_rows(self.limits.rows)
            self.estimated_rows = max(0, declared - 1)
            self._check_header()
        except BaseException:
            self.close()
            raise

    def _open_openpyxl(self, data: bytes) -> str:
        try:
            self.workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            ws = self.workbook.worksheets[0] if self.workbook.worksheets else None
        except DefusedXmlException as exc:
            raise unsafe() from exc
        except Exception as exc:  # openpyxl raises many kinds on a broken package
            raise not_excel() from exc
        if ws is None:
            raise not_excel()
        self.ws = ws
        return str(ws._worksheet_path)

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None
        self.archive.close()

    def _check_header(self) -> None:
        width = len(self.headers) + 20
        first: Sequence[Any] = ()
        for r, values in self._raw_rows(width, min_row=1):
            first = values if r == 1 else ()
            break
        header = [text(v) for v in first]
        while header and header[-1] == "":
            header.pop()
        n = len(self.headers)
        if n < len(header) and header[n:] == list(ERROR_HEADERS[: len(header) - n]):
            header = header[:n]  # an error sheet uploaded again: its error columns are ignored
        check_header(header, self.headers)

    def _scan(self, path: str) -> tuple[int, dict[int, str]]:
        """The sheet's declared rows (its ``<dimension>``, or else its ``<row>`` elements
        counted) and its merged ranges, streaming through the part in 1 MB pieces: memory stays
        flat whatever the sheet unpacks to, and counting stops at the first row over the
        limit."""
        declared: int | None = None
        counted = 0
        merges: list[bytes] = []
        stop = self.limits.rows + 1  # the header row and the data rows
        tail = b""
        first = True
        try:
            with self.archive.open(path) as src:
                while True:
                    chunk = src.read(1 << 20)
                    buf = tail + chunk
                    if first:
                        declared, first = self._dimension(buf[:4096]), False
                    # Every pattern starts with "<" and is under 64 bytes: keep a "<" that may
                    # start a pattern cut in two for the next piece.
                    cut = buf.rfind(b"<", max(0, len(buf) - 64)) if chunk else -1
                    if cut < 0:
                        cut = len(buf)
                    part, tail = buf[:cut], buf[cut:]
                    if declared is None:
                        counted += len(_ROW_RE.findall(part))
                        if counted > stop:
                            raise too_many_rows(self.limits.rows)
                    merges.extend(_MERGE_RE.findall(part))
                    if not chunk:
                        break
        except (KeyError, OSError, zipfile.BadZipFile, EOFError) as exc:
            raise not_excel() from exc
        return (declared if declared is not None else counted), self._merged_rows(merges)

    @staticmethod
    def _dimension(head: bytes) -> int | None:
        match = _DIMENSION_RE.search(head)
        if match:
            _c0, _r0, _c1, last = range_boundaries(match.group(1).decode())
            if last:
                return int(last)
        # No <dimension> (streamed writers leave it out, e.g. openpyxl's write-only mode):
        # the <row> elements are counted, so a large file is still recognised as large.
        return None

    def _merged_rows(self, refs: list[bytes]) -> dict[int, str]:
        """Data row → the header of the first merged range covering it."""
        found: dict[int, str] = {}
        for ref in refs:
            min_col, min_row, _max_col, max_row = range_boundaries(ref.decode())
            assert min_col is not None and min_row is not None and max_row is not None
            column = self.headers[min_col - 1] if min_col - 1 < len(self.headers) else ""
            for r in range(max(2, min_row), min(max_row, self.limits.rows + 2) + 1):
                found.setdefault(r, column)
        return found

    def rows(self) -> Iterator[SheetRow]:
        """Every non-blank data row (and every row a merge touches), with merge, formula and
        forbidden-character problems already noted (such a cell's value is blanked or cleaned,
        so the row can be written to an error sheet); more than ``limits.rows`` rows raise
        ``too_many_rows``."""
        width = len(self.headers)
        count = 0
        for r, values in self._raw_rows(width, min_row=2):
            vals = list(values)
            vals += [None] * (width - len(vals))
            blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in vals)
            if blank and r not in self.merged:
                continue
            count += 1
            if count > self.limits.rows:
                raise too_many_rows(self.limits.rows)
            row = SheetRow(row=r, values=vals)
            if r in self.merged:
                row.error(
                    self.merged[r],
                    _("Merged cells are not allowed; unmerge them and fill every cell."),
                )
            for i, v in enumerate(vals):
                if is_formula(v):
                    row.error(self.headers[i], _("Formulas are not allowed; paste the values."))
                    vals[i] = None
                elif isinstance(v, str):
                    found = bad_character(v)
                    if found is not None:
                        row.error(self.headers[i], bad_character_reason(found))
                        vals[i] = printable(v)
            yield row

    def _raw_rows(self, width: int, min_row: int) -> Iterator[tuple[int, Sequence[Any]]]:
        if self.lean is not None:
            try:
                yield from self.lean.rows(width, min_row=min_row)
            except DefusedXmlException as exc:
                raise unsafe() from exc
            except SyntaxError as exc:  # xml.etree's ParseError: broken sheet XML
                raise damaged() from exc
            except (ValueError, IndexError, KeyError, OSError, zipfile.BadZipFile) as exc:
                raise damaged() from exc
            return
        try:
            rows = self.ws.iter_rows(min_row=min_row, max_col=width, values_only=True)
            yield from enumerate(rows, start=min_row)
        except DefusedXmlException as exc:
            raise unsafe() from exc
        except Exception as exc:
            raise damaged() from exc


def bad_character_reason(found: str) -> str:
    """The row error for a cell holding a forbidden character (``found`` is ``U+XXXX``)."""
    return _("The text contains a character that is not allowed (%(char)s).") % {"char": found}


def check_header(header: Sequence[str], expected: Sequence[str]) -> None:
    """Raise ``bad_headers`` unless ``header`` is exactly ``expected``, naming what differs."""
    if list(header) == list(expected):
        return
    missing = [h for h in expected if h not in header]
    extra = [h for h in header if h not in expected]
    parts = []
    if missing:
        parts.append(_("missing: %(cols)s") % {"cols": "、".join(missing)})
    if extra:
        parts.append(_("unexpected: %(cols)s") % {"cols": "、".join(extra)})
    if not parts:
        parts.append(_("the columns are in the wrong order"))
    msg = _("The header row does not match the template (%(detail)s).") % {
        "detail": "; ".join(parts)
    }
    raise file_error(msg, Code.BAD_HEADERS)


# --- Cells → values ---------------------------------------------------------------------------


def is_formula(value: Any) -> bool:
    if isinstance(value, ArrayFormula | DataTableFormula):
        return True
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as trimmed text; whole floats lose their ``.0``; dates become ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


class CellProblem(ValueError):
    """A cell that cannot be the wanted type; ``str()`` is the translated reason."""


def to_int(value: Any) -> int | None:
    """A whole number from a number or numeric text; blank → ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellProblem(_("Not a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellProblem(_("Not a whole number."))
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise CellProblem(_("Not a whole number."))


def to_date(value: Any) -> date | None:
    """A date from a date cell, an Excel serial number, or text ``2024-01-05``,
    ``2024/1/5``, ``2024.1.5``, ``2024年1月5日`` or ``20240105``; blank → ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellProblem(_("Not a date (e.g. 2024-01-05)."))
    if isinstance(value, int | float):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            moment = from_excel(value)
            if isinstance(moment, datetime):
                return moment.date()
        raise CellProblem(_("Not a date (e.g. 2024-01-05)."))
    if isinstance(value, str):
        match = _DATE_RE.match(value) or _DATE_COMPACT_RE.match(value)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError as exc:
                raise CellProblem(_("This date does not exist.")) from exc
    raise CellProblem(_("Not a date (e.g. 2024-01-05)."))


# --- Writing ----------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_ERROR_FILL = PatternFill("solid", fgColor="FCE4D6")


def cell_value(value: Any) -> Any:
    """A value as it may be written to a sheet: text passes through
    :func:`~gridgov.core.text.printable`, so a control character stored before the edge
    refused them (or read from an uploaded sheet) never makes openpyxl fail the whole file."""
    return printable(value) if isinstance(value, str) else value


def cells(values: Iterable[Any]) -> list[Any]:
    """:func:`cell_value` of each value of a row."""
    return [cell_value(v) for v in values]


def _width(header: str) -> float:
    return max(10, len(header) * 2 + 4)


def template(
    *,
    title: str,
    headers: Sequence[str],
    example: Sequence[Any] = (),
    widths: dict[str, float] | None = None,
    notes: Iterable[str] = (),
    text_columns: Iterable[str] = (),
) -> bytes:
    """A workbook to fill in: bold header row (frozen), one example row, column widths, the
    ``text_columns`` formatted as text (ID and phone numbers must not become numbers) and a
    填写说明 sheet with ``notes``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    ws.freeze_panes = "A2"
    if example:
        ws.append(cells(example))
    as_text = set(text_columns)
    for i, name in enumerate(headers, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = (widths or {}).get(name, _width(name))
        if name in as_text:
            ws.column_dimensions[letter].number_format = "@"
            for r in range(2, 3 if example else 2):
                ws.cell(row=r, column=i).number_format = "@"
    lines = list(notes)
    if lines:
        sheet = wb.create_sheet("填写说明")
        sheet.append(["填写说明"])
        sheet["A1"].font = _HEADER_FONT
        for line in lines:
            sheet.append([cell_value(line)])
        sheet.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_rows(
    *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], text_columns=()
) -> bytes:
    """A streamed (write-only) workbook: bold header row, then ``rows`` — for exports of any
    size. Columns in ``text_columns`` are written as text."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, name in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(name)
    ws.freeze_panes = "A2"
    ws.append([_header_cell(ws, h) for h in headers])
    for row in rows:
        ws.append(cells(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header_cell(ws: Any, value: str, fill: PatternFill = _HEADER_FILL) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = _HEADER_FONT
    cell.fill = fill
    return cell


def error_sheet(*, title: str, headers: Sequence[str], rows: Iterable[SheetRow]) -> bytes:
    """The rows that had problems, exactly as uploaded (so they can be fixed and uploaded
    again), followed by 错误行号 / 错误列 / 错误原因 (all of a row's problems, one per line).
    Formulas are written blank so Excel does not evaluate them."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, name in enumerate([*headers, *ERROR_HEADERS], start=1):
        ws.column_dimensions[get_column_letter(i)].width = 40 if i > len(headers) else _width(name)
    ws.freeze_panes = "A2"
    ws.append(
        [_header_cell(ws, h) for h in headers]
        + [_header_cell(ws, h, _ERROR_FILL) for h in ERROR_HEADERS]
    )
    for row in rows:
        if not row.errors:
            continue
        values = [None if is_formula(v) else v for v in row.values]
        columns = "\n".join(e.column or "—" for e in row.errors)
        reasons = "\n".join(e.reason for e in row.errors)
        ws.append(cells([*values, row.row, columns, reasons]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
