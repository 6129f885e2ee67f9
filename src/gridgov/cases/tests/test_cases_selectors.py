"""Case reads: jurisdiction, own reports, work queues, filters, bounded queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases import selectors
from gridgov.cases.states import Status
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import NOW, category, make_case
from gridgov.core.errors import NotFound

people = core_builders.people  # the fixture


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_list_is_scoped_to_the_jurisdiction(tree, people):
    mine = make_case(tree.grid1)
    make_case(tree.grid3)
    assert ids(selectors.case_list_for(actor=people.dispatcher)) == {mine.pk}


def test_county_dispatcher_sees_both_towns(tree, people):
    a, b = make_case(tree.grid1), make_case(tree.grid3)
    assert ids(selectors.case_list_for(actor=people.county)) == {a.pk, b.pk}


def test_resident_sees_no_list_but_their_own_reports(tree, people):
    own = make_case(tree.grid1, reporter=people.resident)
    make_case(tree.grid1)
    assert ids(selectors.case_list_for(actor=people.resident)) == set()
    assert ids(selectors.my_reports(actor=people.resident)) == {own.pk}


def test_list_is_newest_first(tree, people):
    old = make_case(tree.grid1, reported_at=NOW - timedelta(days=2))
    new = make_case(tree.grid1, reported_at=NOW)
    assert list(selectors.case_list_for(actor=people.dispatcher)) == [new, old]


def test_get_outside_the_jurisdiction_is_not_found(tree, people):
    case = make_case(tree.grid3)
    with pytest.raises(NotFound):
        selectors.case_get_for(actor=people.dispatcher, pk=case.pk)


def test_reporter_gets_their_own_case(tree, people):
    case = make_case(tree.grid1, reporter=people.resident)
    assert selectors.case_get_for(actor=people.resident, pk=case.pk) == case


def test_resident_cannot_get_someone_elses_case(tree, people):
    case = make_case(tree.grid1)
    with pytest.raises(NotFound):
        selectors.case_get_for(actor=people.resident, pk=case.pk)


def test_to_sign_queue_holds_my_units_cases_only(tree, people):
    mine = make_case(tree.grid1, status=Status.ASSIGNED)
    make_case(tree.grid2, status=Status.ASSIGNED)
    make_case(tree.grid1, status=Status.ASSIGNED, unit=tree.community)
    assert ids(selectors.case_list_for(actor=people.worker, queue="to_sign")) == {mine.pk}


def test_department_queue(tree, people):
    mine = make_case(tree.grid1, status=Status.IN_PROGRESS, department=people.dept)
    make_case(tree.grid1, status=Status.IN_PROGRESS, department=people.other_dept)
    assert ids(selectors.case_list_for(actor=people.handler, queue="in_progress")) == {mine.pk}


def test_triage_queues(tree, people):
    new = make_case(tree.grid1)
    accepted = make_case(tree.grid1, status=Status.ACCEPTED)
    assert ids(selectors.case_list_for(actor=people.dispatcher, queue="to_accept")) == {new.pk}
    assert ids(selectors.case_list_for(actor=people.dispatcher, queue="to_dispatch")) == {
        accepted.pk
    }
    assert ids(selectors.case_list_for(actor=people.worker, queue="to_accept")) == set()


def test_delay_requests_queue(tree, people):
    waiting = make_case(tree.grid1, status=Status.IN_PROGRESS, pending_delay={"kind": "extend"})
    make_case(tree.grid1, status=Status.IN_PROGRESS)
    assert ids(selectors.case_list_for(actor=people.dispatcher, queue="delay_requests")) == {
        waiting.pk
    }
    # Leaders decide on a case's page; their queues are an overview, not to-dos.
    assert not selectors.case_list_for(actor=people.leader, queue="delay_requests").exists()


def test_overdue_and_due_soon(tree, people):
    # The queues compare with the real clock: deadlines far in the past or future.
    future = {
        "sign_due_at": NOW + timedelta(days=3650),
        "handle_due_at": NOW + timedelta(days=3650),
    }
    late = make_case(tree.grid1, status=Status.IN_PROGRESS, handle_due_at=NOW - timedelta(days=1))
    soon = make_case(tree.grid1, status=Status.ASSIGNED, due_soon=True, **future)
    make_case(tree.grid1, status=Status.IN_PROGRESS, **future)
    assert ids(selectors.case_list_for(actor=people.dispatcher, due="overdue")) == {late.pk}
    assert ids(selectors.case_list_for(actor=people.worker, queue="due_soon")) == {soon.pk}
    assert ids(selectors.case_list_for(actor=people.worker, queue="overdue")) == {late.pk}
    # The street's dispatcher watches them: they are the grid's work.
    assert not selectors.case_list_for(actor=people.dispatcher, queue="overdue").exists()
    assert ids(selectors.case_list_for(actor=people.dispatcher, queue="watch_overdue")) == {late.pk}


def test_unknown_queue_is_not_found(tree, people):
    with pytest.raises(NotFound):
        selectors.case_list_for(actor=people.dispatcher, queue="everything")


def test_keyword_matches_number_exactly_or_title(tree, people):
    a = make_case(tree.grid1, title="东门垃圾堆积")
    b = make_case(tree.grid1)
    assert ids(selectors.case_list_for(actor=people.dispatcher, q="垃圾")) == {a.pk}
    assert ids(selectors.case_list_for(actor=people.dispatcher, q=b.number)) == {b.pk}
    assert ids(selectors.case_list_for(actor=people.dispatcher, q=b.number[:-1] + "x")) == set()


def test_a_work_order_number_finds_its_case_before_any_title(tree, people):
    ordered = make_case(tree.grid1, external_id="GD20260001")
    make_case(tree.grid1, title="见工单GD20260001")  # a title naming it: the order comes first
    mentioned = make_case(tree.grid1, title="见工单GD2026")
    assert ids(selectors.case_list_for(actor=people.dispatcher, q="GD20260001")) == {ordered.pk}
    assert mentioned.pk in ids(selectors.case_list_for(actor=people.dispatcher, q="GD2026"))
    make_case(tree.grid1, external_id="GD20269999")  # outside grid 2's jurisdiction
    assert ids(selectors.case_list_for(actor=people.worker2, q="GD20269999")) == set()


def test_category_filter_includes_sub_categories(tree, people):
    a = make_case(tree.grid1, category("0103"))
    make_case(tree.grid1, category("0504"))
    assert ids(selectors.case_list_for(actor=people.dispatcher, category=category("01"))) == {a.pk}


def test_area_and_date_filters(tree, people):
    a = make_case(tree.grid1, reported_at=NOW)
    make_case(tree.grid2, reported_at=NOW)
    make_case(tree.grid1, reported_at=NOW - timedelta(days=5))
    qs = selectors.case_list_for(
        actor=people.dispatcher,
        area=tree.grid1,
        date_from=date(2026, 3, 4),
        date_to=date(2026, 3, 4),
    )
    assert ids(qs) == {a.pk}


def test_status_and_source_filters(tree, people):
    a = make_case(tree.grid1, status=Status.CLOSED, source="hotline")
    make_case(tree.grid1, status=Status.CLOSED)
    qs = selectors.case_list_for(actor=people.dispatcher, status=["closed"], source="hotline")
    assert ids(qs) == {a.pk}


def test_queue_counts(tree, people):
    make_case(tree.grid1)
    make_case(tree.grid1, status=Status.RESOLVED)
    make_case(tree.grid3)
    counts = selectors.queue_counts(actor=people.dispatcher)
    assert counts["to_accept"] == 1 and counts["to_verify"] == 1 and counts["to_sign"] == 0
    assert set(counts) == set(selectors.QUEUES)


def test_list_page_is_one_query_whatever_its_length(tree, people):
    for _ in range(15):
        make_case(tree.grid1, status=Status.ASSIGNED)
    qs = selectors.case_list_for(actor=people.dispatcher)
    people.dispatcher.grants.count()  # warm the grant cache outside the measurement
    selectors.case_list_for(actor=people.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(selectors.case_list_for(actor=people.dispatcher)[:10])
        names = [(c.category.name, c.area.name, c.assigned_area.name) for c in rows]
    assert len(names) == 10 and len(ctx.captured_queries) == 1
    assert qs.query.order_by == ("-reported_at", "-id")
