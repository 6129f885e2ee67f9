"""Rendering a built report (:class:`Document`) as Excel (openpyxl) and PDF (reportlab).

The renderers only lay out what the sections returned: a cover (area, period, generated at,
"截至今日" for a period still running), one part per section (its tables, notes) and the
formulas of every measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    title: str
    area_name: str
    area_code: str
    period_name: str  # 月报 …
    period_label: str  # 2026年11月 …
    date_from: str
    date_to: str
    generated_at: str
    running_note: str = ""  # non-empty for a period still running (截至今日)
    sections: list[dict[str, Any]] = field(default_factory=list)

    def cover_rows(self) -> list[tuple[str, str]]:
        from django.utils.translation import gettext as _

        rows = [
            (_("Area"), f"{self.area_name} ({self.area_code})"),
            (_("Report"), self.period_name),
            (_("Period"), self.period_label),
            (_("Days covered"), f"{self.date_from} – {self.date_to}"),
            (_("Generated at"), self.generated_at),
        ]
        if self.running_note:
            rows.append((_("Note"), self.running_note))
        return rows

    def formulas(self) -> list[tuple[str, str, str]]:
        """(section, measure, formula) of every section, in order."""
        return [
            (str(s["title"]), str(f["name"]), str(f["formula"]))
            for s in self.sections
            for f in s.get("formulas", [])
        ]
