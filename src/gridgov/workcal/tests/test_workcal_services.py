"""Writes to the calendar: package sync, manual entry with validation, permissions, and the
in-process day table following every change."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.management import call_command

from gridgov.audit.models import AuditEntry, Event
from gridgov.core.errors import PermissionDenied, ValidationFailed
from gridgov.workcal import selectors
from gridgov.workcal.models import CalendarDay, CalendarRevision, CalendarYear, Source
from gridgov.workcal.package import package_schedules
from gridgov.workcal.selectors import DayTableCache, is_workday, missing_years
from gridgov.workcal.services import calendar_set_year, calendar_sync_from_package
from gridgov.workcal.tasks import check_missing_years
from gridgov.workcal.tests.conftest import at

pytestmark = pytest.mark.django_db

# 2027 as an administrator would enter it (an invented schedule, for the tests).
HOLIDAYS_2027 = [
    (date(2027, 1, 1), date(2027, 1, 3), "元旦"),
    (date(2027, 2, 6), date(2027, 2, 13), "春节"),
]
WORKDAYS_2027 = [(date(2027, 2, 14), "春节调休上班"), (date(2027, 2, 20), "春节调休上班")]


def snapshot() -> list[tuple]:
    return list(
        CalendarDay.objects.order_by("date").values_list(
            "date", "is_workday", "name", "calendar_year__year"
        )
    ) + list(CalendarYear.objects.order_by("year").values_list("year", "source", "notes"))


def set_2027(actor, **kw):
    args = {"holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "notes": "国办发明电"}
    args.update(kw)
    return calendar_set_year(actor=actor, year=2027, **args)


# --- Seed and sync ---------------------------------------------------------------------------


def test_migration_seeded_every_package_year():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert set(package_schedules()) <= years
    assert {2004, 2024, 2026} <= years


def test_seeded_days_have_chinese_names():
    assert CalendarDay.objects.get(date=date(2024, 10, 1)).name == "国庆节"
    day = CalendarDay.objects.get(date=date(2024, 9, 29))
    assert day.is_workday and day.name == "国庆节调休上班"


def test_sync_creates_a_year_the_database_lacks():
    CalendarYear.objects.filter(year=2026).delete()
    result = calendar_sync_from_package(actor=None)
    assert result.created == [2026]
    assert CalendarYear.objects.get(year=2026).source == Source.PACKAGE
    assert not is_workday(date(2026, 2, 16))


def test_sync_repairs_a_changed_package_year():
    CalendarDay.objects.filter(date=date(2024, 10, 12)).delete()
    result = calendar_sync_from_package(actor=None)
    assert result.updated == [2024]
    assert CalendarDay.objects.get(date=date(2024, 10, 12)).is_workday


def test_sync_without_changes_keeps_the_revision():
    before = CalendarRevision.objects.get(pk=1).revision
    result = calendar_sync_from_package(actor=None)
    assert not result.changed
    assert CalendarRevision.objects.get(pk=1).revision == before


def test_sync_does_not_overwrite_a_manual_year(cal_admin):
    calendar_set_year(
        actor=cal_admin,
        year=2026,
        holidays=[(date(2026, 1, 1), date(2026, 1, 1), "元旦")],
        workdays=[],
    )
    before = snapshot()
    result = calendar_sync_from_package(actor=cal_admin)
    assert 2026 in result.skipped_manual
    assert snapshot() == before
    assert is_workday(date(2026, 2, 16))  # the administrator's schedule still counts


def test_sync_is_audited(cal_admin):
    calendar_sync_from_package(actor=cal_admin)
    entry = AuditEntry.objects.filter(event="calendar_synced").latest("id")
    assert entry.actor == cal_admin


def test_calendar_sync_command_reports_what_it_did():
    from io import StringIO

    CalendarYear.objects.filter(year=2025).delete()
    out = StringIO()
    call_command("calendar_sync", stdout=out, stderr=StringIO())
    assert "2025" in out.getvalue()
    assert CalendarYear.objects.filter(year=2025).exists()


# --- Manual entry ----------------------------------------------------------------------------


def test_admin_enters_next_year(cal_admin):
    cy = set_2027(cal_admin)
    assert cy.source == Source.MANUAL and cy.updated_by == cal_admin
    assert CalendarDay.objects.filter(calendar_year=cy, is_workday=False).count() == 11
    assert CalendarDay.objects.get(date=date(2027, 2, 14)).is_workday


def test_entered_year_is_used_at_once(cal_admin):
    assert is_workday(date(2027, 2, 11))  # Thursday after the assumed 春节 and its 补假
    set_2027(cal_admin)
    assert not is_workday(date(2027, 2, 11))
    assert is_workday(date(2027, 2, 14))  # Sunday make-up workday


def test_deadline_follows_the_entered_year(cal_admin):
    set_2027(cal_admin)
    # Fri 5 Feb 2027 → Sun 14 Feb (make-up) → Mon 15 Feb
    assert selectors.add_working_time(at(2027, 2, 5, 10), 2, "days") == at(2027, 2, 15, 10)


def test_manual_entry_is_audited(cal_admin):
    cy = set_2027(cal_admin)
    entry = AuditEntry.objects.filter(event="calendar_changed").latest("id")
    assert entry.actor == cal_admin and entry.target_id == str(cy.pk)
    assert entry.detail["year"] == 2027 and entry.detail["workdays"] == 2


def test_manual_entry_replaces_a_package_year(cal_admin):
    calendar_set_year(
        actor=cal_admin,
        year=2026,
        holidays=[(date(2026, 10, 1), date(2026, 10, 8), "国庆节")],
        workdays=[(date(2026, 10, 10), "国庆节调休上班")],
    )
    assert CalendarYear.objects.get(year=2026).source == Source.MANUAL
    assert not CalendarDay.objects.filter(date=date(2026, 2, 16)).exists()


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "needle"),
    [
        (HOLIDAYS_2027, [(date(2027, 2, 15), "调休")], "workdays", "2027-02-15"),  # a Monday
        (HOLIDAYS_2027, [(date(2027, 2, 6), "调休")], "workdays", "2027-02-06"),  # in 春节
        (HOLIDAYS_2027, [(date(2026, 12, 26), "调休")], "workdays", "2026-12-26"),
        ([(date(2027, 12, 31), date(2028, 1, 2), "元旦")], [], "holidays", "2028-01-02"),
        ([(date(2027, 5, 5), date(2027, 5, 1), "劳动节")], [], "holidays", "2027-05-05"),
        (
            [
                (date(2027, 5, 1), date(2027, 5, 5), "劳动节"),
                (date(2027, 5, 5), date(2027, 5, 6), "x"),
            ],
            [],
            "holidays",
            "2027-05-05",
        ),
        ([(date(2027, 5, 1), date(2027, 5, 3), "")], [], "holidays", "2027-05-01"),
        ([], [], "holidays", ""),
    ],
)
def test_invalid_schedules_are_refused_with_field_errors(
    cal_admin, holidays, workdays, field, needle
):
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        calendar_set_year(actor=cal_admin, year=2027, holidays=holidays, workdays=workdays)
    assert field in exc.value.fields
    assert needle in str(exc.value.fields[field])
    assert snapshot() == before


def test_validation_messages_are_in_chinese(cal_admin):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        set_2027(cal_admin, workdays=[(date(2027, 2, 15), "调休")])
    assert exc.value.code == "bad_schedule"
    assert "2027-02-15" in str(exc.value.fields["workdays"])


def test_year_out_of_range_is_refused(cal_admin):
    with pytest.raises(ValidationFailed) as exc:
        calendar_set_year(actor=cal_admin, year=1999, holidays=HOLIDAYS_2027, workdays=[])
    assert "year" in exc.value.fields


# --- Permissions -----------------------------------------------------------------------------


def test_non_admin_cannot_enter_a_year(dispatcher):
    before = snapshot()
    revision = CalendarRevision.objects.get(pk=1).revision
    with pytest.raises(PermissionDenied):
        set_2027(dispatcher)
    assert snapshot() == before
    assert CalendarRevision.objects.get(pk=1).revision == revision
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=dispatcher).exists()


def test_non_admin_cannot_sync(dispatcher):
    CalendarYear.objects.filter(year=2026).delete()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        calendar_sync_from_package(actor=dispatcher)
    assert snapshot() == before


def test_anonymous_cannot_enter_a_year():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        set_2027(AnonymousUser())
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- The in-process day table ----------------------------------------------------------------


def test_another_process_change_is_noticed_through_the_revision():
    other = DayTableCache(check_interval=0)
    assert other.table().is_workday(date(2024, 10, 8))
    # What another process's service does: change the days and the revision token.
    cy = CalendarYear.objects.get(year=2024)
    CalendarDay.objects.create(calendar_year=cy, date=date(2024, 10, 8), is_workday=False)
    CalendarRevision.objects.filter(pk=1).update(revision=12345)
    assert not other.table().is_workday(date(2024, 10, 8))


def test_table_is_not_reread_without_a_new_revision():
    other = DayTableCache(check_interval=0)
    first = other.table()
    assert other.table() is first


def test_table_is_kept_within_the_check_interval():
    other = DayTableCache(check_interval=3600)
    first = other.table()
    CalendarRevision.objects.filter(pk=1).update(revision=777)
    assert other.table() is first
    other.invalidate()
    assert other.table() is not first


# --- Missing years ---------------------------------------------------------------------------


def test_missing_years_reports_next_year_near_the_end_of_the_year():
    assert missing_years(ahead_days=60, today=date(2026, 12, 1)) == [2027]


def test_missing_years_is_empty_when_far_from_the_unknown_year():
    assert missing_years(ahead_days=60, today=date(2026, 6, 1)) == []


def test_missing_years_clears_once_entered(cal_admin):
    set_2027(cal_admin)
    assert missing_years(ahead_days=60, today=date(2026, 12, 1)) == []


def test_missing_years_includes_the_current_year():
    CalendarYear.objects.filter(year=2026).delete()
    assert missing_years(ahead_days=10, today=date(2026, 3, 1)) == [2026]


def test_a_date_in_an_unknown_year_is_reported_in_the_log(caplog):
    with caplog.at_level(logging.WARNING, logger="gridgov.workcal"):
        assert is_workday(date(2031, 3, 3))  # Monday, no statutory holiday
    assert "2031" in caplog.text


def test_daily_job_logs_missing_years(caplog):
    this_year = selectors.timezone.now().astimezone(selectors.work_timezone()).year
    CalendarYear.objects.filter(year=this_year).delete()
    with caplog.at_level(logging.WARNING, logger="gridgov.workcal"):
        years = check_missing_years.call()
    assert this_year in years
    assert str(this_year) in caplog.text


def test_daily_job_is_registered():
    from gridgov.core.scheduler import discover

    assert "workcal.check_missing_years" in discover().jobs
