"""The PDF version of a report (reportlab): a cover block, one part per section with its
tables (the header row repeated on every page a table runs over), the formulas of every
measure, and page numbers.

Chinese needs a CJK font. :func:`cjk_font` embeds WenQuanYi Micro Hei
(``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc``, or ``GRIDGOV_REPORT_FONT``) when the file
is there — reportlab embeds only the glyphs used — and otherwise falls back to reportlab's
built-in CID font ``STSong-Light`` (not embedded: the reader's Chinese fonts draw it).
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gridgov.command.reports.render import Document

WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
EMBEDDED = "GridgovCJK"
CID = "STSong-Light"


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The name of the registered CJK font: the embedded TrueType one when its file exists,
    else the built-in CID font."""
    path = getattr(settings, "GRIDGOV_REPORT_FONT", "") or WQY
    if path and os.path.exists(path):
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
            return EMBEDDED
        except Exception:
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(CID))
    return CID


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontSize=14, leading=20, spaceBefore=6),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=8),
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
    }


def _esc(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(
    columns: list[Any], rows: list[list[Any]], width: float, font: str, cell: ParagraphStyle
) -> Table:
    """A table whose header row repeats on every page; long texts wrap inside their cell."""

    def content(value: Any) -> Any:
        text = str(value)
        return Paragraph(_esc(text), cell) if len(text) > 12 else text

    data = [[Paragraph(_esc(c), cell) for c in columns]]
    data += [[content(v) for v in row] for row in rows]
    n = max(1, len(columns))
    first = min(width * 0.3, width / n * 1.6) if n > 2 else width / n
    rest = (width - first) / (n - 1) if n > 1 else width
    table = Table(data, colWidths=[first] + [rest] * (n - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F5F7FA")]),
            ]
        )
    )
    return table


def render_pdf(doc: Document) -> bytes:
    font = cjk_font()
    st = _styles(font)
    out = io.BytesIO()
    page = A4
    margin = 15 * mm
    pdf = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=doc.title,
        author="gridgov",
    )
    width = page[0] - 2 * margin
    story: list[Any] = [Paragraph(_esc(doc.title), st["title"])]
    cover = Table(
        [
            [Paragraph(_esc(k), st["base"]), Paragraph(_esc(v), st["base"])]
            for k, v in doc.cover_rows()
        ],
        colWidths=[35 * mm, width - 35 * mm],
    )
    cover.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [cover, Spacer(1, 6 * mm)]

    for section in doc.sections:
        story.append(Paragraph(_esc(section["title"]), st["h1"]))
        for table in section.get("tables", []):
            columns = list(table["columns"])
            heading = Paragraph(_esc(table["title"]), st["h2"])
            if not table["rows"]:
                story.append(KeepTogether([heading, Paragraph(_esc(_("None.")), st["note"])]))
                continue
            story += [heading, _table(columns, table["rows"], width, font, st["cell"])]
        for note in section.get("notes", []):
            story.append(Paragraph(_esc(note), st["note"]))
        story.append(Spacer(1, 4 * mm))

    formulas = doc.formulas()
    if formulas:
        story += [PageBreak(), Paragraph(_esc(_("Measure definitions")), st["h1"])]
        story.append(
            _table(
                [_("Section"), _("Measure"), _("Formula")],
                [list(f) for f in formulas],
                width,
                font,
                st["cell"],
            )
        )

    label = _("Page %(page)d")
    footer = f"{doc.area_name} · {doc.period_name} · {doc.period_label}"

    def decorate(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        w = canvas._pagesize[0]
        canvas.drawString(margin, 8 * mm, footer)
        canvas.drawRightString(w - margin, 8 * mm, label % {"page": canvas.getPageNumber()})
        canvas.restoreState()

    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


__all__ = ["cjk_font", "render_pdf"]
