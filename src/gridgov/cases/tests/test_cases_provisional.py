"""Provisional deadlines: counted over 2027, a year without an official schedule in the tests
(its statutory holidays assumed), marked on the case, shown as 暂定, announced to the
administrators, and recomputed by the worker once the schedule is entered.

The category (ops_builders.world): 4 working hours to sign for, 2 working days to handle.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from gridgov.audit.models import AuditEntry
from gridgov.cases.models import Case
from gridgov.cases.services.deadlines import deadlines_recompute
from gridgov.cases.states import Status
from gridgov.cases.tests.ops_builders import World
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.notifications.models import Notification
from gridgov.workcal import notices
from gridgov.workcal.models import CalendarYear
from gridgov.workcal.services import calendar_set_year

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# 2027 as an administrator might enter it (invented for the tests): 春节 6–13 Feb, so Friday
# 5 Feb is a working day (the assumption has 除夕 off), and Saturday 20 Feb a make-up workday.
HOLIDAYS_2027 = [
    (date(2027, 1, 1), date(2027, 1, 3), "元旦"),
    (date(2027, 2, 6), date(2027, 2, 13), "春节"),
]
WORKDAYS_2027 = [(date(2027, 2, 20), "春节调休上班")]


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _fresh(db: Any) -> Any:
    from gridgov.workcal import selectors

    # 2027 has no schedule here, even once the package learns it.
    CalendarYear.objects.filter(year=2027).delete()
    selectors.cache.reset()
    notices._checked.clear()
    yield
    selectors.cache.reset()
    notices._checked.clear()


@pytest.fixture
def admin(tree: Any, make_user: Any) -> Any:
    return make_user("cal_admin", ("admin", tree.county))


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def reported(world: World) -> Case:
    return world.report(at=t(2026, 11, 30, 9))


def signed(world: World, at: datetime) -> Case:
    case = reported(world)
    world.accept(case, at)
    world.dispatch(case, at)
    return world.sign(case, at)


def enter_2027(admin: Any) -> None:
    calendar_set_year(actor=admin, year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)


# --- Marking ---------------------------------------------------------------------------------


def test_a_deadline_over_an_assumed_year_is_provisional(world: World):
    case = reported(world)
    world.accept(case, t(2026, 12, 31, 15))
    world.dispatch(case, t(2026, 12, 31, 16))
    case = fresh(case)
    # 16:00–17:30 on 31 Dec, then 1 Jan (assumed 元旦) and the weekend: Monday 4 Jan 11:30.
    assert case.sign_due_at == t(2027, 1, 4, 11, 30)
    assert case.deadline_provisional and case.shows_provisional_deadline


def test_a_deadline_inside_a_published_year_is_not(world: World):
    case = signed(world, t(2026, 12, 1, 10))
    assert fresh(case).handle_due_at == t(2026, 12, 3, 10)
    assert not fresh(case).deadline_provisional


def test_the_mark_follows_the_running_clock(world: World):
    case = signed(world, t(2026, 12, 31, 10))  # handling due 5 Jan 2027
    assert fresh(case).deadline_provisional
    world.reply(case, t(2026, 12, 31, 11))
    case = fresh(case)
    assert case.status == Status.RESOLVED and not case.shows_provisional_deadline


def test_first_use_tells_the_administrators(
    world: World, admin: Any, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=True):
        signed(world, t(2026, 12, 31, 10))
        signed(world, t(2026, 12, 30, 10))
    titles = list(
        Notification.objects.filter(recipient=admin, kind=notices.KIND).values_list(
            "title", flat=True
        )
    )
    assert len(titles) == 1 and "2027" in titles[0]


# --- Shown on the pages and in the API -------------------------------------------------------


def test_detail_list_and_api_show_it(world: World, client: Client):
    case = signed(world, t(2026, 12, 31, 10))
    client.force_login(world.dispatcher)
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="deadline-provisional"' in detail and "暂定" in detail
    listing = client.get("/cases/list/").content.decode()
    assert 'data-testid="deadline-provisional"' in listing
    assert client.get(f"/api/v1/cases/{case.pk}").json()["deadline_provisional"] is True
    items = client.get("/api/v1/cases/").json()["items"]
    assert [c["deadline_provisional"] for c in items if c["id"] == case.pk] == [True]


def test_nothing_is_shown_for_a_final_deadline(world: World, client: Client):
    case = signed(world, t(2026, 12, 1, 10))
    client.force_login(world.dispatcher)
    assert "deadline-provisional" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.get(f"/api/v1/cases/{case.pk}").json()["deadline_provisional"] is False


# --- Recomputed when the schedule is entered -------------------------------------------------


def test_entering_the_schedule_recomputes_in_the_worker(
    world: World, admin: Any, settings: Any, django_capture_on_commit_callbacks: Any
):
    settings.TASKS = IMMEDIATE
    case = signed(world, t(2027, 2, 3, 10))
    # Assumed: Thu 4 Feb, then 除夕 … 初三 and two days given back → Thu 11 Feb.
    assert fresh(case).handle_due_at == t(2027, 2, 11, 10)
    version = fresh(case).version
    with django_capture_on_commit_callbacks(execute=True):
        enter_2027(admin)
    case = fresh(case)
    # Entered: Thu 4 and Fri 5 Feb are working days.
    assert case.handle_due_at == t(2027, 2, 5, 10)
    assert not case.deadline_provisional
    assert case.version == version  # a correction, not an action: nobody's form turns stale
    assert case.watch_at is not None and case.watch_at <= case.handle_due_at
    entry = AuditEntry.objects.filter(event="calendar_changed").latest("id")
    assert entry.detail["deadlines_recomputed"]["recomputed"] == 1


def test_recompute_keeps_an_unchanged_deadline_and_clears_the_mark(world: World, admin: Any):
    case = reported(world)
    world.accept(case, t(2026, 12, 31, 15))
    world.dispatch(case, t(2026, 12, 31, 16))
    enter_2027(admin)  # 元旦 1–3 Jan, as assumed
    result = deadlines_recompute(years=[2027])
    case = fresh(case)
    assert case.sign_due_at == t(2027, 1, 4, 11, 30) and not case.deadline_provisional
    assert result.recomputed == 1 and result.still_provisional == 0


def test_recompute_clears_the_mark_of_a_case_whose_clock_stopped(world: World, admin: Any):
    case = signed(world, t(2026, 12, 31, 10))
    world.reply(case, t(2026, 12, 31, 11))
    assert fresh(case).deadline_provisional  # left from the handling clock
    enter_2027(admin)
    assert deadlines_recompute(years=[2027]).cleared == 1
    assert not fresh(case).deadline_provisional


def test_recompute_leaves_cases_of_other_years(world: World, admin: Any):
    case = signed(world, t(2027, 2, 3, 10))
    result = deadlines_recompute(years=[2031])
    assert result.recomputed == 0
    assert fresh(case).deadline_provisional and fresh(case).handle_due_at == t(2027, 2, 11, 10)


def test_recompute_runs_in_batches(world: World, admin: Any):
    cases = [signed(world, t(2027, 2, 3, 10 + i)) for i in range(3)]
    enter_2027(admin)
    assert deadlines_recompute(years=[2027], batch_size=2).recomputed == 3
    assert all(not fresh(c).deadline_provisional for c in cases)


def test_only_administrators_may_run_it(world: World):
    from gridgov.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        deadlines_recompute(years=[2027], actor=world.dispatcher)


@pytest.mark.django_db(transaction=True)  # real commits: the worker closes its connection
def test_the_worker_runs_the_enqueued_recomputation(world: World, admin: Any):
    case = signed(world, t(2027, 2, 3, 10))
    enter_2027(admin)
    assert fresh(case).deadline_provisional  # enqueued on commit, not yet run
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    case = fresh(case)
    assert not case.deadline_provisional and case.handle_due_at == t(2027, 2, 5, 10)
