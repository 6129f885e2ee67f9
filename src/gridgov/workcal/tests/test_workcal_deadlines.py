"""Deadlines in working days and working hours over the official calendar (seeded from the
chinesecalendar package by migration 0002): National Day 2024 and Spring Festival 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from gridgov.workcal.selectors import (
    add_working_seconds,
    add_working_time,
    is_workday,
    next_work_start,
    working_seconds_between,
)
from gridgov.workcal.tests.conftest import at

pytestmark = pytest.mark.django_db


# --- The seeded schedule -------------------------------------------------------------------


def test_national_day_2024_holidays_are_not_workdays():
    assert not any(is_workday(date(2024, 10, d)) for d in range(1, 8))


def test_national_day_2024_makeup_days_are_workdays():
    assert is_workday(date(2024, 9, 29))  # Sunday
    assert is_workday(date(2024, 10, 12))  # Saturday


def test_spring_festival_2026_matches_the_package():
    holidays = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]  # 15–23 Feb
    assert not any(is_workday(d) for d in holidays)
    assert is_workday(date(2026, 2, 14)) and is_workday(date(2026, 2, 28))  # Saturdays
    assert is_workday(date(2026, 2, 24))


def test_ordinary_weekend_is_not_a_workday():
    assert not is_workday(date(2024, 10, 19))  # Saturday


# --- Working days --------------------------------------------------------------------------


def test_one_working_day_jumps_over_national_day():
    assert add_working_time(at(2024, 9, 30, 10), 1, "days") == at(2024, 10, 8, 10)


def test_working_days_count_the_makeup_sunday():
    # Fri 27 Sep → Sun 29 Sep (make-up) → Mon 30 Sep
    assert add_working_time(at(2024, 9, 27, 15), 2, "days") == at(2024, 9, 30, 15)


def test_working_days_count_the_makeup_saturday_after_national_day():
    # Tue 8 … Fri 11 Oct, Sat 12 Oct (make-up): the 5th working day after 30 Sep
    assert add_working_time(at(2024, 9, 30, 9, 30), 5, "days") == at(2024, 10, 12, 9, 30)


def test_thirteen_working_days_over_national_day():
    # from Fri 27 Sep: 9/29, 9/30 (2), 10/8–10/12 (7), 10/14–10/18 (12), Mon 10/21 (13)
    assert add_working_time(at(2024, 9, 27, 11), 13, "days") == at(2024, 10, 21, 11)


def test_working_days_over_spring_festival_2026():
    # Fri 13 Feb → Sat 14 Feb (make-up) → Tue 24 Feb (after 15–23 Feb)
    assert add_working_time(at(2026, 2, 13, 16), 1, "days") == at(2026, 2, 14, 16)
    assert add_working_time(at(2026, 2, 13, 16), 2, "days") == at(2026, 2, 24, 16)


def test_spring_festival_2026_makeup_saturday_28_feb():
    # Tue 24 … Fri 27 Feb, Sat 28 Feb (make-up)
    assert add_working_time(at(2026, 2, 24, 10), 4, "days") == at(2026, 2, 28, 10)


def test_start_on_a_holiday_counts_from_the_next_working_morning():
    # Signed for during Spring Festival: counted from Tue 24 Feb 09:00
    assert add_working_time(at(2026, 2, 18, 14), 1, "days") == at(2026, 2, 25, 9)


def test_start_in_the_evening_snaps_to_next_morning():
    assert add_working_time(at(2024, 10, 8, 20), 1, "days") == at(2024, 10, 10, 9)


def test_start_over_lunch_snaps_to_afternoon():
    assert add_working_time(at(2024, 10, 8, 12, 30), 1, "days") == at(2024, 10, 9, 13, 30)


def test_zero_working_days_is_the_snapped_start():
    assert add_working_time(at(2024, 10, 5, 11), 0, "days") == at(2024, 10, 8, 9)


# --- Working hours -------------------------------------------------------------------------


def test_hours_within_a_morning():
    assert add_working_time(at(2024, 10, 8, 9), 2, "hours") == at(2024, 10, 8, 11)


def test_hours_across_lunch():
    # 11:00–12:00 (1 h), then 13:30–14:30
    assert add_working_time(at(2024, 10, 8, 11), 2, "hours") == at(2024, 10, 8, 14, 30)


def test_hours_across_the_night():
    # 16:30–17:30 (1 h), then 09:00–10:00 next day
    assert add_working_time(at(2024, 10, 9, 16, 30), 2, "hours") == at(2024, 10, 10, 10)


def test_hours_across_a_weekend():
    # Fri 18 Oct 17:00 → 0.5 h, then Mon 21 Oct 09:00 + 1.5 h
    assert add_working_time(at(2024, 10, 18, 17), 2, "hours") == at(2024, 10, 21, 10, 30)


def test_hours_across_national_day_use_the_makeup_sunday():
    # Fri 27 Sep 16:00 (1.5 h) → Sun 29 Sep 09:00 + 1.5 h
    assert add_working_time(at(2024, 9, 27, 16), 3, "hours") == at(2024, 9, 29, 10, 30)


def test_hours_across_national_day_holidays():
    # Mon 30 Sep 16:00: 1.5 h, then Tue 8 Oct from 09:00: 7 h → 8 Oct 17:30 is 8.5 h
    assert add_working_time(at(2024, 9, 30, 16), 8, "hours") == at(2024, 10, 8, 17)


def test_deadline_at_the_end_of_a_period_is_that_end():
    assert add_working_time(at(2024, 10, 8, 9), 3, "hours") == at(2024, 10, 8, 12)


def test_a_start_at_the_end_of_the_day_counts_from_next_morning():
    assert add_working_time(at(2024, 10, 8, 17, 30), 1, "hours") == at(2024, 10, 9, 10)


def test_many_hours_skip_whole_days():
    # 24 h = 3 days of 7 h + 3 h, from Tue 8 Oct 09:00 → Fri 11 Oct 12:00
    assert add_working_time(at(2024, 10, 8, 9), 24, "hours") == at(2024, 10, 11, 12)


def test_hours_keep_seconds_of_the_start():
    start = at(2024, 10, 8, 10, 15, 30)
    assert add_working_time(start, 1, "hours") == at(2024, 10, 8, 11, 15, 30)


def test_utc_input_gives_shanghai_output():
    start = datetime(2024, 10, 7, 17, 0, tzinfo=UTC)  # 8 Oct 01:00 in Shanghai: night
    result = add_working_time(start, 1, "hours")
    assert result == at(2024, 10, 8, 10)
    assert result.utcoffset() == timedelta(hours=8)


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        add_working_time(at(2024, 10, 8, 9), 1, "weeks")


def test_negative_amount_is_refused():
    with pytest.raises(ValueError):
        add_working_time(at(2024, 10, 8, 9), -1, "days")


def test_work_hours_follow_the_setting(settings):
    settings.GRIDGOV_WORK_HOURS = (("08:30", "12:00"), ("14:00", "18:00"))
    assert add_working_time(at(2024, 10, 8, 11), 2, "hours") == at(2024, 10, 8, 15)
    assert next_work_start(at(2024, 10, 8, 7)) == at(2024, 10, 8, 8, 30)


# --- Working time between two moments ------------------------------------------------------


def test_seconds_between_over_national_day():
    # 27 Sep 16:00 → 8 Oct 10:00: 1.5 h + 7 h (29 Sep) + 7 h (30 Sep) + 1 h
    assert working_seconds_between(at(2024, 9, 27, 16), at(2024, 10, 8, 10)) == int(16.5 * 3600)


def test_seconds_between_within_a_day_skip_lunch():
    assert working_seconds_between(at(2024, 10, 8, 11), at(2024, 10, 8, 14)) == int(1.5 * 3600)


def test_seconds_between_on_a_holiday_are_zero():
    assert working_seconds_between(at(2026, 2, 16, 9), at(2026, 2, 20, 17)) == 0


def test_seconds_between_reversed_are_negative():
    assert working_seconds_between(at(2024, 10, 8, 14), at(2024, 10, 8, 11)) == -int(1.5 * 3600)


def test_seconds_between_match_add_working_time():
    start = at(2026, 2, 12, 15, 20)
    due = add_working_time(start, 20, "hours")
    assert working_seconds_between(start, due) == 20 * 3600


def test_add_working_seconds_over_lunch():
    assert add_working_seconds(at(2024, 10, 8, 11, 59), 90) == at(2024, 10, 8, 13, 30, 30)


def test_add_working_seconds_of_zero_keeps_the_start():
    assert add_working_seconds(at(2024, 10, 8, 17, 30), 0) == at(2024, 10, 8, 17, 30)


def test_add_working_seconds_is_the_inverse_of_seconds_between():
    start = at(2024, 9, 30, 15, 7, 11)
    assert working_seconds_between(start, add_working_seconds(start, 12345)) == 12345
