"""Reads of the area tree: subtree filters on the materialised path."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from gridgov.accounts.scoping import scope
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import (
    area_ancestors,
    area_child_counts,
    area_children,
    area_subtree,
    grids_with_geometry,
    minimal_paths,
    subtree_q,
    subtrees_q,
)
from gridgov.areas.services import area_update


def codes(qs: Any) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_subtree_of_the_county_is_everything_below_it(tree: Any) -> None:
    assert codes(area_subtree(area=tree.county)) == {
        tree.county.code,
        tree.street.code,
        tree.community.code,
        tree.grid1.code,
        tree.grid2.code,
        tree.town.code,
        tree.village.code,
        tree.grid3.code,
    }


def test_subtree_of_a_street_stops_at_its_sibling_town(tree: Any) -> None:
    assert codes(area_subtree(area=tree.street)) == {
        tree.street.code,
        tree.community.code,
        tree.grid1.code,
        tree.grid2.code,
    }


def test_subtree_without_self(tree: Any) -> None:
    assert codes(area_subtree(area=tree.community, include_self=False)) == {
        tree.grid1.code,
        tree.grid2.code,
    }


def test_subtree_of_a_leaf_is_the_leaf(tree: Any) -> None:
    assert codes(area_subtree(area=tree.grid3)) == {tree.grid3.code}


def _raw_area(pk: int, code: str, level: int, parent: Area | None) -> Area:
    """A row with a chosen primary key (the services pick keys themselves)."""
    path = f"{parent.path if parent else ''}{pk}/"
    return Area.objects.create(
        pk=pk,
        code=code,
        name=code,
        level=level,
        parent=parent,
        path=path,
        depth=parent.depth + 1 if parent else 0,
    )


@pytest.mark.django_db
def test_path_prefix_edge_case_id_7_is_not_id_70() -> None:
    seven = _raw_area(7, "64", Level.PROVINCE, None)
    seventy = _raw_area(70, "65", Level.PROVINCE, None)
    seven_child = _raw_area(8, "6401", Level.CITY, seven)
    seventy_child = _raw_area(71, "6501", Level.CITY, seventy)
    seventy_seven = _raw_area(77, "63", Level.PROVINCE, None)
    assert set(Area.objects.filter(subtree_q(seven.path)).values_list("pk", flat=True)) == {
        seven.pk,
        seven_child.pk,
    }
    assert set(Area.objects.filter(subtree_q(seventy.path)).values_list("pk", flat=True)) == {
        seventy.pk,
        seventy_child.pk,
    }
    assert seventy_seven.pk not in set(
        Area.objects.filter(subtree_q(seven.path)).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_path_prefix_edge_case_in_deeper_levels() -> None:
    root = _raw_area(1, "64", Level.PROVINCE, None)
    a = _raw_area(7, "6401", Level.CITY, root)
    b = _raw_area(70, "6402", Level.CITY, root)
    a_child = _raw_area(700, "640101", Level.COUNTY, a)
    b_child = _raw_area(7000, "640201", Level.COUNTY, b)
    assert set(Area.objects.filter(subtree_q(a.path)).values_list("pk", flat=True)) == {
        a.pk,
        a_child.pk,
    }
    assert set(Area.objects.filter(subtree_q(b.path)).values_list("pk", flat=True)) == {
        b.pk,
        b_child.pk,
    }


def test_subtrees_q_unites_and_drops_nested_paths(tree: Any) -> None:
    qs = Area.objects.filter(subtrees_q([tree.community.path, tree.grid1.path, tree.town.path]))
    assert codes(qs) == {
        tree.community.code,
        tree.grid1.code,
        tree.grid2.code,
        tree.town.code,
        tree.village.code,
        tree.grid3.code,
    }


def test_subtrees_q_of_nothing_is_empty(tree: Any) -> None:
    assert not Area.objects.filter(subtrees_q([])).exists()


def test_minimal_paths_keeps_only_the_outermost() -> None:
    assert minimal_paths(["1/7/", "1/", "1/70/", "2/", "2/3/"]) == ["1/", "2/"]
    assert minimal_paths(["1/7/", "1/70/"]) == ["1/7/", "1/70/"]


def test_subtree_filter_works_on_a_related_path(tree: Any, make_user: Any) -> None:
    from gridgov.accounts.models import RoleGrant

    make_user("g1", ("grid_worker", tree.grid1))
    make_user("g3", ("grid_worker", tree.grid3))
    qs = RoleGrant.objects.filter(subtree_q(tree.street.path, field="area__path"))
    assert set(qs.values_list("user__username", flat=True)) == {"g1"}


def test_scope_lists_only_the_users_subtree(tree: Any, make_user: Any) -> None:
    dispatcher = make_user("dispatcher", ("dispatcher", tree.street))
    grids = scope(Area.objects.filter(level=Level.GRID), dispatcher)
    assert codes(grids) == {tree.grid1.code, tree.grid2.code}


def test_ancestors_run_from_the_root(tree: Any) -> None:
    assert [a.code for a in area_ancestors(area=tree.grid1)] == [
        tree.province.code,
        tree.city.code,
        tree.county.code,
        tree.street.code,
        tree.community.code,
        tree.grid1.code,
    ]


def test_children_are_direct_children_in_code_order(tree: Any) -> None:
    assert [a.code for a in area_children(area=tree.county)] == [tree.street.code, tree.town.code]
    assert [a.code for a in area_children(area=None)] == [tree.province.code]


def test_child_counts_per_level(tree: Any) -> None:
    assert area_child_counts(area=tree.county) == {Level.TOWN: 2, Level.COMMUNITY: 2, Level.GRID: 3}


def test_grids_with_geometry_leaves_out_inactive_grids(tree: Any) -> None:
    area_update(actor=None, area=tree.grid2, is_active=False)
    assert codes(grids_with_geometry(under=tree.street)) == {tree.grid1.code}


def test_the_sqlite_subtree_query_uses_the_path_index(tree: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite query plan")
    sql, params = area_subtree(area=tree.street).query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cur.fetchall())
    assert "path" in plan and ("INDEX" in plan or "USING" in plan), plan


def test_subtree_without_index_matches_the_same_rows(tree: Any) -> None:
    from gridgov.areas.models import Area
    from gridgov.areas.selectors import subtree_q

    for root in (tree.county, tree.street, tree.community, tree.grid1):
        indexed = set(Area.objects.filter(subtree_q(root.path)).values_list("pk", flat=True))
        scanned = set(
            Area.objects.filter(subtree_q(root.path, use_index=False)).values_list("pk", flat=True)
        )
        assert indexed == scanned and root.pk in scanned
