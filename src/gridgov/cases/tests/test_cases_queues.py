"""Queues that are the viewer's own: to-dos vs. monitoring, the department handler's cases
(held or once held), the acceptance deadline and the 待受理 order, and 受理并派单 in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.cases import selectors
from gridgov.cases.models import Case, CaseDepartment
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.services.intake import case_report
from gridgov.cases.states import Source, Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import NOW, category, events, fresh, make_case, row
from gridgov.cases.tests.intake_builders import IN_GRID1
from gridgov.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

people = core_builders.people  # the fixture


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


# --- Department handlers: only the cases their department holds or held ---------------------


def test_department_handler_lists_only_its_departments_cases(tree, people):
    own = make_case(tree.grid1, status=Status.IN_PROGRESS, department=people.dept)
    other = make_case(tree.grid1, status=Status.ASSIGNED, department=people.other_dept)
    loose = make_case(tree.grid3)  # in the county, never with a department
    assert ids(selectors.case_list_for(actor=people.handler)) == {own.pk}
    assert selectors.case_get_for(actor=people.handler, pk=own.pk) == own
    for pk in (other.pk, loose.pk):
        with pytest.raises(NotFound):
            selectors.case_get_for(actor=people.handler, pk=pk)
    # The county dispatcher still sees all three.
    assert ids(selectors.case_list_for(actor=people.county)) == {own.pk, other.pk, loose.pk}


def test_a_case_passed_on_stays_visible_to_the_department_that_held_it(tree, people):
    case = make_case(tree.grid1, status=Status.ACCEPTED)
    lc.case_dispatch(
        actor=people.county, case=case, version=case.version, to_department=people.dept, now=NOW
    )
    case = fresh(case)
    lc.case_reassign(
        actor=people.county,
        case=case,
        version=case.version,
        to_department=people.other_dept,
        now=NOW,
    )
    held = set(CaseDepartment.objects.filter(case=case).values_list("department_id", flat=True))
    assert held == {people.dept.pk, people.other_dept.pk}
    assert ids(selectors.case_list_for(actor=people.handler)) == {case.pk}
    assert ids(selectors.case_list_for(actor=people.other_handler)) == {case.pk}
    # Held, not holding: no to-do of the first department, the second's to sign for.
    assert selectors.queue_counts(actor=people.handler)["to_sign"] == 0
    assert selectors.queue_counts(actor=people.other_handler)["to_sign"] == 1


def test_department_handler_queue_counts_are_its_own(tree, people):
    late = timezone.now() - timedelta(days=1)
    soon = timezone.now() + timedelta(days=3650)
    make_case(tree.grid1, status=Status.ASSIGNED, department=people.dept, sign_due_at=soon)
    make_case(tree.grid1, status=Status.IN_PROGRESS, department=people.dept, handle_due_at=late)
    make_case(
        tree.grid1, status=Status.IN_PROGRESS, department=people.other_dept, handle_due_at=late
    )
    make_case(tree.grid1, status=Status.IN_PROGRESS, handle_due_at=late)  # a grid's overdue case
    counts = selectors.queue_counts(actor=people.handler)
    assert counts["to_sign"] == 1 and counts["in_progress"] == 1 and counts["overdue"] == 1
    assert counts["to_accept"] == 0 and counts["watch_overdue"] == 0
    # The county dispatcher watches all three overdue cases; none is its own to-do.
    county = selectors.queue_counts(actor=people.county)
    assert county["overdue"] == 0 and county["watch_overdue"] == 3


def test_department_handler_comments_only_on_its_cases(tree, people):
    other = make_case(tree.grid1, status=Status.IN_PROGRESS, department=people.other_dept)
    with pytest.raises(PermissionDenied):
        lc.case_comment(actor=people.handler, case=other, note="看一下")


# --- The acceptance deadline and the 待受理 order ----------------------------------------------


def test_a_report_gets_an_acceptance_deadline(tree):
    result = case_report(
        actor=None,
        source=Source.RESIDENT,
        category=category(),
        title="路边有暴露垃圾",
        lon=IN_GRID1[0],
        lat=IN_GRID1[1],
    )
    case = result.case
    assert case.accept_due_at is not None and case.accept_due_at > case.reported_at


def test_to_accept_is_sorted_by_priority_then_deadline(tree, people):
    later = make_case(tree.grid1, priority=2, accept_due_at=NOW + timedelta(hours=8))
    sooner = make_case(tree.grid1, priority=2, accept_due_at=NOW + timedelta(hours=1))
    urgent = make_case(tree.grid1, priority=1, accept_due_at=NOW + timedelta(days=2))
    order = list(
        selectors.case_list_for(actor=people.dispatcher, queue="to_accept").values_list(
            "pk", flat=True
        )
    )
    assert order == [urgent.pk, sooner.pk, later.pk]


def test_to_accept_page_shows_deadline_source_and_suggested_unit(client, tree, people):
    case = make_case(tree.grid1, accept_due_at=timezone.now() - timedelta(hours=1))
    client.force_login(people.dispatcher)
    html = client.get(reverse("cases:queues"), {"queue": "to_accept"}).content.decode()
    assert case.number in html
    assert 'data-testid="accept-due"' in html and 'data-testid="suggested-unit"' in html
    assert str(case.get_source_display()) in html
    assert tree.grid1.name in html  # the proposal for a grid-level category


# --- 受理并派单 --------------------------------------------------------------------------------


def test_accept_and_dispatch_in_one_step(tree, people):
    case = make_case(tree.grid1, reporter=people.resident)
    lc.case_accept_dispatch(
        actor=people.county, case=case, version=case.version, to_department=people.dept, now=NOW
    )
    case = fresh(case)
    assert case.status == Status.ASSIGNED and case.assigned_department == people.dept
    assert case.accepted_at == NOW and case.dispatched_at == NOW and case.sign_due_at
    assert events(case) == ["accept", "dispatch"]
    assert CaseDepartment.objects.filter(case=case, department=people.dept).exists()


def test_accept_and_dispatch_to_a_bad_unit_changes_nothing(tree, people):
    case = make_case(tree.grid1)
    before = row(case)
    with pytest.raises(ValidationFailed):
        lc.case_accept_dispatch(
            actor=people.dispatcher, case=case, version=case.version, to_area=tree.grid3, now=NOW
        )
    assert row(case) == before and events(case) == []


def test_accept_and_dispatch_refuses_a_stale_page_and_a_grid_worker(tree, people):
    case = make_case(tree.grid1)
    with pytest.raises(Conflict):
        lc.case_accept_dispatch(
            actor=people.dispatcher, case=case, version=case.version + 1, to_area=tree.grid1
        )
    with pytest.raises(PermissionDenied):
        lc.case_accept_dispatch(
            actor=people.worker, case=case, version=case.version, to_area=tree.grid1
        )
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


def test_accept_and_dispatch_from_the_detail_page(client, tree, people):
    case = make_case(tree.grid1)
    client.force_login(people.dispatcher)
    url = reverse("cases:detail", args=[case.pk])
    response = client.get(url)
    form = next(f for f in response.context["action_forms"] if f["action"] == "accept_dispatch")
    assert form["form"].initial["unit"] == f"area:{tree.grid1.pk}"  # the proposal, preselected
    posted = client.post(
        reverse("cases:act", args=[case.pk, "accept_dispatch"]),
        {"version": case.version, "unit": f"area:{tree.grid1.pk}", "note": ""},
    )
    assert posted.status_code == 302
    case = fresh(case)
    assert case.status == Status.ASSIGNED and case.assigned_area == tree.grid1
    assert events(case) == ["accept", "dispatch"]


def test_home_page_shows_the_users_to_dos(client, tree, people):
    make_case(
        tree.grid1,
        status=Status.ASSIGNED,
        department=people.dept,
        sign_due_at=timezone.now() + timedelta(days=3650),
    )
    client.force_login(people.handler)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="home-todo"' in html
    assert 'data-queue="to_sign"' in html and 'data-count="1"' in html
    client.force_login(people.leader)  # no to-do queue: no card
    assert 'data-testid="home-todo"' not in client.get(reverse("core:home")).content.decode()
