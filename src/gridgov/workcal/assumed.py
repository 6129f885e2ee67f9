"""The schedule assumed for a year whose official schedule is not known yet (no database access).

The State Council publishes each year's schedule (holidays and make-up workdays) in November or
December. Until then the statutory rules of the 全国年节及纪念日放假办法 (as amended in 2024,
in force from 2025) give the holidays that every year has:

* 元旦 1 day (1 January); 春节 4 days (除夕 to 正月初三, by the lunar calendar); 清明节 1 day
  (the day of the Qingming solar term); 劳动节 2 days (1–2 May); 端午节 1 day (lunar 5/5);
  中秋节 1 day (lunar 8/15); 国庆节 3 days (1–3 October);
* Article 4: a holiday that falls on a Saturday or Sunday is given back on a working day
  (补假). The assumption gives it back on the next Monday–Friday after that festival's days
  that is not already a holiday, as the published schedules do (e.g. 端午 on Saturday
  31 May 2025 → Monday 2 June).

Make-up workdays (调休上班) cannot be known in advance and are not assumed.

Lunar dates come from the ``lunardate`` package, the Qingming solar term from
``chinesecalendar``; both cover 1900–2099 (a year outside that range has no assumed holidays).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"
SUBSTITUTE_SUFFIX = "补假"

FIRST_YEAR = 1901  # 除夕 of 1900 lies before the package's range
LAST_YEAR = 2099


def _lunar(year: int, month: int, day: int) -> date:
    from lunardate import LunarDate

    return LunarDate(year, month, day).to_solar_date()


def _qingming(year: int) -> date:
    from chinese_calendar import get_solar_terms

    for day, name in get_solar_terms(date(year, 4, 1), date(year, 4, 10)):
        if name == "清明":
            return day
    raise ValueError(f"no Qingming solar term found in April {year}")


def festivals(year: int) -> list[tuple[str, list[date]]]:
    """The statutory festivals of ``year`` with their days, in date order."""
    new_year = _lunar(year, 1, 1)
    return sorted(
        [
            (NEW_YEAR, [date(year, 1, 1)]),
            (SPRING_FESTIVAL, [new_year + timedelta(days=i) for i in range(-1, 3)]),
            (QINGMING, [_qingming(year)]),
            (LABOUR_DAY, [date(year, 5, 1), date(year, 5, 2)]),
            (DRAGON_BOAT, [_lunar(year, 5, 5)]),
            (MID_AUTUMN, [_lunar(year, 8, 15)]),
            (NATIONAL_DAY, [date(year, 10, d) for d in (1, 2, 3)]),
        ],
        key=lambda item: item[1][0],
    )


@lru_cache(maxsize=64)
def assumed_holidays(year: int) -> dict[date, str]:
    """date -> name of the holidays assumed for ``year`` (empty outside 1901–2099)."""
    if not (FIRST_YEAR <= year <= LAST_YEAR):
        return {}
    days: dict[date, str] = {}
    for name, festival_days in festivals(year):
        for d in festival_days:
            days.setdefault(d, name)
    for name, festival_days in festivals(year):
        owed = sum(1 for d in festival_days if d.weekday() >= 5)
        d = festival_days[-1]
        while owed:
            d += timedelta(days=1)
            if d.weekday() < 5 and d not in days:
                days[d] = name + SUBSTITUTE_SUFFIX
                owed -= 1
    return {d: n for d, n in sorted(days.items()) if d.year == year}
