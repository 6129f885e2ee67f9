"""Calendar pages: list of years with the missing-year banner, the month grid, the entry form
with per-line errors, and refusals for users without config.manage."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from gridgov.workcal.models import CalendarDay, CalendarYear, Source

pytestmark = pytest.mark.django_db

HOLIDAYS = "2027-01-01 2027-01-03 元旦\n\n# 春节\n2027-02-06 2027-02-13 春节\n"
WORKDAYS = "2027-02-14 春节调休上班\n2027-02-20 春节调休上班\n"


def english(client: Client, user) -> Client:
    client.force_login(user)
    client.cookies["gridgov_language"] = "en"
    return client


def snapshot() -> list[tuple]:
    return list(
        CalendarDay.objects.order_by("date").values_list("date", "is_workday", "name")
    ) + list(CalendarYear.objects.order_by("year").values_list("year", "source"))


def this_year() -> int:
    from gridgov.workcal.views import _today

    return _today().year


# --- List ------------------------------------------------------------------------------------


def test_index_lists_years(client, cal_admin):
    r = english(client, cal_admin).get("/calendar/")
    assert r.status_code == 200
    assert b'href="/calendar/2024/"' in r.content


def test_index_warns_about_a_missing_year(client, cal_admin):
    CalendarYear.objects.filter(year=this_year()).delete()
    r = english(client, cal_admin).get("/calendar/")
    assert b'id="gg-calendar-missing"' in r.content
    assert f'href="/calendar/{this_year()}/edit/"'.encode() in r.content


def test_index_has_no_banner_when_nothing_is_missing(client, cal_admin):
    for y in (this_year(), this_year() + 1):
        CalendarYear.objects.get_or_create(year=y, defaults={"source": Source.MANUAL})
    r = english(client, cal_admin).get("/calendar/")
    assert b'id="gg-calendar-missing"' not in r.content


def test_sync_button_restores_a_deleted_year(client, cal_admin):
    CalendarYear.objects.filter(year=2025).delete()
    r = english(client, cal_admin).post("/calendar/sync/")
    assert r.status_code == 302
    assert CalendarYear.objects.filter(year=2025, source=Source.PACKAGE).exists()


# --- Year grid -------------------------------------------------------------------------------


def test_year_grid_marks_holidays_and_makeup_days(client, cal_admin):
    r = english(client, cal_admin).get("/calendar/2024/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'class="gg-cal-holiday" data-date="2024-10-01" title="国庆节"' in html
    assert 'class="gg-cal-makeup" data-date="2024-09-29" title="国庆节调休上班"' in html
    assert 'class="gg-cal-workday" data-date="2024-10-08"' in html


def test_year_grid_of_a_year_without_schedule_warns(client, cal_admin):
    r = english(client, cal_admin).get("/calendar/2031/")
    assert r.status_code == 200
    assert b'id="gg-calendar-missing"' in r.content


def test_year_out_of_range_is_404(client, cal_admin):
    assert english(client, cal_admin).get("/calendar/1800/").status_code == 404


# --- Entry form ------------------------------------------------------------------------------


def test_edit_form_is_prefilled_with_the_schedule(client, cal_admin):
    r = english(client, cal_admin).get("/calendar/2024/edit/")
    assert r.status_code == 200
    assert "2024-10-01 2024-10-07 国庆节" in r.content.decode()
    assert "2024-10-12 国庆节调休上班" in r.content.decode()


def test_admin_saves_next_year(client, cal_admin):
    r = english(client, cal_admin).post(
        "/calendar/2027/edit/", {"holidays": HOLIDAYS, "workdays": WORKDAYS, "notes": "通知"}
    )
    assert r.status_code == 302 and r["Location"] == "/calendar/2027/"
    cy = CalendarYear.objects.get(year=2027)
    assert cy.source == Source.MANUAL and cy.notes == "通知"
    assert CalendarDay.objects.filter(calendar_year=cy, is_workday=False).count() == 11
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).is_workday


def test_bad_line_is_named_and_nothing_saved(client, cal_admin):
    before = snapshot()
    bad = "2027-01-01 2027-01-03 元旦\n2027-02-30 2027-03-01 春节\n"
    r = english(client, cal_admin).post("/calendar/2027/edit/", {"holidays": bad, "workdays": ""})
    assert r.status_code == 400
    assert "Line 2: there is no such date." in r.content.decode()
    assert snapshot() == before


def test_unreadable_workday_line_is_named(client, cal_admin):
    r = english(client, cal_admin).post(
        "/calendar/2027/edit/", {"holidays": HOLIDAYS, "workdays": "2027-02-14 调休\nfoo\n"}
    )
    assert r.status_code == 400
    assert "Line 2: write" in r.content.decode()


def test_service_error_is_shown_on_the_field(client, cal_admin):
    before = snapshot()
    r = english(client, cal_admin).post(
        "/calendar/2027/edit/", {"holidays": HOLIDAYS, "workdays": "2027-02-15 调休\n"}
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "2027-02-15 is a Monday" in html
    assert 'id="id_workdays_errors"' in html
    assert snapshot() == before


def test_error_messages_follow_the_chinese_page(client, cal_admin):
    client.force_login(cal_admin)  # default language zh-Hans
    r = client.post("/calendar/2027/edit/", {"holidays": "2027-02-30 春节", "workdays": ""})
    assert r.status_code == 400
    assert 'lang="zh-hans"' in r.content.decode()


def test_single_day_and_tilde_periods_are_accepted():
    from gridgov.workcal.forms import parse_holidays

    periods, errors = parse_holidays("2027-01-01 元旦\n2027/05/01~2027/05/05 劳动节\n")
    assert errors == []
    assert periods == [
        (date(2027, 1, 1), date(2027, 1, 1), "元旦"),
        (date(2027, 5, 1), date(2027, 5, 5), "劳动节"),
    ]


def test_unreadable_last_day_is_reported():
    from gridgov.workcal.forms import parse_holidays

    _periods, errors = parse_holidays("2027-10-01 10-07 国庆节")
    assert len(errors) == 1 and "第 1 行" in errors[0]


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/calendar/", "/calendar/2024/", "/calendar/2027/edit/"])
def test_non_admin_pages_are_forbidden(client, dispatcher, url):
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403


def test_non_admin_post_changes_nothing(client, dispatcher):
    before = snapshot()
    client.force_login(dispatcher)
    r = client.post("/calendar/2027/edit/", {"holidays": HOLIDAYS, "workdays": WORKDAYS})
    assert r.status_code == 403
    assert snapshot() == before


def test_non_admin_cannot_sync(client, dispatcher):
    CalendarYear.objects.filter(year=2025).delete()
    client.force_login(dispatcher)
    assert client.post("/calendar/sync/").status_code == 403
    assert not CalendarYear.objects.filter(year=2025).exists()


def test_anonymous_is_sent_to_login(client):
    r = client.get("/calendar/")
    assert r.status_code == 302 and "login" in r["Location"]
