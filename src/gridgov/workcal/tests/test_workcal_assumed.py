"""A year without an official schedule (2027 here: the package knows up to 2026) is counted on
its statutory holidays; administrators hear about it in their inbox, once per year."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from django.test import Client
from lunardate import LunarDate

from gridgov.notifications.models import Notification
from gridgov.workcal import notices
from gridgov.workcal.assumed import assumed_holidays, festivals
from gridgov.workcal.models import CalendarYear
from gridgov.workcal.notices import KIND, notify_missing_years
from gridgov.workcal.selectors import add_working_time, is_workday, missing_years
from gridgov.workcal.tasks import check_missing_years
from gridgov.workcal.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_years_checked(db: Any) -> Any:
    from gridgov.workcal import selectors

    # 2027 has no schedule here, even once the package learns it.
    CalendarYear.objects.filter(year=2027).delete()
    selectors.cache.reset()
    notices._checked.clear()
    yield
    notices._checked.clear()


def _inbox(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=KIND))


# --- The assumed holidays ----------------------------------------------------------------------


def test_2027_has_no_schedule_in_the_tests():
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert 2027 in missing_years(ahead_days=60, today=date(2026, 12, 1))


def test_new_years_day_2027_is_not_a_working_day():
    assert date(2027, 1, 1).weekday() == 4  # a Friday
    assert not is_workday(date(2027, 1, 1))
    assert is_workday(date(2027, 1, 4))  # Monday


def test_spring_festival_2027_follows_the_lunar_calendar():
    new_year = LunarDate(2027, 1, 1).to_solar_date()
    assert new_year == date(2027, 2, 6)
    eve_to_third = [new_year + timedelta(days=i) for i in range(-1, 3)]  # 除夕 … 初三
    assert dict(festivals(2027))["春节"] == eve_to_third
    assert not any(is_workday(d) for d in eve_to_third)
    # 初一 and 初二 fall on Saturday and Sunday: given back on Tuesday and Wednesday.
    assert assumed_holidays(2027)[date(2027, 2, 9)] == "春节补假"
    assert not is_workday(date(2027, 2, 10))
    assert is_workday(date(2027, 2, 11))


def test_the_other_statutory_holidays_of_2027():
    days = assumed_holidays(2027)
    assert days[date(2027, 4, 5)] == "清明节"  # the Qingming solar term
    assert days[date(2027, 5, 1)] == days[date(2027, 5, 2)] == "劳动节"
    assert days[LunarDate(2027, 5, 5).to_solar_date()] == "端午节"
    assert days[LunarDate(2027, 8, 15).to_solar_date()] == "中秋节"
    assert [days[date(2027, 10, d)] for d in (1, 2, 3)] == ["国庆节"] * 3
    assert all(not is_workday(d) for d in days)


def test_no_makeup_workdays_are_assumed():
    assert not is_workday(date(2027, 2, 13))  # an ordinary Saturday stays a rest day
    assert not is_workday(date(2027, 9, 26))  # Sunday


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_rule_gives_a_subset_of_a_published_year(year: int):
    """Computed for a year the State Council has published (the package's data): every
    assumed holiday is a holiday of the real schedule."""
    published = {d for d in chinese_calendar.holidays if d.year == year}
    assumed = set(assumed_holidays(year))
    assert assumed and assumed <= published


def test_a_year_outside_the_lunar_tables_assumes_nothing():
    assert assumed_holidays(2100) == {}


def test_working_days_skip_the_assumed_holidays():
    # Thu 31 Dec 2026 10:00, 1 working day → Mon 4 Jan 2027 (1 Jan assumed 元旦)
    assert add_working_time(at(2026, 12, 31, 10), 1, "days") == at(2027, 1, 4, 10)
    # Thu 4 Feb 2027, 1 working day → Thu 11 Feb (除夕 … 初三 and two days given back)
    assert add_working_time(at(2027, 2, 4, 10), 1, "days") == at(2027, 2, 11, 10)


# --- The administrators' inbox -----------------------------------------------------------------


def test_admins_get_one_message_per_missing_year(cal_admin, dispatcher):
    assert notify_missing_years([2027]) == 1
    assert notify_missing_years([2027]) == 0  # not again while unread
    [message] = _inbox(cal_admin)
    message.read_at = message.created_at
    message.save()
    assert notify_missing_years([2027]) == 0  # nor once read
    assert _inbox(dispatcher) == []  # not an administrator
    assert "2027" in message.title and message.url == "/calendar/2027/edit/"


def test_a_year_with_a_schedule_is_not_announced(cal_admin):
    assert notify_missing_years([2026]) == 0
    assert _inbox(cal_admin) == []


def test_an_administrator_who_joins_later_gets_it_too(cal_admin, make_user, tree):
    notify_missing_years([2027])
    late = make_user("late_admin", ("admin", tree.county))
    assert notify_missing_years([2027]) == 1
    assert len(_inbox(late)) == 1 and len(_inbox(cal_admin)) == 1


def test_the_daily_job_announces_next_year_from_december(cal_admin):
    assert check_missing_years.call(today="2026-12-01") == [2027]
    check_missing_years.call(today="2026-12-02")
    assert len(_inbox(cal_admin)) == 1


def test_the_daily_job_is_quiet_before_december(cal_admin):
    assert check_missing_years.call(today="2026-11-15") == [2027]  # in the log and on the page
    assert _inbox(cal_admin) == []


# --- The calendar page of a year without a schedule --------------------------------------------


def test_year_page_lists_the_assumed_holidays(client: Client, cal_admin):
    client.force_login(cal_admin)
    html = client.get("/calendar/2027/").content.decode()
    assert 'data-testid="assumed-holidays"' in html
    assert "2027-02-05 – 2027-02-08" in html and "春节" in html
    assert 'data-date="2027-01-01"' in html
    assert 'class="gg-cal-holiday" data-date="2027-01-01"' in html
