"""12345 hotline work orders from Excel (.xlsx): the template, the row checks and the import.

The file is opened like every other upload, through :class:`gridgov.core.excel.Sheet` with the
limits of :func:`limits` (size, unpacked size, rows): a zip bomb, a damaged or unsafe XML part
and too many rows are refused before any row is read. The sheet's first row must be exactly
:data:`HEADERS`. Every data row is checked and every
problem is reported with its row number, column name and reason — a file that is not Excel,
wrong headers, merged cells, formulas, wrong types, unknown categories or areas, bad
coordinates, a work-order number (工单编号) repeated in the file or imported before — nothing is
skipped silently. Two modes:

* ``valid``: import the rows that passed, report the others;
* ``all``: all or nothing — any problem and nothing is imported.

The rows are reported through :func:`gridgov.cases.services.intake_many.case_report_many` (the
checks of :func:`gridgov.cases.services.intake.case_report`, 500 cases per transaction) with
source ``HOTLINE``, the work-order number as ``external_id`` and as the idempotency key (scope
``hotline``), so importing the same file again, even concurrently, never makes a second case.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas import geo
from gridgov.areas.models import Area
from gridgov.cases.models import Case, Category
from gridgov.cases.services import intake
from gridgov.cases.services.intake_many import case_report_many
from gridgov.cases.states import Source
from gridgov.core import excel
from gridgov.core.errors import DomainError, PermissionDenied, ValidationFailed

COL_ID = "工单编号"
COL_TIME = "来电时间"
COL_NAME = "来电人"
COL_PHONE = "联系电话"
COL_CATEGORY = "诉求类型(分类编码或名称)"
COL_TITLE = "诉求标题"
COL_TEXT = "诉求内容"
COL_ADDRESS = "发生地址"
COL_LON = "经度"
COL_LAT = "纬度"
COL_AREA = "所属区域编码"
HEADERS = [
    COL_ID,
    COL_TIME,
    COL_NAME,
    COL_PHONE,
    COL_CATEGORY,
    COL_TITLE,
    COL_TEXT,
    COL_ADDRESS,
    COL_LON,
    COL_LAT,
    COL_AREA,
]
ERROR_HEADER = "错误"
SHEET_LABEL = gettext_lazy("12345 work orders")
IDEMPOTENCY_SCOPE = "hotline"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # 10 000 rows of long texts unpack to well under this
_DEFAULT_MAX_ROWS = 10_000
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")

Mode = Literal["valid", "all"]
MODES: tuple[str, ...] = ("valid", "all")


def max_rows() -> int:
    return int(getattr(settings, "GRIDGOV_HOTLINE_MAX_ROWS", _DEFAULT_MAX_ROWS))


def limits() -> excel.Limits:
    """What one 12345 upload may be: ``GRIDGOV_HOTLINE_MAX_ROWS`` rows (default 10 000),
    :data:`MAX_FILE_BYTES` and :data:`MAX_UNPACKED_BYTES` unpacked."""
    return excel.Limits(rows=max_rows(), size=MAX_FILE_BYTES, unpacked=MAX_UNPACKED_BYTES)


def limits_text() -> str:
    """The limits as the form and the API state them."""
    lim = limits()
    return _(
        "An .xlsx file of at most %(mb)s MB and %(n)s rows, unpacking to at most %(unpacked)s MB."
    ) % {"mb": lim.size // 1024 // 1024, "n": lim.rows, "unpacked": lim.unpacked // 1024 // 1024}


def too_large() -> ValidationFailed:
    """An upload over :data:`MAX_FILE_BYTES`, refused before it is read."""
    msg = _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 1024 // 1024}
    return excel.file_error(msg, "file_too_large")


RowError = excel.RowError  # row (header = 1), column header or "", translated reason


@dataclass
class HotlineRow:
    row: int
    values: list[Any]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    mode: str
    total: int = 0  # data rows (empty rows not counted)
    created: list[Case] = field(default_factory=list)
    existing: int = 0  # rows answered by an earlier import (same file again, concurrently)
    errors: list[RowError] = field(default_factory=list)
    rows: list[HotlineRow] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Template ---------------------------------------------------------------------------------


def _bold_header(ws: Worksheet, headers: Sequence[str]) -> None:
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    ws.freeze_panes = "A2"
    for i, name in enumerate(headers):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(name) * 2 + 2)


def build_template() -> bytes:
    """The .xlsx to fill in: the header row, one example row, and a notes sheet listing the
    categories that may be used."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "工单"
    _bold_header(ws, HEADERS)
    first = Category.objects.filter(is_active=True).order_by("code").first()
    ws.append(
        [
            "12345-20260301-0001",
            datetime(2026, 3, 1, 9, 30),
            "张先生",
            "13800000000",
            first.code if first else "0101",
            "小区门口垃圾堆放",
            "小区南门外垃圾三天未清运，气味很大。",
            "凤鸣路12号南门",
            106.2051,
            38.5052,
            "",
        ]
    )
    ws["B2"].number_format = "yyyy-mm-dd hh:mm"
    notes = wb.create_sheet("说明")
    notes.append(["填写说明"])
    notes["A1"].font = Font(bold=True)
    for line in (
        "第一行表头不要修改；从第二行起每行一张工单，示例行请删除或替换。",
        "必填：工单编号、来电时间、诉求类型、诉求标题，以及“经度+纬度”或“所属区域编码”之一。",
        "来电时间：日期时间格式，或文本“2026-03-01 09:30”。",
        "诉求类型：填写下表中的分类编码或名称。",
        "经度、纬度：WGS84 坐标（数字）；所属区域编码：网格、社区或街道的编码。",
        "不要合并单元格，不要使用公式（请粘贴为数值）。同一工单编号只能导入一次。",
    ):
        notes.append([line])
    notes.append([])
    notes.append(["分类编码", "分类名称", "上级分类"])
    for cell in notes[notes.max_row]:
        cell.font = Font(bold=True)
    for cat in Category.objects.filter(is_active=True).select_related("parent").order_by("code"):
        notes.append(excel.cells([cat.code, cat.name, cat.parent.name if cat.parent else ""]))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 30
    notes.column_dimensions["C"].width = 20
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Reading ----------------------------------------------------------------------------------


def open_sheet(data: bytes) -> excel.Sheet:
    """The upload opened safely (see :class:`gridgov.core.excel.Sheet`), its header checked;
    file-level problems raise :class:`ValidationFailed` with ``fields={"file": ...}``."""
    return excel.Sheet(data, HEADERS, limits=limits())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- Row checks -------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    else:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


class _Checker:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.now = timezone.now()
        cats = list(Category.objects.filter(is_active=True))
        self.by_code = {c.code: c for c in cats}
        self.by_name: dict[str, Category | None] = {}
        for c in cats:  # a name used twice is ambiguous: the code must be given
            self.by_name[c.name] = None if c.name in self.by_name else c
        self.seen: dict[str, int] = {}
        # Looked up once per file, not once per row: areas by code (with the actor's right to
        # import there) and the work orders already imported.
        self.areas: dict[str, tuple[Area | None, bool]] = {}

    def check(self, row: HotlineRow) -> None:
        """The row's own checks; merged cells, formulas and forbidden characters were already
        noted (and such cells blanked or cleaned) by :meth:`gridgov.core.excel.Sheet.rows`."""
        v = dict(zip(HEADERS, row.values, strict=False))

        def err(column: str, reason: str) -> None:
            row.errors.append(RowError(row.row, column, reason))

        for name, value in v.items():
            if isinstance(value, bool):
                err(name, _("Unexpected true/false value."))
                v[name] = None

        ext = _cell_text(v.get(COL_ID))
        if not ext:
            err(COL_ID, _("Required."))
        elif len(ext) > intake.MAX_EXTERNAL_ID:
            err(COL_ID, _("At most %(n)d characters.") % {"n": intake.MAX_EXTERNAL_ID})
        elif ext in self.seen:
            err(COL_ID, _("Repeats row %(row)s of this file.") % {"row": self.seen[ext]})
        else:
            self.seen[ext] = row.row
        row.data["external_id"] = ext

        raw_time = v.get(COL_TIME)
        when = _time(raw_time)
        if raw_time in (None, ""):
            err(COL_TIME, _("Required."))
        elif when is None:
            err(COL_TIME, _("Not a date and time (e.g. 2026-03-01 09:30)."))
        elif when > self.now:
            err(COL_TIME, _("The time lies in the future."))
        row.data["reported_at"] = when

        cat_text = _cell_text(v.get(COL_CATEGORY))
        cat = self.by_code.get(cat_text) or self.by_name.get(cat_text)
        if not cat_text:
            err(COL_CATEGORY, _("Required."))
        elif cat is None:
            err(COL_CATEGORY, _("Unknown category “%(value)s”.") % {"value": cat_text})
        row.data["category"] = cat

        title = _cell_text(v.get(COL_TITLE))
        text = _cell_text(v.get(COL_TEXT))
        if not title and not text:
            err(COL_TITLE, _("Required."))
        for column, value, limit in (
            (COL_TITLE, title, intake.MAX_TITLE),
            (COL_TEXT, text, intake.MAX_DESCRIPTION),
            (COL_NAME, _cell_text(v.get(COL_NAME)), intake.MAX_NAME),
            (COL_ADDRESS, _cell_text(v.get(COL_ADDRESS)), intake.MAX_ADDRESS),
        ):
            if len(value) > limit:
                err(column, _("At most %(n)d characters.") % {"n": limit})
        row.data.update(
            title=title,
            description=text,
            reporter_name=_cell_text(v.get(COL_NAME)),
            address=_cell_text(v.get(COL_ADDRESS)),
        )

        phone = _cell_text(v.get(COL_PHONE))
        try:
            row.data["reporter_phone"] = intake.normalize_phone(phone)
        except ValidationFailed as exc:
            err(COL_PHONE, exc.fields.get("reporter_phone", exc.message))

        self._location(v, row, err)

    def already_imported(self, rows: Sequence[HotlineRow]) -> None:
        """A row error for every work-order number imported before (one query per 500)."""
        by_id: dict[str, list[HotlineRow]] = {}
        for row in rows:
            if row.data.get("external_id"):
                by_id.setdefault(row.data["external_id"], []).append(row)
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            found = Case.objects.filter(
                source=Source.HOTLINE, external_id__in=ids[start : start + 500]
            ).values_list("external_id", flat=True)
            for ext in found:
                for row in by_id[ext]:
                    row.errors.append(
                        RowError(row.row, COL_ID, _("This work order was already imported."))
                    )

    def _location(self, v: dict[str, Any], row: HotlineRow, err: Any) -> None:
        raw_lon, raw_lat = v.get(COL_LON), v.get(COL_LAT)
        lon, lat = _number(raw_lon), _number(raw_lat)
        has_lon, has_lat = raw_lon not in (None, ""), raw_lat not in (None, "")
        row.data["lon"] = row.data["lat"] = row.data["area"] = None
        if has_lon and lon is None:
            err(COL_LON, _("Not a number."))
        if has_lat and lat is None:
            err(COL_LAT, _("Not a number."))
        if has_lon != has_lat:
            err(COL_LAT if has_lon else COL_LON, _("Give both longitude and latitude."))
        if lon is not None and lat is not None:
            try:
                row.data["lon"], row.data["lat"] = geo.validate_point(lon, lat)
            except ValidationFailed as exc:
                err(COL_LON, exc.message)
        code = _cell_text(v.get(COL_AREA))
        if code:
            area, allowed = self._area(code)
            if area is None:
                err(COL_AREA, _("Unknown area code “%(value)s”.") % {"value": code})
            elif not allowed:
                err(COL_AREA, _("The area is outside your jurisdiction."))
            row.data["area"] = area
        if not code and not (has_lon or has_lat):
            err(COL_LON, _("Give longitude and latitude, or the area code."))

    def _area(self, code: str) -> tuple[Area | None, bool]:
        if code not in self.areas:
            area = Area.objects.filter(code=code, is_active=True).first()
            allowed = area is not None and (
                self.actor is None or scoping.can(self.actor, Perm.CASE_IMPORT, area)
            )
            self.areas[code] = (area, allowed)
        return self.areas[code]


def check_file(*, actor: Any, data: bytes) -> list[HotlineRow]:
    """Read and check every row (nothing is written). File-level problems raise
    :class:`ValidationFailed`; row problems are in each row's ``errors``."""
    sheet = open_sheet(data)
    try:
        checker = _Checker(actor)
        rows: list[HotlineRow] = []
        for read in sheet.rows():
            row = HotlineRow(row=read.row, values=read.values, errors=read.errors)
            checker.check(row)
            rows.append(row)
    finally:
        sheet.close()
    checker.already_imported(rows)
    return rows


# --- Import -----------------------------------------------------------------------------------


def require_importer(actor: Any) -> None:
    """CASE_IMPORT somewhere (``actor=None``: the system), or an audited 403. Called by the
    page and the API before an upload is even looked at, and by :func:`import_hotline`."""
    if actor is None or scoping.has_perm_anywhere(actor, Perm.CASE_IMPORT):
        return
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        detail={"perm": str(Perm.CASE_IMPORT), "what": "import_hotline"},
    )
    raise PermissionDenied(_("You may not import 12345 work orders."))


def import_hotline(
    *,
    actor: Any,
    data: bytes,
    mode: str = "valid",
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check and import a 12345 workbook (see the module docstring). ``progress(done, total)``
    is told after every batch of rows written (an import job's progress bar)."""
    if mode not in MODES:
        raise ValidationFailed(_("Unknown import mode."), fields={"mode": _("Choose a mode.")})
    require_importer(actor)
    rows = check_file(actor=actor, data=data)
    result = ImportResult(mode=mode, total=len(rows), rows=rows)
    for row in rows:
        result.errors.extend(row.errors)
    if mode == "all" and result.errors:
        return result
    good = [row for row in rows if not row.errors]
    if mode == "all":
        try:
            with transaction.atomic():
                _create(actor, good, result, progress)
                if any(row.errors for row in good):
                    raise _Abort
        except _Abort:
            result.created = []
            result.existing = 0
    else:
        _create(actor, good, result, progress)
    return result


class _Abort(Exception):
    pass


# Where an intake error is reported in the sheet, by the field it names.
_ERROR_COLUMNS = {
    "category": COL_CATEGORY,
    "title": COL_TITLE,
    "location": COL_LON,
    "area": COL_AREA,
    "reporter_phone": COL_PHONE,
}


BATCH = 2000  # rows per progress step (intake writes 500 per transaction)


def _create(
    actor: Any,
    rows: Sequence[HotlineRow],
    result: ImportResult,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Report the checked rows in batches of :data:`BATCH` (:func:`~gridgov.cases.services.
    intake_many.case_report_many`: the same checks as one by one, 500 cases per transaction);
    a row the intake refuses gets its error, the others their case."""
    skipped = result.total - len(rows)
    for start in range(0, len(rows), BATCH):
        _create_batch(actor, rows[start : start + BATCH], result)
        if progress is not None:
            progress(skipped + min(start + BATCH, len(rows)), result.total)


def _create_batch(actor: Any, rows: Sequence[HotlineRow], result: ImportResult) -> None:
    reports = []
    for row in rows:
        d = row.data
        reports.append(
            {
                "source": Source.HOTLINE,
                "category": d["category"],
                "title": d["title"],
                "description": d["description"],
                "lon": d["lon"],
                "lat": d["lat"],
                "area": d["area"],
                "address": d["address"],
                "reporter_name": d["reporter_name"],
                "reporter_phone": d["reporter_phone"],
                "external_id": d["external_id"],
                "reported_at": d["reported_at"],
                "idempotency_scope": IDEMPOTENCY_SCOPE,
                "idempotency_key": d["external_id"],
            }
        )
    answers = case_report_many(actor=actor, reports=reports)
    for row, outcome in zip(rows, answers, strict=True):
        if isinstance(outcome, DomainError):
            name = next((_ERROR_COLUMNS[k] for k in outcome.fields if k in _ERROR_COLUMNS), "")
            reason = outcome.message
            if outcome.code == "idempotency_key_reused":
                name = COL_ID
                reason = _("This work order was already imported with other content.")
            error = RowError(row.row, name, reason)
            row.errors.append(error)
            result.errors.append(error)
        elif outcome.created:
            result.created.append(outcome.case)
        else:
            result.existing += 1


def error_report(result: ImportResult) -> bytes:
    """The rows with problems, as the template's columns plus 错误 (every reason of the row)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "错误"
    _bold_header(ws, [*HEADERS, ERROR_HEADER, "行号"])
    for row in result.rows:
        if not row.errors:
            continue
        reasons = "；".join(f"{e.column}：{e.reason}" if e.column else e.reason for e in row.errors)
        values = ["" if isinstance(v, str) and v.startswith("=") else v for v in row.values]
        ws.append(excel.cells([*values, reasons, row.row]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
