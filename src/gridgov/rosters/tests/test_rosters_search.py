"""Resident search: exact ID / phone, name prefix, address, filters, jurisdiction."""

from __future__ import annotations

from typing import Any

import pytest

from gridgov.core.errors import NotFound
from gridgov.core.pagination import capped_count
from gridgov.rosters import selectors
from gridgov.rosters.tests.builders import make_household, make_resident, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tree: Any, make_user: Any) -> Any:
    return make_user("gw1", ("grid_worker", tree.grid1))


def _search(actor: Any, **kw: Any) -> list[Any]:
    return list(selectors.resident_search_for(actor=actor, **kw))


def test_exact_id_number(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    number = valid_id()
    target = make_resident(hh, id_number=number)
    make_resident(hh, relation="99")
    assert _search(worker, q=number) == [target]
    assert _search(worker, q=number[:-1] + ("0" if number[-1] != "0" else "1")) == []


def test_exact_phone(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    target = make_resident(hh, phone="13912345678")
    make_resident(hh, relation="99", phone="13912345679")
    assert _search(worker, q="139 1234 5678") == [target]


def test_landline_with_or_without_dash(tree: Any, worker: Any) -> None:
    target = make_resident(make_household(tree.grid1), phone="0951-5012345")
    assert _search(worker, q="09515012345") == [target]


def test_name_prefix(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    a = make_resident(hh, name="王建国")
    b = make_resident(hh, name="王芳", relation="30")
    make_resident(hh, name="李王", relation="99")
    assert set(_search(worker, q="王")) == {a, b}
    assert _search(worker, q="王芳") == [b]


def test_address_contains(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1, address="凤鸣小区3号楼2单元502")
    member = make_resident(hh, name="赵六")
    make_resident(make_household(tree.grid1, address="凤鸣小区4号楼1单元101"), name="孙七")
    assert _search(worker, q="3号楼") == [member]


def test_other_grid_invisible(tree: Any, make_user: Any) -> None:
    number = valid_id()
    person = make_resident(make_household(tree.grid1), name="王芳", id_number=number)
    other = make_user("gw2", ("grid_worker", tree.grid2))
    assert _search(other, q="王芳") == []
    assert _search(other, q=number) == []
    assert _search(other) == []
    with pytest.raises(NotFound):
        selectors.resident_get_for(actor=other, pk=person.pk)


def test_status_filter(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    living = make_resident(hh)
    gone = make_resident(area=tree.grid1, status="moved_out", name="张走")
    assert _search(worker) == [living]
    assert _search(worker, status="moved_out") == [gone]
    assert set(_search(worker, status="")) == {living, gone}


def test_area_and_household_type_filters(tree: Any, make_user: Any) -> None:
    staff = make_user("cs", ("community_staff", tree.community))
    a = make_resident(make_household(tree.grid1, household_type="floating"))
    b = make_resident(make_household(tree.grid2, household_type="registered"))
    assert _search(staff, area=tree.grid2) == [b]
    assert _search(staff, household_type="floating") == [a]


def test_capped_count(tree: Any, worker: Any) -> None:
    hh = make_household(tree.grid1)
    for i in range(5):
        make_resident(hh, relation="99", name=f"人{i}")
    qs = selectors.resident_search_for(actor=worker)
    assert capped_count(qs, cap=3) == 4


def test_household_get_outside_is_404(tree: Any, make_user: Any) -> None:
    hh = make_household(tree.grid1)
    other = make_user("gw2", ("grid_worker", tree.grid2))
    with pytest.raises(NotFound):
        selectors.household_get_for(actor=other, pk=hh.pk)
    assert list(selectors.household_list_for(actor=other)) == []
