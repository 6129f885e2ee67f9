"""The standard register (矛盾纠纷排查化解台账) of an area's disputes as an Excel workbook, in the
layout a 司法所 keeps it: a merged title row, a line naming the unit and the period, one header
row (frozen with the title above it), fourteen columns with their widths, thin borders, printed
landscape on A4 fitting the page width.

序号 · 编号 · 登记日期 · 纠纷类型 · 当事人 · 纠纷简要情况 · 风险等级 · 来源 · 调解组织/调解员 ·
受理日期 · 调解结果 · 协议履行情况 · 结案日期 · 是否按期

Rows: the disputes registered in the period in the area's subtree that the actor may see
(sensitive ones only where they hold ``mediation.sensitive``), oldest first. The parties' names
are masked unless the export is unmasked — ``roster.unmask`` at the area and a reason, as the
rosters' export; every export is audited (:func:`gridgov.core.pii.record_export`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.core import excel, pii
from gridgov.core.errors import Code, NotFound, ValidationFailed
from gridgov.mediation.choices import OPEN_STATES, Outcome, PartyRole, Status
from gridgov.mediation.numbers.counting import local_day
from gridgov.mediation.numbers.selectors import local_range, may_view

EXPORT_KIND = "mediation_register"
TITLE = "矛盾纠纷排查化解台账"

# (header, width in characters) — the columns of the register, in order.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 6),
    ("编号", 16),
    ("登记日期", 12),
    ("纠纷类型", 12),
    ("当事人", 22),
    ("纠纷简要情况", 40),
    ("风险等级", 9),
    ("来源", 12),
    ("调解组织/调解员", 22),
    ("受理日期", 12),
    ("调解结果", 22),
    ("协议履行情况", 12),
    ("结案日期", 12),
    ("是否按期", 9),
)
HEADERS: tuple[str, ...] = tuple(h for h, _w in COLUMNS)
TITLE_ROW, INFO_ROW, HEADER_ROW = 1, 2, 3

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# Columns of free text (left aligned, written as text whatever they start with).
_TEXT_COLUMNS = frozenset({5, 6, 9, 11})

_ROLE_SHORT = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.OTHER: "其他",
}


def _day(moment: datetime | None) -> date | None:
    return local_day(moment) if moment is not None else None


def _parties(dispute: Any, reveal: bool) -> str:
    names = []
    for p in dispute.parties.all():
        name = p.name if reveal else pii.mask_name(p.name)
        names.append(f"{name}（{_ROLE_SHORT.get(p.role, '')}）" if p.role else name)
    return "；".join(names)


def _who(dispute: Any) -> str:
    parts = [x.name for x in (dispute.room, dispute.mediator) if x is not None]
    return " / ".join(parts)


def _result(dispute: Any) -> str:
    if dispute.status == Status.REFERRED:
        body = dispute.referred_body or dispute.get_referred_to_display()
        return f"不予受理，移交{body}" if body else "不予受理"
    if not dispute.outcome:
        return "调解中" if dispute.status in OPEN_STATES else ""
    if dispute.outcome == Outcome.AGREEMENT:
        return "调解成功"
    if dispute.outcome == Outcome.WITHDRAWN:
        return "当事人撤回"
    where = dispute.referred_body or (
        dispute.get_referred_to_display() if dispute.referred_to else ""
    )
    return f"调解不成，引导{where}" if where else "调解不成"


def _performance(dispute: Any) -> str:
    if dispute.outcome != Outcome.AGREEMENT:
        return ""
    return {"full": "已履行", "partial": "部分履行", "none": "未履行"}.get(
        dispute.performance, "待回访"
    )


def _on_time(dispute: Any) -> str:
    done = dispute.outcome_at or dispute.closed_at
    if done is None:
        return "已超期" if dispute.overdue else ""
    if dispute.due_at is None:
        return "是"
    return "是" if done <= dispute.due_at else "否"


def register_rows(disputes: Iterable[Any], *, reveal: bool) -> Iterable[list[Any]]:
    """The register's data rows of ``disputes`` (with parties, type, room and mediator
    prefetched)."""
    for i, d in enumerate(disputes, start=1):
        yield [
            i,
            d.number,
            _day(d.registered_at),
            d.type.name,
            _parties(d, reveal),
            pii.mask_text(f"{d.title}：{d.summary}" if d.summary else d.title)
            if not reveal
            else (f"{d.title}：{d.summary}" if d.summary else d.title),
            {"red": "高（红）", "yellow": "中（黄）", "green": "低（绿）"}.get(d.risk, d.risk),
            str(d.get_source_display()),
            _who(d),
            _day(d.accepted_at),
            _result(d),
            _performance(d),
            _day(d.closed_at),
            _on_time(d),
        ]


def write_register(
    *, unit: str, date_from: date, date_to: date, rows: Iterable[list[Any]]
) -> bytes:
    """The workbook of the register: title, unit and period, header, ``rows``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TITLE
    last = get_column_letter(len(COLUMNS))
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    title = ws.cell(row=TITLE_ROW, column=1, value=TITLE)
    title.font = Font(name="宋体", size=18, bold=True)
    title.alignment = _CENTER
    ws.row_dimensions[TITLE_ROW].height = 36
    ws.merge_cells(f"A{INFO_ROW}:{last}{INFO_ROW}")
    info = ws.cell(
        row=INFO_ROW,
        column=1,
        value=f"填报单位：{unit}　　统计期间：{date_from:%Y年%m月%d日}至{date_to:%Y年%m月%d日}",
    )
    info.data_type = "s"
    info.alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[INFO_ROW].height = 22
    for col, (header, width) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=header)
        c.font = Font(bold=True)
        c.alignment = _CENTER
        c.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 30
    r = HEADER_ROW
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for col, value in enumerate(excel.cells(values), start=1):
            c = ws.cell(row=r, column=col, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # never a formula, whatever the text starts with
            if isinstance(value, date):
                c.number_format = "yyyy-mm-dd"
            c.alignment = _LEFT if col in _TEXT_COLUMNS else _CENTER
            c.border = _BORDER
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_area = f"A1:{last}{max(r, HEADER_ROW)}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _queryset(actor: Any, area: Area, date_from: date, date_to: date) -> Any:
    from gridgov.mediation.models import Dispute

    start, end = local_range(date_from, date_to)
    qs = Dispute.objects.visible_to(actor).filter(
        area_path__startswith=area.path, registered_at__gte=start, registered_at__lt=end
    )
    # Sensitive (family) disputes only where the actor holds mediation.sensitive.
    qs = qs.filter(Q(sensitive=False) | Dispute.scope_q(actor, Perm.MEDIATION_SENSITIVE))
    return qs


def export_register(
    *,
    actor: Any,
    area: Area,
    date_from: date,
    date_to: date,
    unmasked: bool = False,
    reason: str = "",
) -> bytes:
    """The register of ``area``'s subtree for the disputes registered ``date_from`` …
    ``date_to``, masked unless ``unmasked`` (``roster.unmask`` at the area and a reason).
    Needs the right to read the area's mediation numbers (NotFound otherwise). Audited."""
    from gridgov.cases.indicators import check_period

    if not may_view(actor, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    check_period(date_from, date_to)
    qs = _queryset(actor, area, date_from, date_to)
    n = qs.count()
    if n > excel.max_rows():
        msg = _("%(count)s rows match; narrow the filter to at most %(n)s.") % {
            "count": n,
            "n": excel.max_rows(),
        }
        raise ValidationFailed(msg, code=Code.TOO_MANY_ROWS)
    pii.record_export(  # checks roster.unmask and the reason of an unmasked export
        actor=actor,
        kind=EXPORT_KIND,
        count=n,
        unmasked=unmasked,
        reason=reason,
        filters={"area": area.pk, "from": date_from.isoformat(), "to": date_to.isoformat()},
        area_path=area.path,
    )
    disputes = (
        qs.select_related("type", "room", "mediator")
        .prefetch_related("parties")
        .order_by("registered_at", "id")
    )
    return write_register(
        unit=area.name,
        date_from=date_from,
        date_to=date_to,
        rows=register_rows(disputes.iterator(chunk_size=2000), reveal=unmasked),
    )


def file_name(area: Area, date_from: date, date_to: date) -> str:
    return f"{TITLE}_{area.name}_{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
