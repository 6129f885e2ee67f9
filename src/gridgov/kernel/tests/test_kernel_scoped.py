"""Area-scoped models (:mod:`gridgov.kernel.scoped`): the path kept on create, on the fast
paths and when areas move; ``visible_to`` / ``get_visible`` inside and outside a jurisdiction,
by the same rule as :func:`gridgov.accounts.scoping.can` and the case guards."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.services import area_move
from gridgov.cases import guards
from gridgov.cases.models import Case, Category
from gridgov.cases.states import Source
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import AreaScoped, PathScoped, visible
from gridgov.party.models import OrgKind, PartyOrg
from gridgov.rosters.models import Estate, Household, Resident, ResidentTag
from gridgov.rosters.tests.builders import make_household, make_resident, make_tag, make_tag_type


def _case(area: Any, number: str) -> Case:
    category = Category.objects.get_or_create(code="K01", defaults={"name": "测试"})[0]
    return Case.objects.create(
        number=number,
        source=Source.PATROL,
        category=category,
        title="t",
        area=area,
        reported_at=timezone.now(),
    )


# --- the path ----------------------------------------------------------------------------------


def test_create_fills_the_path_from_the_area(tree: Any) -> None:
    estate = Estate.objects.create(area=tree.grid1, name="阳光小区")
    estate.refresh_from_db()
    assert estate.area_path == tree.grid1.path
    org = PartyOrg.objects.create(name="网格党支部", kind=OrgKind.BRANCH, area=tree.grid2)
    assert org.area_path == tree.grid2.path


def test_save_after_a_change_of_area_follows_it(tree: Any) -> None:
    estate = Estate.objects.create(area=tree.grid1, name="阳光小区")
    estate.area = tree.grid3
    estate.save()
    estate.refresh_from_db()
    assert estate.area_path == tree.grid3.path


def test_a_copied_path_follows_its_source_row(tree: Any) -> None:
    head = make_resident(make_household(tree.grid2), name="王建国")
    tag = ResidentTag.objects.create(
        resident=head,
        tag_type=make_tag_type("k_test_a", name="测试甲"),
        start_on="2026-01-01",
    )
    tag.refresh_from_db()
    assert tag.area_path == head.area_path == tree.grid2.path


def test_fill_area_paths_serves_bulk_create_with_loaded_and_unloaded_areas(tree: Any) -> None:
    loaded = Estate(area=tree.grid1, name="一区")
    by_id = Estate(area_id=tree.grid3.pk, name="三区")  # area not loaded: read in one query
    Estate.fill_area_paths([loaded, by_id])
    Estate.objects.bulk_create([loaded, by_id])
    paths = dict(Estate.objects.values_list("name", "area_path"))
    assert paths == {"一区": tree.grid1.path, "三区": tree.grid3.path}


def test_place_at_copies_area_and_path_from_a_scoped_row(tree: Any) -> None:
    household = make_household(tree.grid1)
    assert Resident.place_at(household) == {
        "area_id": tree.grid1.pk,
        "area_path": tree.grid1.path,
    }
    assert Resident.place_at(tree.grid2) == {"area": tree.grid2, "area_path": tree.grid2.path}


def test_every_scoped_model_takes_part_in_area_moves() -> None:
    scoped = [m for m in apps.get_models() if issubclass(m, PathScoped)]
    assert {Case, Estate, Household, Resident, ResidentTag, PartyOrg} <= set(scoped)
    for model in scoped:
        assert "area_path" in model.area_path_fields, model
        if issubclass(model, AreaScoped):
            assert model._meta.get_field("area").related_model._meta.label == "areas.Area"


def test_area_move_repaths_rows_of_every_scoped_model(tree: Any) -> None:
    estate = Estate.objects.create(area=tree.grid1, name="阳光小区")
    head = make_resident(make_household(tree.grid1), name="王建国")
    tag = make_tag(head, make_tag_type("k_test_b", name="测试乙"))
    org = PartyOrg.objects.create(name="网格党支部", kind=OrgKind.BRANCH, area=tree.grid1)
    case = _case(tree.grid1, "2026900001")
    other = Estate.objects.create(area=tree.grid3, name="金沙小区")

    area_move(actor=None, area=tree.community, new_parent=tree.town, new_code="640110100001")

    tree.grid1.refresh_from_db()
    assert tree.grid1.path.startswith(tree.town.path)
    for row in (estate, head, head.household, tag, org, case):
        row.refresh_from_db()
        assert row.area_path == tree.grid1.path, type(row).__name__
    other.refresh_from_db()
    assert other.area_path == tree.grid3.path


# --- visible_to / get_visible ------------------------------------------------------------------


@pytest.fixture
def estates(tree: Any) -> dict[str, Estate]:
    return {
        "grid1": Estate.objects.create(area=tree.grid1, name="一区"),
        "grid2": Estate.objects.create(area=tree.grid2, name="二区"),
        "grid3": Estate.objects.create(area=tree.grid3, name="三区"),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("grid_worker@grid1", {"grid1"}),
        ("community_staff@community", {"grid1", "grid2"}),
        ("community_staff@village", {"grid3"}),
        ("resident@grid1", set()),  # no roster.view
        ("nobody", set()),
        ("superuser", {"grid1", "grid2", "grid3"}),
    ],
)
def test_visible_to_matrix(
    tree: Any, make_user: Any, estates: dict[str, Estate], who: str, sees: set[str]
) -> None:
    if who == "superuser":
        user = make_user("root", is_superuser=True)
    elif who == "nobody":
        user = make_user("nobody")
    else:
        role, where = who.split("@")
        user = make_user("u", (role, getattr(tree, where)))
    names = {k for k, e in estates.items() if e in Estate.objects.visible_to(user)}
    assert names == sees
    assert set(visible(Estate.objects.all(), user)) == set(Estate.objects.visible_to(user, "view"))
    for key, estate in estates.items():
        if key in sees:
            assert Estate.objects.get_visible(user, "view", estate.pk) == estate
        else:
            with pytest.raises(NotFound):
                Estate.objects.get_visible(user, "view", estate.pk)
        # The single-row rule is the list rule, and the rule of scoping.can.
        assert estate.allows(user, Perm.ROSTER_VIEW) is (key in sees)
        assert scoping.can(user, Perm.ROSTER_VIEW, estate.area) is (key in sees)


def test_visible_to_takes_an_action_permission(
    tree: Any, make_user: Any, estates: dict[str, Estate]
) -> None:
    chief = make_user("chief", ("building_chief", tree.grid1))  # may view, not edit rosters
    assert list(Estate.objects.visible_to(chief)) == [estates["grid1"]]
    assert not Estate.objects.visible_to(chief, Perm.ROSTER_EDIT).exists()
    with pytest.raises(NotFound):
        Estate.objects.get_visible(chief, Perm.ROSTER_EDIT, estates["grid1"].pk)


def test_get_visible_of_a_missing_or_malformed_key_is_not_found(
    tree: Any, make_user: Any, estates: dict[str, Estate]
) -> None:
    root = make_user("root", is_superuser=True)
    for pk in (999_999, "abc", None):
        with pytest.raises(NotFound) as exc:
            Estate.objects.get_visible(root, "view", pk)
        assert exc.value.code == "not_found"


def test_case_visibility_list_single_row_and_guard_agree(tree: Any, make_user: Any) -> None:
    from gridgov.accounts.models import Department, DepartmentKind

    inside = _case(tree.grid1, "2026900011")
    outside = _case(tree.grid3, "2026900012")
    dept = Department.objects.create(name="城管局", kind=DepartmentKind.values[0], area=tree.county)
    users = [
        make_user("worker", ("grid_worker", tree.grid1)),
        make_user("staff", ("community_staff", tree.community)),
        # A department handler granted at the county sees only what the department holds.
        make_user("handler", ("dept_handler", tree.county), department=dept),
        make_user("root", is_superuser=True),
    ]
    for user in users:
        listed = set(Case.objects.visible_to(user))
        for case in (inside, outside):
            allowed = guards.in_jurisdiction(user, Perm.CASE_VIEW, case)
            assert (case in listed) is allowed is case.allows(user, Perm.CASE_VIEW)
    assert set(Case.objects.visible_to(users[0])) == {inside}
    assert not Case.objects.visible_to(users[2]).exists()
    with pytest.raises(NotFound):
        Case.objects.get_visible(users[2], "view", inside.pk)


def test_a_partial_save_of_a_new_area_writes_the_path_too(tree: Any) -> None:
    estate = Estate.objects.create(area=tree.grid1, name="阳光小区")
    estate.area = tree.grid2
    estate.save(update_fields=["area"])
    estate.refresh_from_db()
    assert estate.area_path == tree.grid2.path


def test_saving_a_row_read_without_its_path_costs_no_extra_query(
    tree: Any, django_assert_num_queries: Any
) -> None:
    Estate.objects.create(area=tree.grid1, name="阳光小区")
    estate = Estate.objects.only("id", "name").get()
    estate.name = "阳光新区"
    with django_assert_num_queries(1):
        estate.save(update_fields=["name"])
    assert Estate.objects.get().area_path == tree.grid1.path
