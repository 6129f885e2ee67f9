"""The schedule that the installed ``chinesecalendar`` package knows (no database access).

Used by :func:`gridgov.workcal.services.calendar_sync_from_package` and the data migration.
The package names holidays in English; the calendar stores the official Chinese names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAKEUP_SUFFIX = "调休上班"


@dataclass
class YearSchedule:
    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    def days(self) -> dict[date, tuple[bool, str]]:
        """date -> (is_workday, name)"""
        out = {d: (False, n) for d, n in self.holidays.items()}
        out.update({d: (True, n) for d, n in self.workdays.items()})
        return out


def _zh(name: object) -> str:
    text = str(getattr(name, "value", name) or "")
    return HOLIDAY_NAMES.get(text, text)[:40]


def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("chinesecalendar")
    except Exception:  # pragma: no cover - package metadata missing
        return ""


def package_schedules() -> dict[int, YearSchedule]:
    """Every year the package knows, with its holidays and make-up workdays."""
    import chinese_calendar

    years: dict[int, YearSchedule] = {}
    for day, name in chinese_calendar.holidays.items():
        years.setdefault(day.year, YearSchedule(day.year)).holidays[day] = _zh(name)
    for day, name in chinese_calendar.workdays.items():
        sched = years.setdefault(day.year, YearSchedule(day.year))
        sched.workdays[day] = (_zh(name) + MAKEUP_SUFFIX)[:50]
    return dict(sorted(years.items()))
