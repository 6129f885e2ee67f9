"""The kernel's counters with a kind of its own ("widgets", registered by the test): flows per
(area, day) in the shared table, stock per (area, key), the member rows, readers, rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from gridgov.core.errors import NotFound
from gridgov.kernel.counters import readers
from gridgov.kernel.counters.models import CounterMember, FlowCount, StockCount
from gridgov.kernel.counters.registry import Kind, get, register, unregister
from gridgov.kernel.counters.writer import count, count_many

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 3, 3)
AT = datetime(2025, 3, 3, 10, 0, tzinfo=SH)
OBJECTS: dict[int, Any] = {}


def _deltas(obj: Any, event: Any) -> dict[str, int]:
    return {"found": 1} if event.action == "found" else {"done": 1} if event.to == "done" else {}


def _stock_of(obj: Any) -> frozenset[str]:
    keys = {f"state:{obj.state}"}
    if obj.state != "done":
        keys.add("open")
        if obj.late:
            keys.add("late")
    return frozenset(keys)


@pytest.fixture
def widgets() -> Iterator[Kind]:
    kind = register(
        Kind(
            name="widgets",
            flows=("found", "done"),
            flow_deltas=_deltas,
            stock_keys=("open", "late", "state:new", "state:done"),
            stock_of=_stock_of,
            area_path_of=lambda obj: obj.area_path,
            object_id_of=lambda obj: obj.pk,
            day_of=lambda event: event.at.astimezone(SH).date(),
            creates=lambda event: event.action == "found",
            neutral=lambda event: event.action == "note",
            facts=lambda: ((o.pk, o.area_path, _stock_of(o)) for o in OBJECTS.values()),
        )
    )
    OBJECTS.clear()
    yield kind
    unregister("widgets")
    OBJECTS.clear()


def widget(pk: int, area: Any, state: str = "new", late: bool = False) -> Any:
    obj = SimpleNamespace(pk=pk, area_path=area.path, state=state, late=late)
    OBJECTS[pk] = obj
    return obj


def ev(action: str, to: str = "", at: datetime = AT) -> Any:
    return SimpleNamespace(action=action, to=to, at=at)


def stock(kind: str = "widgets") -> dict[tuple[int, str], int]:
    return {
        (a, k): v
        for a, k, v in StockCount.objects.filter(kind=kind).values_list("area_id", "key", "value")
        if v
    }


def test_a_new_object_counts_in_its_area_and_every_ancestor(tree: Any, widgets: Kind) -> None:
    count("widgets", widget(1, tree.grid1), ev("found"))
    for area in (tree.grid1, tree.community, tree.street, tree.county, tree.city):
        assert readers.stock_for("widgets", area) == {
            "open": 1,
            "late": 0,
            "state:new": 1,
            "state:done": 0,
        }
        assert readers.flows_for("widgets", area, DAY, DAY) == {"found": 1, "done": 0}
    assert readers.stock_for("widgets", tree.grid2)["open"] == 0
    assert FlowCount.objects.filter(kind="widgets", area=tree.grid1, day=DAY).count() == 1


def test_a_transition_moves_only_the_keys_that_differ(tree: Any, widgets: Kind) -> None:
    obj = widget(1, tree.grid1)
    count("widgets", obj, ev("found"))
    obj.late = True
    count("widgets", obj, ev("mark_late"))
    assert readers.stock_for("widgets", tree.county)["late"] == 1
    obj.state = "done"
    count("widgets", obj, ev("close", to="done"))
    county = readers.stock_for("widgets", tree.county)
    assert county == {"open": 0, "late": 0, "state:new": 0, "state:done": 1}
    assert readers.flows_for("widgets", tree.county, DAY, DAY)["done"] == 1
    assert CounterMember.objects.get(kind="widgets", object_id=1).keys == "state:done"


def test_a_neutral_entry_reads_and_writes_nothing(
    tree: Any, widgets: Kind, django_assert_num_queries: Any
) -> None:
    obj = widget(1, tree.grid1)
    count("widgets", obj, ev("found"))
    with django_assert_num_queries(0):
        count("widgets", obj, ev("note"))


def test_an_area_move_moves_the_stock(tree: Any, widgets: Kind) -> None:
    obj = widget(1, tree.grid1)
    count("widgets", obj, ev("found"))
    obj.area_path = tree.grid3.path
    count("widgets", obj, ev("moved"))
    assert readers.stock_for("widgets", tree.grid1)["open"] == 0
    assert readers.stock_for("widgets", tree.street)["open"] == 0
    assert readers.stock_for("widgets", tree.grid3)["open"] == 1
    assert readers.stock_for("widgets", tree.county)["open"] == 1


def test_many_at_once_counts_what_one_by_one_counts(tree: Any, widgets: Kind) -> None:
    a, b = widget(1, tree.grid1), widget(2, tree.grid2)
    count("widgets", a, ev("found"))
    one_by_one_first = stock()
    b.late = True
    a.state = "done"
    count_many("widgets", [(b, ev("found")), (a, ev("close", to="done"))])
    many = stock()
    StockCount.objects.all().delete()
    FlowCount.objects.all().delete()
    CounterMember.objects.all().delete()
    a.state = "new"
    b.late = False
    count("widgets", a, ev("found"))
    assert stock() == one_by_one_first
    count("widgets", b, ev("found"))
    b.late = True
    count("widgets", b, ev("late"))
    a.state = "done"
    count("widgets", a, ev("close", to="done"))
    assert stock() == many
    assert readers.flows_for("widgets", tree.county, DAY, DAY) == {"found": 2, "done": 1}


def test_flows_are_kept_per_local_day(tree: Any, widgets: Kind) -> None:
    late_evening = datetime(2025, 3, 3, 23, 30, tzinfo=SH)
    count("widgets", widget(1, tree.grid1), ev("found", at=late_evening))
    count("widgets", widget(2, tree.grid1), ev("found", at=late_evening.replace(day=4)))
    assert readers.flows_for("widgets", tree.grid1, DAY, DAY)["found"] == 1
    assert readers.flows_for("widgets", tree.grid1, DAY, date(2025, 3, 4))["found"] == 2


def test_children_stock_lists_each_active_child(tree: Any, widgets: Kind) -> None:
    count("widgets", widget(1, tree.grid1), ev("found"))
    count("widgets", widget(2, tree.grid1), ev("found"))
    count("widgets", widget(3, tree.grid2, late=True), ev("found"))
    children = readers.children_stock("widgets", tree.community)
    assert [c["code"] for c in children] == [tree.grid1.code, tree.grid2.code]
    rows = {c["area_id"]: c["stock"] for c in children}
    assert rows[tree.grid1.pk]["open"] == 2
    assert rows[tree.grid2.pk]["late"] == 1


def test_tiles_need_statistics_rights_at_the_area(tree: Any, widgets: Kind, make_user: Any) -> None:
    count("widgets", widget(1, tree.grid1), ev("found"))
    boss = make_user("street_boss", ("leader", tree.street))
    tiles = readers.tiles_for(
        actor=boss, area=tree.street, kinds=["widgets"], date_from=DAY, date_to=DAY
    )
    assert tiles["widgets"]["stock"]["open"] == 1
    assert tiles["widgets"]["flows"]["found"] == 1
    with pytest.raises(NotFound):
        readers.tiles_for(
            actor=boss, area=tree.grid3, kinds=["widgets"], date_from=DAY, date_to=DAY
        )


def test_rebuild_recomputes_stock_and_members_from_the_facts(tree: Any, widgets: Kind) -> None:
    count("widgets", widget(1, tree.grid1), ev("found"))
    obj = widget(2, tree.grid3, late=True)
    count("widgets", obj, ev("found"))
    expected = stock()
    StockCount.objects.filter(kind="widgets").update(value=7)
    CounterMember.objects.all().delete()
    call_command("rebuild_counters", "--kind", "widgets", verbosity=0)
    assert stock() == expected
    obj.state = "done"
    count("widgets", obj, ev("close", to="done"))  # goes on from the rebuilt members
    assert readers.stock_for("widgets", tree.county)["open"] == 1


def test_the_command_refuses_an_unknown_kind(widgets: Kind) -> None:
    with pytest.raises(CommandError):
        call_command("rebuild_counters", "--kind", "nothing", verbosity=0)


def test_cases_are_registered() -> None:
    assert get("cases").flow_model is not None
    assert "overdue" in get("cases").stock_keys


def test_an_area_moved_takes_its_stock_to_the_new_ancestors(tree: Any, widgets: Kind) -> None:
    from gridgov.areas.services import area_move

    obj = widget(1, tree.grid1, late=True)
    count("widgets", obj, ev("found"))
    count("widgets", widget(2, tree.grid2), ev("found"))
    area_move(actor=None, area=tree.grid1, new_parent=tree.village, new_code="640110100201009")
    tree.grid1.refresh_from_db()  # the move itself carried the stock (areas.AREA_MOVE_HOOKS)
    assert readers.stock_for("widgets", tree.community)["open"] == 1  # grid2 only
    assert readers.stock_for("widgets", tree.street)["late"] == 0
    assert readers.stock_for("widgets", tree.village)["late"] == 1
    assert readers.stock_for("widgets", tree.town)["open"] == 1
    assert readers.stock_for("widgets", tree.county)["open"] == 2  # above both: unchanged
    assert CounterMember.objects.get(object_id=1).area_path == tree.grid1.path
    obj.area_path = tree.grid1.path
    obj.state = "done"
    count("widgets", obj, ev("close", to="done"))  # goes on from the new path
    assert readers.stock_for("widgets", tree.village) == {
        "open": 0,
        "late": 0,
        "state:new": 0,
        "state:done": 1,
    }


def test_a_reading_block_answers_the_same_read_once(
    tree: Any, widgets: Kind, django_assert_num_queries: Any
) -> None:
    from gridgov.kernel.counters.series import flows_by_day

    count("widgets", widget(1, tree.grid1), ev("found"))
    with django_assert_num_queries(2):
        first = readers.stock_for("widgets", tree.county)
        assert readers.stock_for("widgets", tree.county) == first
    with readers.reading(), django_assert_num_queries(3):
        first = readers.stock_for("widgets", tree.county)
        assert readers.stock_for("widgets", tree.county) == first
        assert readers.stock_for("widgets", tree.street) == first  # another area: read
        days = flows_by_day("widgets", tree.county.pk, DAY, DAY)
        assert flows_by_day("widgets", tree.county.pk, DAY, DAY) == days
        assert days[DAY]["found"] == 1
    count("widgets", widget(2, tree.grid1), ev("found"))
    # After the block every read goes to the database again.
    assert readers.stock_for("widgets", tree.county)["open"] == 2
