"""The form administrators use to enter a year's schedule, and its line-based text format.

Holidays, one period a line: ``first-day last-day name`` (or ``day name`` for a single day)::

    2027-01-01 2027-01-03 元旦
    2027-02-06 2027-02-13 春节

Make-up workdays (调休上班), one a line: ``day name``::

    2027-02-14 春节调休上班

Dates are written YYYY-MM-DD (YYYY/MM/DD and YYYY.MM.DD work too); between the two days of a
period a space, ``~``, ``至`` or ``..`` is accepted. Blank lines and lines starting with ``#``
are skipped. Each mistake is reported with its line number.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.params import DayField
from gridgov.core.widgets import IsoDateInput
from gridgov.workcal.selectors import Schedule

_DATE = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_HOLIDAY_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|到|\.\.|–|—)\s*|\s+)(?:{_DATE})?\s*(.*)$")
_WORKDAY_LINE = re.compile(rf"^{_DATE}\s*(.*)$")
_MAX_LINES = 200


def _date(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    for no, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if line and not line.startswith("#"):
            out.append((no, line))
    return out


def parse_holidays(text: str) -> tuple[list[tuple[date, date, str]], list[str]]:
    """Parse the holiday lines; return the periods and the per-line errors."""
    periods: list[tuple[date, date, str]] = []
    errors: list[str] = []
    for no, line in _lines(text)[:_MAX_LINES]:
        m = _HOLIDAY_LINE.match(line) or re.match(rf"^{_DATE}()()()\s*(.*)$", line)
        if not m:
            errors.append(
                _(
                    "Line %(line)d: write “first-day last-day name”, e.g. 2027-10-01 2027-10-07 国庆节."
                )
                % {"line": no}
            )
            continue
        g = m.groups()
        start = _date(g[0], g[1], g[2])
        end = _date(g[3], g[4], g[5]) if g[3] else start
        name = (g[6] or "").strip()
        if start is None or end is None:
            errors.append(_("Line %(line)d: there is no such date.") % {"line": no})
            continue
        if name[:1].isdigit():
            errors.append(
                _("Line %(line)d: cannot read the last day; write it as YYYY-MM-DD.") % {"line": no}
            )
            continue
        if not name:
            errors.append(_("Line %(line)d: the holiday needs a name (e.g. 春节).") % {"line": no})
            continue
        periods.append((start, end, name))
    return periods, errors


def parse_workdays(text: str) -> tuple[list[tuple[date, str]], list[str]]:
    """Parse the make-up workday lines; return the days and the per-line errors."""
    days: list[tuple[date, str]] = []
    errors: list[str] = []
    for no, line in _lines(text)[:_MAX_LINES]:
        m = _WORKDAY_LINE.match(line)
        if not m:
            errors.append(
                _("Line %(line)d: write “day name”, e.g. 2027-02-14 春节调休上班.") % {"line": no}
            )
            continue
        d = _date(m.group(1), m.group(2), m.group(3))
        if d is None:
            errors.append(_("Line %(line)d: there is no such date.") % {"line": no})
            continue
        days.append((d, m.group(4).strip()))
    return days, errors


def format_schedule(schedule: Schedule) -> dict[str, str]:
    """The textarea contents for a stored schedule (the inverse of the parsers)."""
    holidays = "\n".join(
        f"{a.isoformat()} {b.isoformat()} {name}".rstrip() for a, b, name in schedule.holidays
    )
    workdays = "\n".join(f"{d.isoformat()} {name}".rstrip() for d, name in schedule.workdays)
    return {"holidays": holidays, "workdays": workdays}


class YearScheduleForm(forms.Form):
    holidays = forms.CharField(
        label=gettext_lazy("Holidays"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "gg-cal-text"}),
        help_text=gettext_lazy(
            "One holiday period a line: first day, last day, name — e.g. "
            "“2027-10-01 2027-10-07 国庆节”. A single day: “2027-01-01 元旦”."
        ),
    )
    workdays = forms.CharField(
        label=gettext_lazy("Make-up workdays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "gg-cal-text"}),
        help_text=gettext_lazy(
            "Weekend days that are working days (调休上班), one a line: day, name — e.g. "
            "“2027-02-14 春节调休上班”."
        ),
    )
    published = DayField(
        label=gettext_lazy("Notice published on"),
        required=False,
        widget=IsoDateInput(),
        help_text=gettext_lazy("The date of the State Council's notice (optional)."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. the notice's number (国办发明电〔2026〕…)."),
    )

    def clean_holidays(self) -> list[tuple[date, date, str]]:
        periods, errors = parse_holidays(self.cleaned_data.get("holidays", ""))
        if errors:
            raise forms.ValidationError(errors)
        return periods

    def clean_workdays(self) -> list[tuple[date, str]]:
        days, errors = parse_workdays(self.cleaned_data.get("workdays", ""))
        if errors:
            raise forms.ValidationError(errors)
        return days

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "holidays": data["holidays"],
            "workdays": data["workdays"],
            "notes": data.get("notes", ""),
            "published": data.get("published"),
        }
