"""Generating a report: the Excel holds the figures of the counters (cover, one sheet per
section, the formulas), the PDF is a real PDF with a Chinese font, generating again replaces the
files in place, and the permission and period rules hold."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from gridgov.cases.tests.ops_builders import World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.command.models import Report
from gridgov.command.registry import report_sections
from gridgov.command.reports import services
from gridgov.command.reports.render import Document
from gridgov.command.reports.render.excel import sheet_name
from gridgov.command.reports.render.pdf import render_pdf
from gridgov.command.tests.reports_builders import march_cases
from gridgov.command.tests.reports_builders import media as media  # the fixture
from gridgov.core.errors import NotFound, PermissionDenied, ValidationFailed

MARCH = date(2025, 3, 10)


def _sheet_values(ws: Any) -> dict[str, Any]:
    """{first cell: second cell} of every row with a text in column A."""
    return {
        str(row[0]): row[1]
        for row in ws.iter_rows(values_only=True)
        if row and isinstance(row[0], str) and len(row) > 1
    }


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


def test_monthly_report_of_the_county_holds_the_figures(world: World, media: Path) -> None:
    march_cases(world)
    report = services.report_generate(
        actor=world.dispatcher, area=world.tree.county, period="month", day=MARCH
    )
    assert (report.date_from, report.date_to) == (date(2025, 3, 1), date(2025, 3, 31))
    assert report.summary["complete"] is True
    wb = load_workbook(io.BytesIO(report.xlsx.read()))
    with translation.override("zh-hans"):
        taken: set[str] = set()
        titles = [_("Cover"), *[str(s.title) for s in report_sections.all()]]
        names = [sheet_name(t, taken) for t in [*titles, _("Measure definitions")]]
        assert wb.sheetnames == names
        cover = _sheet_values(wb[_("Cover")])
        assert cover[_("Area")] == "凤城区 (640110)"
        assert cover[_("Days covered")] == "2025-03-01 – 2025-03-31"
        assert _("Generated at") in cover
        measures = _sheet_values(wb.worksheets[1])
        assert measures[_("Cases reported")] == 4
        assert measures[_("Cases opened")] == 2
        assert measures[_("Cases closed")] == 1
        assert measures[_("On-time closure rate")] == "100.0%"
        assert measures[_("Satisfaction rate")] == "100.0%"
        assert measures[_("Closure rate")] == "50.0%"
        assert measures[_("Open now")] == 3
        # By area: 凤鸣街道 had three reports, 金沙镇 one.
        by_area = {row[0]: row for row in wb.worksheets[1].iter_rows(values_only=True) if row}
        assert by_area["凤鸣街道"][1] == 3
        assert by_area["金沙镇"][1] == 1
        # By channel: the four reports were grid-worker patrols.
        from gridgov.cases.states import Source

        assert by_area[str(Source.PATROL.label)][1:3] == (4, "100.0%")
        assert by_area[str(Source.HOTLINE.label)][1:3] == (0, "0.0%")
        # The formulas sheet states every measure's formula.
        formulas = [
            row for row in wb[_("Measure definitions")].iter_rows(min_row=2, values_only=True)
        ]
        measured = {row[1]: row[2] for row in formulas}
        assert measured[_("On-time closure rate")] == _("closed on time ÷ closed × 100%")
        assert _("Resolution rate") in measured  # mediation's too
        assert all(row[2] for row in formulas)
    pdf = report.pdf.read()
    assert pdf.startswith(b"%PDF")
    # The Chinese font is embedded (TrueType subset) or reportlab's CID font is named.
    assert b"/FontFile2" in pdf or b"STSong-Light" in pdf


def test_daily_trend_lists_every_day(world: World, media: Path) -> None:
    march_cases(world)
    report = services.report_generate(
        actor=world.dispatcher, area=world.tree.county, period="week", day=MARCH - timedelta(7)
    )
    assert (report.date_from, report.date_to) == (date(2025, 3, 3), date(2025, 3, 9))
    wb = load_workbook(io.BytesIO(report.xlsx.read()))
    trend = [r for r in wb.worksheets[2].iter_rows(values_only=True) if r and r[0]]
    days = {r[0]: r for r in trend if isinstance(r[0], str) and r[0].startswith("2025-")}
    assert sorted(days) == [f"2025-03-0{d}" for d in range(3, 10)]
    assert days["2025-03-03"][1] == 1 and days["2025-03-04"][1] == 3
    assert days["2025-03-05"][1] == 0


def test_generating_again_replaces_the_files(world: World, media: Path) -> None:
    march_cases(world)
    first = services.report_generate(
        actor=world.dispatcher, area=world.tree.county, period="month", day=MARCH
    )
    old_files = [first.xlsx.name, first.pdf.name]
    again = services.report_generate(
        actor=None, area=world.tree.county, period="month", day=date(2025, 3, 31)
    )
    assert again.pk == first.pk
    assert Report.objects.filter(area=world.tree.county, period="month").count() == 1
    assert [again.xlsx.name, again.pdf.name] != old_files
    assert (media / again.xlsx.name).exists() and (media / again.pdf.name).exists()


def test_old_files_are_removed_once_the_swap_commits(
    world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = services.report_generate(
        actor=None, area=world.tree.street, period="day", day=date(2025, 3, 3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.report_generate(
            actor=None, area=world.tree.street, period="day", day=date(2025, 3, 3)
        )
    assert not (media / first.xlsx.name).exists()
    assert not (media / first.pdf.name).exists()


def test_a_running_period_says_so(world: World, media: Path) -> None:
    from gridgov.cases.indicators import local_today

    today = local_today()
    report = services.report_generate(
        actor=world.dispatcher, area=world.tree.county, period="year", day=today
    )
    assert report.date_to == today
    assert report.summary["complete"] is False
    wb = load_workbook(io.BytesIO(report.xlsx.read()))
    text = " ".join(str(c) for row in wb.worksheets[0].iter_rows(values_only=True) for c in row)
    assert "截至今日" in text


def test_future_period_and_outsiders_are_refused(world: World, media: Path) -> None:
    from gridgov.cases.indicators import local_today

    later = local_today() + timedelta(days=400)
    with pytest.raises(ValidationFailed) as err:
        services.report_generate(
            actor=world.dispatcher, area=world.tree.county, period="month", day=later
        )
    assert err.value.code == "period_in_future"
    # A grid worker holds no stats.view: 403; the 金沙镇 worker's area is not the dispatcher's
    # ... and a community's staff may not report on the county: 404.
    with pytest.raises(PermissionDenied):
        services.report_generate(actor=world.worker, area=world.tree.grid1, period="day", day=MARCH)
    assert not Report.objects.exists()


def test_outside_the_jurisdiction_is_not_found(world: World, media: Path, make_user: Any) -> None:
    staff = make_user("staff_fm", ("community_staff", world.tree.community))
    with pytest.raises(NotFound):
        services.report_generate(actor=staff, area=world.tree.county, period="day", day=MARCH)
    report = services.report_generate(
        actor=staff, area=world.tree.community, period="day", day=MARCH
    )
    assert report.area == world.tree.community


def test_a_big_table_runs_over_several_pages() -> None:
    rows = [[f"网格{i:04d}", i, i * 2, "98.5%"] for i in range(400)]
    doc = Document(
        title="凤城区 月报",
        area_name="凤城区",
        area_code="640110",
        period_name="月报",
        period_label="2025年3月",
        date_from="2025-03-01",
        date_to="2025-03-31",
        generated_at="2025-04-01 01:00",
        sections=[
            {
                "key": "t",
                "title": "大表",
                "tables": [
                    {"title": "各网格", "columns": ["网格", "上报", "办结", "满意率"], "rows": rows}
                ],
                "notes": ["说明"],
                "formulas": [{"name": "满意率", "formula": "（满意 + 基本满意）÷ 已评价 × 100%"}],
            }
        ],
    )
    pdf = render_pdf(doc)
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 5


def test_building_reads_counters_not_the_cases(world: World, media: Path) -> None:
    """The number of statements does not grow with the cases, and none groups the case table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.cases.indicators import local_today
    from gridgov.cases.models import Case
    from gridgov.command.reports import periods
    from gridgov.command.reports.build import build_files
    from gridgov.kernel.counters.models import StockCount

    county = world.tree.county
    span = periods.resolve("month", MARCH, today=local_today())

    def statements() -> list[str]:
        now = timezone.now()
        with CaptureQueriesContext(connection) as ctx:
            build_files(actor=None, area=county, span=span, today=local_today(), now=now)
        return [q["sql"] for q in ctx.captured_queries]

    march_cases(world)
    few = statements()
    march_cases(world)
    march_cases(world)
    many = statements()
    assert len(many) == len(few)
    case_table = connection.ops.quote_name(Case._meta.db_table)
    assert not [s for s in many if case_table in s and "GROUP BY" in s.upper()]
    assert StockCount.objects.filter(area=county, kind="cases").exists()


def test_the_mediation_section_counts_the_disputes(tree: Any, media: Path) -> None:
    from gridgov.cases.indicators import local_today
    from gridgov.mediation.tests.dispute_builders import register

    register(tree.grid1)
    register(tree.grid3)
    report = services.report_generate(actor=None, area=tree.county, period="day", day=local_today())
    wb = load_workbook(io.BytesIO(report.xlsx.read()))
    with translation.override("zh-hans"):
        keys = [section.key for section in report_sections.all()]
        sheet = wb.worksheets[1 + keys.index("mediation.disputes")]
        figures = _sheet_values(sheet)
        assert figures[_("Disputes registered")] == 2
        assert figures[_("Disputes open now")] == 2
        assert figures[_("Resolution rate")] == "—"
        by_area = {row[0]: row for row in sheet.iter_rows(values_only=True) if row}
        assert by_area["凤鸣街道"][1] == 1 and by_area["金沙镇"][1] == 1


def test_without_the_font_file_the_cid_font_is_named(settings: Any, tmp_path: Path) -> None:
    from gridgov.command.reports.render import pdf as pdf_module

    settings.GRIDGOV_REPORT_FONT = str(tmp_path / "missing.ttc")
    pdf_module.cjk_font.cache_clear()
    try:
        doc = Document(
            title="凤城区 日报",
            area_name="凤城区",
            area_code="640110",
            period_name="日报",
            period_label="2025年3月3日",
            date_from="2025-03-03",
            date_to="2025-03-03",
            generated_at="2025-03-04 01:00",
        )
        data = pdf_module.render_pdf(doc)
    finally:
        pdf_module.cjk_font.cache_clear()
    assert data.startswith(b"%PDF")
    assert b"STSong-Light" in data
    assert b"/FontFile2" not in data
