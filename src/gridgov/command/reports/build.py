"""Building a report: run every registered report section for a scope, in order.

The content of a report belongs to its (area, period, first day), not to who asked for it: a
report is one shared row that everyone with ``stats.view`` at the area downloads, so every
registered section is built (each reads aggregate counters only — every role holding
``stats.view`` also holds the sections' own permissions, ``case.view`` and
``mediation.view``). It is written in the site's language (``LANGUAGE_CODE``) whoever asks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.areas.models import Area
from gridgov.command.models.reports import ReportPeriod
from gridgov.command.registry import Scope, report_sections
from gridgov.command.reports import periods
from gridgov.command.reports.periods import Span
from gridgov.command.reports.render import Document
from gridgov.command.reports.render.excel import render_xlsx
from gridgov.command.reports.render.pdf import render_pdf

logger = logging.getLogger("gridgov.command.reports")


def document_for(*, actor: Any, area: Area, span: Span, today: Any, now: datetime) -> Document:
    """Run the sections for ``area`` and ``span`` and gather them as a :class:`Document`
    (in the active language)."""
    scope = Scope(actor=actor, area=area, today=today, date_from=span.start, date_to=span.date_to)
    sections: list[dict[str, Any]] = []
    for section in report_sections.all():
        built = section.build(scope)
        sections.append(
            {
                "key": section.key,
                "title": str(section.title),
                "tables": built.get("tables", []),
                "notes": [str(n) for n in built.get("notes", [])],
                "formulas": built.get("formulas", []),
                "summary": built.get("summary", {}),
            }
        )
    period_name = str(ReportPeriod(span.period).label)
    running = ""
    if span.running:
        running = _(
            "This period has not ended: the report covers the days up to %(day)s (截至今日)."
        ) % {"day": span.date_to.isoformat()}
    return Document(
        title=_("%(area)s %(report)s: %(period)s")
        % {
            "area": area.name,
            "report": period_name,
            "period": periods.label(span.period, span.start, span.end),
        },
        area_name=area.name,
        area_code=area.code,
        period_name=period_name,
        period_label=periods.label(span.period, span.start, span.end),
        date_from=span.start.isoformat(),
        date_to=span.date_to.isoformat(),
        generated_at=timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        running_note=running,
        sections=sections,
    )


def build_files(
    *, actor: Any, area: Area, span: Span, today: Any, now: datetime
) -> tuple[bytes, bytes, dict[str, Any]]:
    """The Excel and PDF bytes of the report and its summary (figures for the list page)."""
    with translation.override(settings.LANGUAGE_CODE):
        doc = document_for(actor=actor, area=area, span=span, today=today, now=now)
        xlsx = render_xlsx(doc)
        pdf = render_pdf(doc)
    summary: dict[str, Any] = {
        "complete": span.complete,
        "sections": {s["key"]: s["summary"] for s in doc.sections if s["summary"]},
    }
    return xlsx, pdf, summary
