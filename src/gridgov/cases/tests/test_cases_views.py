"""Case pages, part 1: per-role work queues and the filtered, bounded case list.

Cases are built directly in the state a test needs (the lifecycle services are tested by their
own suite); every read goes through the real pages.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gridgov.cases.models import Case, Category
from gridgov.cases.states import HandlingLevel, Source, Status

_numbers = itertools.count(1)


def make_case(area: Any, category: Any, *, status: str = Status.REPORTED, **fields: Any) -> Case:
    """A case in ``area`` in the given state, with the unit and deadlines that state implies."""
    n = next(_numbers)
    now = timezone.now()
    data: dict[str, Any] = {
        "number": f"2099{n:06d}",
        "source": Source.PATROL,
        "category": category,
        "title": f"测试案件{n}",
        "area": area,
        "reported_at": now - timedelta(hours=1),
        "status": status,
    }
    if status not in (Status.REPORTED, Status.REJECTED, Status.MERGED):
        data["accepted_at"] = now - timedelta(minutes=50)
    if status not in (Status.REPORTED, Status.ACCEPTED, Status.REJECTED, Status.MERGED):
        data.update(
            assigned_area=area,
            assigned_level=HandlingLevel.GRID,
            dispatched_at=now - timedelta(minutes=40),
            sign_due_at=now + timedelta(hours=4),
        )
    if status in (Status.IN_PROGRESS, Status.SUSPENDED, Status.RESOLVED, Status.CLOSED):
        data.update(signed_at=now - timedelta(minutes=30), handle_due_at=now + timedelta(days=5))
    if status in (Status.RESOLVED, Status.CLOSED):
        data.update(resolved_at=now - timedelta(minutes=10), reply="已处理")
    if status == Status.CLOSED:
        data["closed_at"] = now - timedelta(minutes=5)
    data.update(fields)
    return Case.objects.create(**data)


@pytest.fixture
def cats(db: Any) -> SimpleNamespace:
    top = Category.objects.create(code="W01", name="市容环境")
    child = Category.objects.create(code="W0101", name="暴露垃圾", parent=top)
    other = Category.objects.create(code="W09", name="咨询")
    return SimpleNamespace(top=top, child=child, other=other)


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("wang", ("grid_worker", tree.grid1))


@pytest.fixture
def dispatcher(tree: Any, make_user: Any) -> Any:
    """Dispatcher of 凤鸣街道; 金沙镇 (grid3) lies outside."""
    return make_user("li", ("dispatcher", tree.street))


@pytest.fixture
def leader(tree: Any, make_user: Any) -> Any:
    return make_user("zhao", ("leader", tree.street))


def queue_keys(html: str) -> list[str]:
    return re.findall(r'data-queue="([a-z_]+)"', html)


# --- Queues ----------------------------------------------------------------------------------


def test_queues_need_sign_in(client: Any, tree: Any) -> None:
    response = client.get(reverse("cases:queues"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_queues_refuse_a_resident(client: Any, tree: Any, make_user: Any) -> None:
    client.force_login(make_user("resident", ("resident", tree.grid1)))
    assert client.get(reverse("cases:queues")).status_code == 403


def test_grid_worker_sees_the_queues_of_a_handler(client: Any, worker: Any) -> None:
    client.force_login(worker)
    keys = queue_keys(client.get(reverse("cases:queues")).content.decode())
    # The first responder of the grid: reports to check on site (待核实) and resolved cases to
    # check on site (待核查) besides the handler's queues.
    assert keys == ["to_check", "to_sign", "in_progress", "to_verify", "due_soon", "overdue"]


def test_dispatcher_sees_every_queue(client: Any, dispatcher: Any) -> None:
    client.force_login(dispatcher)
    keys = queue_keys(client.get(reverse("cases:queues")).content.decode())
    assert keys == [
        "to_accept",
        "to_dispatch",
        "to_sign",
        "in_progress",
        "to_verify",
        "due_soon",
        "overdue",
        "delay_requests",
        "watch_to_sign",
        "watch_in_progress",
        "watch_overdue",
    ]


def test_dispatcher_watches_what_other_units_hold(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    # Assigned to grids of the street: not the dispatcher's to-do, but monitored.
    waiting = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    working = make_case(tree.grid2, cats.child, status=Status.IN_PROGRESS)
    late = make_case(
        tree.grid1,
        cats.child,
        status=Status.IN_PROGRESS,
        handle_due_at=timezone.now() - timedelta(hours=1),
    )
    mine = make_case(tree.grid1, cats.child, status=Status.ASSIGNED, assigned_area=tree.street)
    client.force_login(dispatcher)
    response = client.get(reverse("cases:queues"), {"queue": "watch_in_progress"})
    tabs = {t["key"]: t["count"] for t in response.context["tabs"]}
    assert tabs["to_sign"] == 1 and tabs["in_progress"] == 0 and tabs["overdue"] == 0
    assert tabs["watch_to_sign"] == 1 and tabs["watch_in_progress"] == 2
    assert tabs["watch_overdue"] == 1
    html = response.content.decode()
    assert working.number in html and late.number in html
    assert waiting.number not in html and mine.number not in html
    assert 'data-testid="watch-tabs"' in html


def test_leader_gets_an_overview_not_a_to_do_list(
    client: Any, tree: Any, cats: Any, leader: Any
) -> None:
    make_case(tree.grid1, cats.child)
    make_case(
        tree.grid1,
        cats.child,
        status=Status.IN_PROGRESS,
        handle_due_at=timezone.now() - timedelta(hours=1),
    )
    make_case(tree.grid3, cats.child)  # 金沙镇: outside the leader's street
    client.force_login(leader)
    response = client.get(reverse("cases:queues"))
    assert queue_keys(response.content.decode()) == []
    overview = {o["key"]: o["count"] for o in response.context["overview"]}
    assert overview["reported"] == 1 and overview["in_progress"] == 1
    assert overview["overdue"] == 1 and overview["assigned"] == 0
    html = response.content.decode()
    assert 'data-overview="overdue"' in html and "?due=overdue" in html


def test_to_sign_queue_lists_the_workers_unit_only(
    client: Any, tree: Any, cats: Any, worker: Any
) -> None:
    mine = make_case(tree.grid1, cats.child, status=Status.ASSIGNED)
    other = make_case(tree.grid2, cats.child, status=Status.ASSIGNED)
    client.force_login(worker)
    response = client.get(reverse("cases:queues"), {"queue": "to_sign"})
    html = response.content.decode()
    assert mine.number in html
    assert other.number not in html
    assert 'data-queue="to_sign"' in html and 'data-count="1"' in html


def test_to_accept_queue_of_the_dispatcher(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    new = make_case(tree.grid2, cats.child)
    accepted = make_case(tree.grid2, cats.child, status=Status.ACCEPTED)
    outside = make_case(tree.grid3, cats.child)
    client.force_login(dispatcher)
    html = client.get(reverse("cases:queues"), {"queue": "to_accept"}).content.decode()
    assert new.number in html
    assert accepted.number not in html
    assert outside.number not in html


def test_overdue_queue_colours_the_rows(client: Any, tree: Any, cats: Any, worker: Any) -> None:
    late = make_case(
        tree.grid1,
        cats.child,
        status=Status.IN_PROGRESS,
        handle_due_at=timezone.now() - timedelta(hours=2),
        handle_overdue=True,
    )
    client.force_login(worker)
    html = client.get(reverse("cases:queues"), {"queue": "overdue"}).content.decode()
    assert late.number in html
    assert 'data-due="overdue"' in html


def test_unknown_queue_falls_back_to_one_of_the_users(client: Any, worker: Any) -> None:
    client.force_login(worker)
    response = client.get(reverse("cases:queues"), {"queue": "to_accept"})
    assert response.status_code == 200
    assert response.context["current"] in {
        "to_check",
        "to_sign",
        "in_progress",
        "to_verify",
        "due_soon",
        "overdue",
    }


# --- List ------------------------------------------------------------------------------------


def listed(client: Any, **params: Any) -> set[str]:
    response = client.get(reverse("cases:list"), params)
    assert response.status_code == 200
    return {row["case"].number for row in response.context["rows"]}


def test_list_refuses_a_user_without_case_rights(client: Any, tree: Any, make_user: Any) -> None:
    client.force_login(make_user("chief", ("building_chief", tree.grid1)))
    assert client.get(reverse("cases:list")).status_code == 403


def test_list_never_shows_a_case_outside_the_jurisdiction(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    inside = make_case(tree.grid1, cats.child)
    outside = make_case(tree.grid3, cats.child)
    client.force_login(dispatcher)
    assert listed(client) == {inside.number}
    assert listed(client, q=outside.number) == set()


def test_list_area_outside_the_jurisdiction_is_refused(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    make_case(tree.grid3, cats.child)
    client.force_login(dispatcher)
    response = client.get(reverse("cases:list"), {"area": tree.grid3.pk})
    assert response.context["rows"] == []
    assert response.context["form"].errors["area"]


def test_area_picker_offers_only_the_jurisdiction(client: Any, tree: Any, dispatcher: Any) -> None:
    client.force_login(dispatcher)
    form = client.get(reverse("cases:list")).context["form"]
    offered = {value for value, _label in form.fields["area"].widget.choices if value}
    assert tree.grid1.pk in offered and tree.street.pk in offered
    assert tree.grid3.pk not in offered and tree.county.pk not in offered


def test_filter_by_status(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS)
    make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    assert listed(client, status=Status.IN_PROGRESS) == {hit.number}


def test_filter_by_category(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(tree.grid1, cats.child)
    make_case(tree.grid1, cats.other)
    client.force_login(dispatcher)
    assert listed(client, category=cats.child.pk) == {hit.number}


def test_filter_by_top_category_takes_its_children(
    client: Any, tree: Any, cats: Any, dispatcher: Any
) -> None:
    hit = make_case(tree.grid1, cats.child)
    make_case(tree.grid1, cats.other)
    client.force_login(dispatcher)
    assert listed(client, category=cats.top.pk) == {hit.number}


def test_filter_by_area_subtree(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(tree.grid2, cats.child)
    make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    assert listed(client, area=tree.grid2.pk) == {hit.number}
    assert len(listed(client, area=tree.community.pk)) == 2


def test_filter_by_source(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(tree.grid1, cats.child, source=Source.HOTLINE)
    make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    assert listed(client, source=Source.HOTLINE) == {hit.number}


def test_filter_overdue(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(
        tree.grid1,
        cats.child,
        status=Status.IN_PROGRESS,
        handle_due_at=timezone.now() - timedelta(hours=1),
        handle_overdue=True,
    )
    make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS)
    client.force_login(dispatcher)
    assert listed(client, due="overdue") == {hit.number}


def test_filter_due_soon(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(
        tree.grid1,
        cats.child,
        status=Status.IN_PROGRESS,
        handle_due_at=timezone.now() + timedelta(hours=1),
        due_soon=True,
    )
    make_case(tree.grid1, cats.child, status=Status.IN_PROGRESS)
    client.force_login(dispatcher)
    assert listed(client, due="soon") == {hit.number}


def test_filter_by_date_range(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    old = timezone.now() - timedelta(days=30)
    hit = make_case(tree.grid1, cats.child, reported_at=old)
    make_case(tree.grid1, cats.child)
    day = timezone.localdate(old)
    client.force_login(dispatcher)
    assert listed(client, date_from=day.isoformat(), date_to=day.isoformat()) == {hit.number}


def test_filter_by_keyword(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    hit = make_case(tree.grid1, cats.child, title="路灯不亮")
    make_case(tree.grid1, cats.child, title="井盖缺失")
    client.force_login(dispatcher)
    assert listed(client, q="路灯") == {hit.number}


def test_reversed_date_range_is_a_form_error(client: Any, dispatcher: Any) -> None:
    client.force_login(dispatcher)
    response = client.get(
        reverse("cases:list"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert response.context["form"].errors["date_to"]


def test_list_pages_have_a_hard_size(client: Any, tree: Any, cats: Any, dispatcher: Any) -> None:
    for _i in range(32):
        make_case(tree.grid1, cats.child)
    client.force_login(dispatcher)
    response = client.get(reverse("cases:list"), {"page_size": 1000})
    assert len(response.context["rows"]) == 30
    assert response.context["page_obj"].paginator.count == 32


def test_list_makes_a_fixed_number_of_queries(
    client: Any, tree: Any, cats: Any, dispatcher: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        make_case(
            (tree.grid1, tree.grid2)[i % 2],
            (cats.child, cats.other)[i % 2],
            status=(Status.REPORTED, Status.IN_PROGRESS)[i % 2],
        )
    client.force_login(dispatcher)
    url = reverse("cases:list")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"status": Status.IN_PROGRESS})  # 15 rows
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)  # 30 rows
    assert len(response.context["rows"]) == 30
    with django_assert_max_num_queries(12):
        client.get(url)
