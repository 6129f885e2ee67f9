"""Lifecycle services: the loop of a case, deadlines in working time, units, notifications,
concurrency. Times are fixed (NOW = Wednesday 4 March 2026 10:00, Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.states import HandlingLevel, Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import (
    NOW,
    SH,
    category,
    events,
    fresh,
    make_case,
    row,
)
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed
from gridgov.notifications.models import Notification
from gridgov.workcal.selectors import add_working_time

people = core_builders.people  # the fixture


def inbox(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def test_full_path_from_report_to_rating(tree, people):
    case = make_case(tree.grid1, reporter=people.resident)
    lc.case_accept(actor=people.dispatcher, case=case, version=case.version, now=NOW)
    lc.case_dispatch(
        actor=people.dispatcher, case=case, version=case.version, to_area=tree.grid1, now=NOW
    )
    case = fresh(case)
    lc.case_sign(actor=people.worker, case=case, version=case.version, now=NOW)
    lc.case_reply(actor=people.worker, case=case, version=case.version, reply="已清理", now=NOW)
    lc.case_verify(actor=people.dispatcher, case=case, version=case.version, passed=True, now=NOW)
    case = fresh(case)
    lc.case_rate(
        actor=people.resident, case=case, version=case.version, rating="satisfied", now=NOW
    )
    case = fresh(case)
    assert case.status == Status.RATED
    assert events(case) == ["accept", "dispatch", "sign", "reply", "verify_pass", "rate"]


# --- accept / reject ---------------------------------------------------------------------------


def test_accept_tells_the_reporter(tree, people):
    case = make_case(tree.grid1, reporter=people.resident)
    lc.case_accept(actor=people.dispatcher, case=case, version=1, now=NOW)
    assert fresh(case).accepted_at == NOW
    assert inbox(people.resident) == ["case.accepted"]


def test_reject_needs_a_reason_and_changes_nothing_without(tree, people):
    case = make_case(tree.grid1)
    before = row(case)
    with pytest.raises(ValidationFailed) as exc:
        lc.case_reject(actor=people.dispatcher, case=case, version=1, reason="  ", now=NOW)
    assert "reason" in exc.value.fields
    assert row(case) == before and events(case) == []


def test_worker_cannot_accept_and_nothing_changes(tree, people):
    case = make_case(tree.grid1)
    before = row(case)
    with pytest.raises(PermissionDenied):
        lc.case_accept(actor=people.worker, case=case, version=1, now=NOW)
    assert row(case) == before and events(case) == []


# --- dispatch ----------------------------------------------------------------------------------


def test_dispatch_sets_unit_and_sign_deadline_in_working_hours(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    lc.case_dispatch(actor=people.dispatcher, case=case, version=1, to_area=tree.grid1, now=NOW)
    case = fresh(case)
    cat = category()
    assert case.status == Status.ASSIGNED
    assert case.assigned_area == tree.grid1 and case.assigned_level == HandlingLevel.GRID
    assert case.dispatched_at == NOW
    assert case.sign_due_at == add_working_time(NOW, cat.sign_limit, cat.sign_unit)
    assert case.watch_at is not None and case.watch_at <= case.sign_due_at
    assert inbox(people.worker) == ["case.assigned"]
    assert inbox(people.worker2) == []


def test_sign_deadline_skips_the_weekend(tree, people):
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=SH)
    case = make_case(tree.grid1, status=Status.ACCEPTED)  # 0103 道路不洁: sign within 4 h
    lc.case_dispatch(
        actor=people.dispatcher, case=case, version=1, to_area=tree.grid1, now=friday_4pm
    )
    # 16:00–17:30 Friday (1.5 h), then Monday 09:00 + 2.5 h.
    assert fresh(case).sign_due_at == datetime(2026, 3, 9, 11, 30, tzinfo=SH)


def test_dispatch_to_a_department_serving_the_area(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    lc.case_dispatch(
        actor=people.dispatcher, case=case, version=1, to_department=people.dept, now=NOW
    )
    case = fresh(case)
    assert case.assigned_department == people.dept
    assert case.assigned_level == HandlingLevel.COUNTY
    assert inbox(people.handler) == ["case.assigned"]


@pytest.mark.parametrize(
    "target, field",
    [
        ("grid2", "to_area"),  # does not contain the case's area
        ("county", "to_area"),  # outside the street dispatcher's jurisdiction
        ("city", "to_area"),  # not a handling level
        ("both", "to_area"),
        ("none", "to_area"),
    ],
)
def test_dispatch_refuses_bad_targets(tree, people, target, field):
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    kwargs = {
        "grid2": {"to_area": tree.grid2},
        "county": {"to_area": tree.county},
        "city": {"to_area": tree.city},
        "both": {"to_area": tree.grid1, "to_department": people.dept},
        "none": {},
    }[target]
    before = row(case)
    with pytest.raises(ValidationFailed) as exc:
        lc.case_dispatch(actor=people.dispatcher, case=case, version=1, now=NOW, **kwargs)
    assert field in exc.value.fields
    assert row(case) == before and events(case) == []


def test_dispatch_refuses_a_department_serving_elsewhere(tree, people):
    from gridgov.accounts.services import department_create

    town_dept = department_create(
        actor=None, name="金沙镇综合执法队", kind="urban_management", area=tree.town
    )
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    with pytest.raises(ValidationFailed) as exc:
        lc.case_dispatch(
            actor=people.dispatcher, case=case, version=1, to_department=town_dept, now=NOW
        )
    assert "to_department" in exc.value.fields


def test_two_dispatchers_with_the_same_version_only_one_wins(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    seen_by_a, seen_by_b = fresh(case), fresh(case)
    lc.case_dispatch(
        actor=people.dispatcher, case=seen_by_a, version=1, to_area=tree.grid1, now=NOW
    )
    with pytest.raises(Conflict) as exc:
        lc.case_dispatch(
            actor=people.county, case=seen_by_b, version=1, to_area=tree.community, now=NOW
        )
    assert exc.value.code == "stale_version"
    case = fresh(case)
    assert case.assigned_area == tree.grid1 and case.version == 2
    assert events(case) == ["dispatch"]


def test_an_old_version_is_refused(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED, version=3)
    with pytest.raises(Conflict) as exc:
        lc.case_dispatch(actor=people.dispatcher, case=case, version=2, to_area=tree.grid1)
    assert exc.value.code == "stale_version"
    assert events(case) == []


# --- sign / return / reassign / escalate --------------------------------------------------------


def test_sign_starts_the_handling_clock(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    lc.case_sign(actor=people.worker, case=case, version=1, now=NOW)
    case = fresh(case)
    cat = category()
    assert case.handler == people.worker and case.signed_at == NOW
    assert case.handle_due_at == add_working_time(NOW, cat.handle_limit, cat.handle_unit)
    assert last_event(case).data["on_time"] is True


def test_a_late_sign_is_recorded_as_late(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED, sign_due_at=NOW - timedelta(minutes=1))
    lc.case_sign(actor=people.worker, case=case, version=1, now=NOW)
    assert last_event(case).data["on_time"] is False


def test_return_goes_back_to_the_dispatchers(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    lc.case_return(actor=people.worker, case=case, version=1, reason="不属于网格职责", now=NOW)
    case = fresh(case)
    assert case.status == Status.ACCEPTED and case.return_count == 1
    assert case.assigned_area is None and case.sign_due_at is None
    assert inbox(people.dispatcher) == ["case.returned"]
    assert inbox(people.county) == ["case.returned"]
    assert inbox(people.town) == []


def test_return_needs_a_reason(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    before = row(case)
    with pytest.raises(ValidationFailed):
        lc.case_return(actor=people.worker, case=case, version=1, reason="", now=NOW)
    assert row(case) == before


@pytest.mark.parametrize(
    "unit, expected", [("grid1", "community"), ("community", "street"), ("street", "county")]
)
def test_escalate_climbs_the_ladder(tree, people, make_user, unit, expected):
    actor = {"grid1": people.worker, "community": people.community, "street": people.dispatcher}[
        unit
    ]
    case = make_case(tree.grid1, status=Status.IN_PROGRESS, unit=getattr(tree, unit))
    lc.case_escalate(actor=actor, case=case, version=1, note="本级无法解决", now=NOW)
    case = fresh(case)
    assert case.status == Status.ASSIGNED
    assert case.assigned_area == getattr(tree, expected)
    assert case.handler is None


def test_escalate_above_the_county_is_refused(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS, unit=tree.county)
    before = row(case)
    with pytest.raises(Conflict) as exc:
        lc.case_escalate(actor=people.county, case=case, version=1, note="无法处理", now=NOW)
    assert exc.value.code == "no_higher_level"
    assert row(case) == before


def test_escalate_notifies_the_new_unit_and_dispatchers(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    lc.case_escalate(actor=people.worker, case=case, version=1, note="需社区协调", now=NOW)
    assert inbox(people.community) == ["case.escalated"]
    assert "case.escalated" in inbox(people.dispatcher)


def test_reassign_moves_the_case_to_another_unit(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS, handler=people.worker)
    lc.case_reassign(
        actor=people.dispatcher, case=case, version=1, to_department=people.dept, now=NOW
    )
    case = fresh(case)
    assert case.status == Status.ASSIGNED
    assert case.assigned_department == people.dept and case.assigned_area is None
    assert case.handler is None and case.handle_due_at is None


def test_reassign_to_the_same_unit_is_refused(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    with pytest.raises(ValidationFailed):
        lc.case_reassign(actor=people.dispatcher, case=case, version=1, to_area=tree.grid1)


# --- delays ------------------------------------------------------------------------------------


def _in_progress(tree, **fields) -> Case:
    fields.setdefault("handle_due_at", datetime(2026, 3, 6, 10, 0, tzinfo=SH))  # Friday
    return make_case(tree.grid1, status=Status.IN_PROGRESS, **fields)


def test_request_delay_records_the_request(tree, people):
    case = _in_progress(tree)
    lc.case_request_delay(
        actor=people.worker,
        case=case,
        version=1,
        kind="extend",
        amount=2,
        unit="days",
        reason="等待配件",
        now=NOW,
    )
    pending = fresh(case).pending_delay
    assert pending["kind"] == "extend" and pending["amount"] == 2
    assert inbox(people.dispatcher) == ["case.delay_requested"]


def test_request_delay_after_the_deadline_is_refused(tree, people):
    case = _in_progress(tree, handle_due_at=NOW - timedelta(hours=1))
    before = row(case)
    with pytest.raises(Conflict):
        lc.case_request_delay(
            actor=people.worker,
            case=case,
            version=1,
            kind="extend",
            amount=1,
            unit="days",
            reason="等待",
            now=NOW,
        )
    assert row(case) == before


@pytest.mark.parametrize(
    "kind, amount, unit, field",
    [("pause", 1, "days", "kind"), ("extend", 0, "days", "amount"), ("extend", 1, "weeks", "unit")],
)
def test_request_delay_checks_its_input(tree, people, kind, amount, unit, field):
    case = _in_progress(tree)
    with pytest.raises(ValidationFailed) as exc:
        lc.case_request_delay(
            actor=people.worker,
            case=case,
            version=1,
            kind=kind,
            amount=amount,
            unit=unit,
            reason="x",
            now=NOW,
        )
    assert field in exc.value.fields


def test_approved_extension_moves_the_deadline_in_working_days(tree, people):
    pending = {"kind": "extend", "amount": 2, "unit": "days", "reason": "x"}
    case = _in_progress(tree, pending_delay=pending)
    lc.case_decide_delay(actor=people.dispatcher, case=case, version=1, approve=True, now=NOW)
    case = fresh(case)
    # Friday 10:00 + 2 working days = Tuesday 10:00.
    assert case.handle_due_at == datetime(2026, 3, 10, 10, 0, tzinfo=SH)
    assert case.pending_delay == {} and case.status == Status.IN_PROGRESS


def test_approved_suspension_stops_the_clock(tree, people):
    case = _in_progress(tree, pending_delay={"kind": "suspend", "amount": 0, "unit": "days"})
    lc.case_decide_delay(actor=people.leader, case=case, version=1, approve=True, now=NOW)
    case = fresh(case)
    assert case.status == Status.SUSPENDED and case.suspended_at == NOW


def test_denied_request_needs_a_note_and_clears_the_request(tree, people):
    case = _in_progress(tree, pending_delay={"kind": "extend", "amount": 1, "unit": "days"})
    with pytest.raises(ValidationFailed):
        lc.case_decide_delay(actor=people.dispatcher, case=case, version=1, approve=False)
    lc.case_decide_delay(
        actor=people.dispatcher, case=case, version=1, approve=False, note="理由不充分", now=NOW
    )
    case = fresh(case)
    assert case.pending_delay == {} and case.handle_due_at == datetime(2026, 3, 6, 10, tzinfo=SH)


def test_worker_cannot_decide_a_delay(tree, people):
    case = _in_progress(tree, pending_delay={"kind": "extend", "amount": 1, "unit": "days"})
    with pytest.raises(PermissionDenied):
        lc.case_decide_delay(actor=people.worker, case=case, version=1, approve=True, now=NOW)


def test_resume_shifts_the_deadline_by_the_working_time_suspended(tree, people):
    case = make_case(
        tree.grid1,
        status=Status.SUSPENDED,
        suspended_at=NOW,  # Wednesday 10:00
        handle_due_at=datetime(2026, 3, 6, 10, 0, tzinfo=SH),
    )
    thursday = NOW + timedelta(days=1)  # one working day (7 working hours) later
    lc.case_resume(actor=people.worker, case=case, version=1, now=thursday)
    case = fresh(case)
    assert case.status == Status.IN_PROGRESS and case.suspended_at is None
    assert case.handle_due_at == datetime(2026, 3, 9, 10, 0, tzinfo=SH)  # Monday 10:00


def test_resume_keeps_a_partial_hour(tree, people):
    case = make_case(
        tree.grid1,
        status=Status.SUSPENDED,
        suspended_at=NOW,
        handle_due_at=datetime(2026, 3, 6, 10, 0, tzinfo=SH),
    )
    lc.case_resume(actor=people.worker, case=case, version=1, now=NOW + timedelta(minutes=95))
    assert fresh(case).handle_due_at == datetime(2026, 3, 6, 11, 35, tzinfo=SH)


# --- reply / verify ----------------------------------------------------------------------------


def test_reply_resolves_and_asks_for_verification(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    lc.case_reply(actor=people.worker, case=case, version=1, reply="已清扫", now=NOW)
    case = fresh(case)
    assert case.status == Status.RESOLVED and case.reply == "已清扫" and case.resolved_at == NOW
    assert inbox(people.dispatcher) == ["case.resolved"]
    assert inbox(people.leader) == []


def test_reply_needs_text(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    before = row(case)
    with pytest.raises(ValidationFailed) as exc:
        lc.case_reply(actor=people.worker, case=case, version=1, reply="", now=NOW)
    assert "reply" in exc.value.fields and row(case) == before


def test_verify_pass_closes_at_the_units_level(tree, people):
    case = make_case(tree.grid1, status=Status.RESOLVED, reporter=people.resident)
    lc.case_verify(actor=people.dispatcher, case=case, version=1, passed=True, now=NOW)
    case = fresh(case)
    assert case.status == Status.CLOSED and case.closed_at == NOW
    assert case.resolved_level == HandlingLevel.GRID
    assert last_event(case).data["on_time"] is True
    assert inbox(people.resident) == ["case.closed"]


def test_verify_pass_after_the_deadline_is_not_on_time(tree, people):
    case = make_case(tree.grid1, status=Status.RESOLVED, handle_due_at=NOW - timedelta(hours=1))
    lc.case_verify(actor=people.dispatcher, case=case, version=1, passed=True, now=NOW)
    assert last_event(case).data["on_time"] is False


def test_verify_fail_sends_the_case_back_for_rework(tree, people):
    case = make_case(tree.grid1, status=Status.RESOLVED, handler=people.worker)
    lc.case_verify(
        actor=people.dispatcher, case=case, version=1, passed=False, note="未清理干净", now=NOW
    )
    case = fresh(case)
    assert case.status == Status.IN_PROGRESS and case.rework_count == 1
    assert inbox(people.worker) == ["case.rework"]


# --- rate / reopen ------------------------------------------------------------------------------


def test_reporter_rates_their_case(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    lc.case_rate(
        actor=people.resident, case=case, version=1, rating="satisfied", comment="很及时", now=NOW
    )
    case = fresh(case)
    assert case.status == Status.RATED and case.rating == "satisfied"
    assert last_event(case).data == {"rating": "satisfied", "callback": False, "by_reporter": True}


def test_unknown_rating_is_refused(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    with pytest.raises(ValidationFailed):
        lc.case_rate(actor=people.resident, case=case, version=1, rating="great", now=NOW)
    assert fresh(case).status == Status.CLOSED


def test_callback_by_staff_is_recorded(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED)
    lc.case_rate(
        actor=people.dispatcher, case=case, version=1, rating="basic", callback=True, now=NOW
    )
    assert last_event(case).data["callback"] is True


def test_first_unsatisfied_rating_reopens(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    lc.case_rate(actor=people.resident, case=case, version=1, rating="unsatisfied", now=NOW)
    case = fresh(case)
    assert case.status == Status.ASSIGNED and case.reopen_count == 1
    assert case.assigned_area == tree.grid1
    assert events(case) == ["rate", "reopen"]
    assert inbox(people.worker) == ["case.reopened"]


def test_second_unsatisfied_rating_does_not_reopen_under_first(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident, reopen_count=1)
    lc.case_rate(actor=people.resident, case=case, version=1, rating="unsatisfied", now=NOW)
    assert fresh(case).status == Status.RATED


@pytest.mark.parametrize("policy, reopened", [("never", False), ("always", True)])
def test_reopen_policy_is_configurable(tree, people, settings, policy, reopened):
    settings.GRIDGOV_REOPEN_ON_UNSATISFIED = policy
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident, reopen_count=1)
    lc.case_rate(actor=people.resident, case=case, version=1, rating="unsatisfied", now=NOW)
    assert (fresh(case).status == Status.ASSIGNED) is reopened


def test_reopen_goes_back_to_the_last_unit_with_a_new_clock(tree, people):
    case = make_case(tree.grid1, status=Status.RATED, department=people.dept)
    lc.case_reopen(actor=people.leader, case=case, version=1, reason="问题复发", now=NOW)
    case = fresh(case)
    assert case.status == Status.ASSIGNED and case.assigned_department == people.dept
    assert case.reopen_count == 1 and case.closed_at is None
    assert case.sign_due_at == add_working_time(NOW, 4, "hours")


# --- merge / urge / comment --------------------------------------------------------------------


def test_merge_keeps_both_timelines_and_tells_both_reporters(tree, people, make_user):
    other = make_user("reporter2", ("resident", tree.grid1))
    survivor = make_case(tree.grid1, status=Status.ACCEPTED, reporter=other)
    dup = make_case(tree.grid1, reporter=people.resident)
    lc.case_merge(actor=people.dispatcher, case=dup, into=survivor, version=1, now=NOW)
    dup = fresh(dup)
    assert dup.status == Status.MERGED and dup.merged_into == survivor
    assert events(dup) == ["merge"] and events(survivor) == ["merged_in"]
    assert inbox(people.resident) == ["case.merged"] and inbox(other) == ["case.merged"]


def test_merge_into_itself_is_refused(tree, people):
    case = make_case(tree.grid1)
    with pytest.raises(ValidationFailed):
        lc.case_merge(actor=people.dispatcher, case=case, into=case, version=1, now=NOW)


@pytest.mark.parametrize("status", [Status.CLOSED, Status.MERGED, Status.REJECTED])
def test_merge_into_a_finished_case_is_refused(tree, people, status):
    into = make_case(tree.grid1, status=status)
    case = make_case(tree.grid1)
    before = row(case)
    with pytest.raises(ValidationFailed):
        lc.case_merge(actor=people.dispatcher, case=case, into=into, version=1, now=NOW)
    assert row(case) == before and events(into) == []


def test_merge_across_jurisdictions_is_refused(tree, people):
    into = make_case(tree.grid3, status=Status.ACCEPTED)
    case = make_case(tree.grid1)
    with pytest.raises(ValidationFailed):
        lc.case_merge(actor=people.dispatcher, case=case, into=into, version=1, now=NOW)


def test_urge_counts_and_notifies_the_unit(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    lc.case_urge(actor=people.leader, case=case, message="请今日办结", now=NOW)
    lc.case_urge(actor=people.leader, case=case, message="再次督办", version=2, now=NOW)
    case = fresh(case)
    assert case.urge_count == 2 and case.version == 3
    assert inbox(people.worker) == ["case.urged", "case.urged"]


def test_urge_needs_a_message(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    with pytest.raises(ValidationFailed):
        lc.case_urge(actor=people.leader, case=case, message="")
    assert fresh(case).urge_count == 0


def test_comment_adds_a_note_without_a_new_version(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    lc.case_comment(actor=people.worker, case=case, note="已联系物业")
    assert fresh(case).version == 1
    assert events(case) == ["comment"]


def test_outsider_cannot_comment(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        lc.case_comment(actor=people.worker3, case=case, note="?")
    assert events(case) == []


def test_notifications_carry_no_phone_number(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED, reporter_name="张三")
    lc.case_dispatch(actor=people.dispatcher, case=case, version=1, to_area=tree.grid1, now=NOW)
    note = Notification.objects.get(recipient=people.worker)
    assert case.number in note.title and "张三" not in note.title + note.body
