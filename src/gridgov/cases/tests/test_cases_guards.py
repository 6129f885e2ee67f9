"""Guards: the state table, the permission in the case's jurisdiction, "is it my unit", and
"the reporter rates their own case". Refusals are audited and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridgov.accounts.models import User
from gridgov.audit.models import AuditEntry
from gridgov.cases import guards
from gridgov.cases.models import Case
from gridgov.cases.states import TRANSITIONS, Action, Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import NOW, make_case
from gridgov.core.errors import Conflict, PermissionDenied

people = core_builders.people  # the fixture

SUPER = User(username="root", is_superuser=True, is_active=True)


def _case_in(status: str, **fields) -> Case:
    case = Case(number="2026999999", status=status, area_path="1/", **fields)
    case.handle_due_at = NOW + timedelta(days=1)
    return case


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", [str(a) for a in guards.OFFERED])
def test_state_table_decides_for_an_all_powerful_user(action, status):
    pending = {"kind": "extend"} if action in ("approve_delay", "deny_delay") else {}
    case = _case_in(status, pending_delay=pending)
    error = guards.check(case=case, user=SUPER, action=action, now=NOW)
    if status in TRANSITIONS[action].sources:
        assert error is None
    else:
        assert isinstance(error, Conflict)
        assert error.code == "action_not_allowed"


def test_unknown_action_is_refused():
    assert isinstance(guards.check(case=_case_in("reported"), user=SUPER, action="fly"), Conflict)


def test_delay_request_needs_the_deadline_ahead():
    case = _case_in(Status.IN_PROGRESS)
    error = guards.check(
        case=case, user=SUPER, action=Action.REQUEST_DELAY, now=NOW + timedelta(days=2)
    )
    assert error is not None and error.code == "deadline_passed"


def test_second_delay_request_is_refused_while_one_is_pending():
    case = _case_in(Status.IN_PROGRESS, pending_delay={"kind": "extend"})
    error = guards.check(case=case, user=SUPER, action=Action.REQUEST_DELAY, now=NOW)
    assert error is not None and error.code == "delay_pending"


def test_deciding_needs_a_pending_request():
    case = _case_in(Status.IN_PROGRESS)
    error = guards.check(case=case, user=SUPER, action=Action.APPROVE_DELAY, now=NOW)
    assert error is not None and error.code == "no_delay_request"


# --- Roles × jurisdiction ---------------------------------------------------------------------


def _allowed(case, user, action) -> bool:
    return guards.check(case=case, user=user, action=action, now=NOW) is None


def test_street_dispatcher_accepts_inside_but_not_outside(tree, people):
    assert _allowed(make_case(tree.grid1), people.dispatcher, Action.ACCEPT)
    assert not _allowed(make_case(tree.grid3), people.dispatcher, Action.ACCEPT)


def test_town_dispatcher_cannot_accept_a_street_case(tree, people):
    assert not _allowed(make_case(tree.grid1), people.town, Action.ACCEPT)


@pytest.mark.parametrize("who", ["worker", "resident", "admin", "leader", "handler"])
def test_roles_without_triage_cannot_accept(tree, people, who):
    assert not _allowed(make_case(tree.grid1), getattr(people, who), Action.ACCEPT)


def test_grid_worker_signs_for_a_case_of_their_grid(tree, people):
    assert _allowed(make_case(tree.grid1, status=Status.ASSIGNED), people.worker, Action.SIGN)


def test_grid_worker_of_another_grid_cannot_sign(tree, people):
    error = guards.check(
        case=make_case(tree.grid1, status=Status.ASSIGNED), user=people.worker2, action=Action.SIGN
    )
    assert isinstance(error, PermissionDenied)


def test_grid_worker_cannot_sign_a_case_assigned_to_the_community(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED, unit=tree.community)
    assert not _allowed(case, people.worker, Action.SIGN)


def test_community_staff_may_sign_a_case_of_a_grid_below(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    assert _allowed(case, people.community, Action.SIGN)


def test_department_handler_signs_for_their_department_only(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED, department=people.dept)
    assert _allowed(case, people.handler, Action.SIGN)
    assert not _allowed(case, people.other_handler, Action.SIGN)


def test_department_handler_cannot_sign_an_area_assignment(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED, unit=tree.county)
    assert not _allowed(case, people.handler, Action.SIGN)


def test_grid_worker_cannot_sign_a_department_assignment(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED, department=people.dept)
    assert not _allowed(case, people.worker, Action.SIGN)


def test_reporter_rates_their_own_closed_case(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    assert _allowed(case, people.resident, Action.RATE)


def test_another_resident_cannot_rate(tree, people, make_user):
    other = make_user("neighbour", ("resident", tree.grid1))
    case = make_case(tree.grid1, status=Status.CLOSED, reporter=people.resident)
    assert not _allowed(case, other, Action.RATE)


def test_staff_with_verify_may_record_a_callback(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED)
    assert _allowed(case, people.dispatcher, Action.RATE)
    # The grid worker of the case's grid verifies on site (核查) and may record the call-back;
    # a department handler, without case.verify, may not.
    assert _allowed(case, people.worker, Action.RATE)
    assert not _allowed(case, people.handler, Action.RATE)
    assert not _allowed(case, people.worker2, Action.RATE)


def test_leader_urges_but_worker_cannot(tree, people):
    case = make_case(tree.grid1, status=Status.IN_PROGRESS)
    assert _allowed(case, people.leader, Action.URGE)
    assert not _allowed(case, people.worker, Action.URGE)


def test_dispatcher_allowed_actions_on_a_new_report(tree, people):
    case = make_case(tree.grid1)
    assert guards.allowed_actions(case=case, user=people.dispatcher) == [
        "accept_dispatch",
        "accept",
        "reject",
        "merge",
        "urge",
        "comment",
    ]


def test_worker_allowed_actions_on_an_assigned_case(tree, people):
    case = make_case(tree.grid1, status=Status.ASSIGNED)
    assert guards.allowed_actions(case=case, user=people.worker) == [
        "sign",
        "return",
        "escalate",
        "comment",
    ]


def test_anonymous_user_has_no_actions(tree, people):
    from django.contrib.auth.models import AnonymousUser

    assert guards.allowed_actions(case=make_case(tree.grid1), user=AnonymousUser()) == []


def test_refusal_is_audited(tree, people):
    case = make_case(tree.grid1)
    with pytest.raises(PermissionDenied):
        guards.require_action(case=case, user=people.worker, action=Action.ACCEPT)
    entry = AuditEntry.objects.get(event="permission_denied", actor=people.worker)
    assert entry.target_id == str(case.pk)


def test_state_refusal_is_a_conflict(tree, people):
    case = make_case(tree.grid1, status=Status.CLOSED)
    with pytest.raises(Conflict):
        guards.require_action(case=case, user=people.dispatcher, action=Action.ACCEPT)
