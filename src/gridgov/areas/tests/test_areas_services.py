"""Writes to the area tree (``areas/services.py``): every refusal leaves the tree as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from gridgov.areas.codes import Kind, Level
from gridgov.areas.models import Area, GeoRevision
from gridgov.areas.services import (
    DivisionRow,
    area_create,
    area_import_divisions,
    area_move,
    area_set_boundary,
    area_update,
)
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import square
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def snapshot() -> list[tuple[Any, ...]]:
    """Every area row and the boundary revision: what a refused call must leave alone."""
    rows = list(Area.objects.order_by("pk").values_list())
    rev = GeoRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return [*rows, ("revision", rev)]


# --- area_create ------------------------------------------------------------------------------


def test_create_sets_path_depth_kind_and_audits(tree: Any) -> None:
    village = area_create(
        actor=None, parent=tree.town, level=Level.COMMUNITY, code="640110100202", name="新村"
    )
    village.refresh_from_db()
    assert village.path == f"{tree.town.path}{village.pk}/"
    assert village.depth == tree.town.depth + 1 == 4
    assert village.kind == Kind.VILLAGERS
    entry = AuditEntry.objects.filter(event=Event.AREA_CREATED).latest("id")
    assert entry.target_id == str(village.pk) and entry.area_path == village.path


def test_create_under_the_wrong_parent_level_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_create(actor=None, parent=tree.city, level=Level.TOWN, code="640101001", name="错")
    assert exc.value.code == "wrong_parent_level"
    assert snapshot() == before


def test_create_of_a_community_without_a_parent_is_refused(db: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        area_create(
            actor=None, parent=None, level=Level.COMMUNITY, code="640110001001", name="孤社区"
        )
    assert exc.value.code == "parent_required"
    assert not Area.objects.exists()


def test_create_with_a_duplicate_code_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        area_create(
            actor=None, parent=tree.county, level=Level.TOWN, code=tree.street.code, name="重复"
        )
    assert exc.value.code == "duplicate_code"
    assert snapshot() == before


def test_create_with_a_code_outside_the_parent_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed):
        area_create(actor=None, parent=tree.county, level=Level.TOWN, code="640111001", name="x")
    assert snapshot() == before


def test_create_with_an_empty_name_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_create(actor=None, parent=tree.county, level=Level.TOWN, code="640110002", name=" ")
    assert exc.value.code == "name_required"
    assert snapshot() == before


def test_create_outside_the_actors_jurisdiction_is_refused_and_audited(
    tree: Any, make_user: Any
) -> None:
    admin = make_user("town_admin", ("admin", tree.town))
    before = snapshot()
    with pytest.raises(PermissionDenied):
        area_create(
            actor=admin,
            parent=tree.street,
            level=Level.COMMUNITY,
            code="640110001002",
            name="越权社区",
        )
    assert snapshot() == before
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED, actor=admin).count() == 1


def test_create_of_an_overlapping_grid_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_create(
            actor=None,
            parent=tree.community,
            level=Level.GRID,
            code="640110001001003",
            name="网格三",
            geometry=square(106.215, 38.50),
        )
    assert exc.value.code == "overlap"
    assert "网格二" in exc.value.message
    assert snapshot() == before


# --- area_move --------------------------------------------------------------------------------


def test_moving_under_a_descendant_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_move(actor=None, area=tree.county, new_parent=tree.community)
    assert exc.value.code == "cycle"
    assert snapshot() == before


def test_moving_under_itself_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_move(actor=None, area=tree.street, new_parent=tree.street)
    assert exc.value.code == "cycle"
    assert snapshot() == before


def test_moving_under_the_wrong_level_is_refused(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed):
        area_move(actor=None, area=tree.community, new_parent=tree.town)
    assert snapshot() == before


def test_move_repaths_the_whole_subtree_and_bumps_depth(tree: Any) -> None:
    """A county-only installation (a root county) is hung under its city."""
    county = area_create(actor=None, parent=None, level=Level.COUNTY, code="640121", name="永宁县")
    town = area_create(actor=None, parent=county, level=Level.TOWN, code="640121100", name="杨和镇")
    village = area_create(
        actor=None, parent=town, level=Level.COMMUNITY, code="640121100201", name="红星村"
    )
    grid = area_create(
        actor=None,
        parent=village,
        level=Level.GRID,
        code="640121100201001",
        name="红星村一网格",
        geometry=square(106.25, 38.28),
    )
    moved = area_move(actor=None, area=county, new_parent=tree.city)
    assert moved.parent_id == tree.city.pk and moved.version == 2
    expected = {
        county.pk: (f"{tree.city.path}{county.pk}/", 2),
        town.pk: (f"{tree.city.path}{county.pk}/{town.pk}/", 3),
        village.pk: (f"{tree.city.path}{county.pk}/{town.pk}/{village.pk}/", 4),
        grid.pk: (f"{tree.city.path}{county.pk}/{town.pk}/{village.pk}/{grid.pk}/", 5),
    }
    got = {
        pk: (path, depth)
        for pk, path, depth in Area.objects.filter(pk__in=expected).values_list(
            "pk", "path", "depth"
        )
    }
    assert got == expected
    assert AuditEntry.objects.filter(event=Event.AREA_MOVED, target_id=str(county.pk)).exists()


def test_move_leaves_other_subtrees_alone(tree: Any) -> None:
    county = area_create(actor=None, parent=None, level=Level.COUNTY, code="640121", name="永宁县")
    others = list(Area.objects.exclude(pk=county.pk).order_by("pk").values_list("pk", "path"))
    area_move(actor=None, area=county, new_parent=tree.city)
    assert list(Area.objects.exclude(pk=county.pk).order_by("pk").values_list("pk", "path")) == (
        others
    )


# --- area_set_boundary ------------------------------------------------------------------------


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[106.20, 38.50], [106.21, 38.51], [106.21, 38.50], [106.20, 38.51], [106.20, 38.50]]
    ],
}


@pytest.mark.parametrize(
    ("geometry", "code", "words"),
    [
        ("{not json", "invalid_geojson", "JSON"),
        ({"type": "Point", "coordinates": [106.2, 38.5]}, "invalid_geojson", "Polygon"),
        ({"type": "Polygon", "coordinates": [[[106.2]]]}, "invalid_geojson", "malformed"),
        (BOWTIE, "invalid_polygon", "valid polygon"),
        (square(38.50, 106.20), "out_of_bounds", "WGS84"),
        (square(2.35, 48.85), "out_of_bounds", "outside China"),
        (square(106.20, 38.50, 0.000001), "invalid_polygon", "no area"),
    ],
)
def test_set_boundary_refuses_bad_polygons(tree: Any, geometry: Any, code: str, words: str) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_set_boundary(actor=None, area=tree.grid1, geometry=geometry)
    assert exc.value.code == code
    assert words in exc.value.message
    assert snapshot() == before


def test_set_boundary_overlapping_a_sibling_names_the_grid(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_set_boundary(actor=None, area=tree.grid1, geometry=square(106.205, 38.50))
    assert exc.value.code == "overlap"
    assert "网格二" in exc.value.message and tree.grid2.code in exc.value.message
    assert snapshot() == before


def test_set_boundary_may_share_an_edge_with_a_sibling(tree: Any) -> None:
    area = area_set_boundary(actor=None, area=tree.grid1, geometry=square(106.20, 38.49, 0.01))
    assert area.min_lat == pytest.approx(38.49)


def test_set_boundary_may_overlap_a_grid_of_another_community(tree: Any) -> None:
    area = area_set_boundary(actor=None, area=tree.grid3, geometry=square(106.205, 38.50))
    assert area.min_lon == pytest.approx(106.205)


def test_set_boundary_updates_the_box_version_and_revision(tree: Any) -> None:
    rev = GeoRevision.objects.get(pk=1).revision
    area = area_set_boundary(actor=None, area=tree.grid1, geometry=square(106.20, 38.49, 0.005))
    area.refresh_from_db()
    assert (area.min_lon, area.max_lat) == (pytest.approx(106.20), pytest.approx(38.495))
    assert area.version == 2
    assert GeoRevision.objects.get(pk=1).revision != rev
    assert AuditEntry.objects.filter(event=Event.BOUNDARY_CHANGED).count() == 1


def test_set_boundary_with_a_stale_version_is_refused(tree: Any) -> None:
    area_update(actor=None, area=tree.grid1, name="网格一（改）", version=1)
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        area_set_boundary(
            actor=None, area=tree.grid1, geometry=square(106.20, 38.49, 0.005), version=1
        )
    assert exc.value.code == "stale_version"
    assert snapshot() == before


def test_update_with_a_stale_version_is_refused(tree: Any) -> None:
    area_update(actor=None, area=tree.street, name="凤鸣街道办", version=1)
    before = snapshot()
    with pytest.raises(Conflict):
        area_update(actor=None, area=tree.street, name="别的名字", version=1)
    assert snapshot() == before


# --- area_import_divisions --------------------------------------------------------------------


def test_import_divisions_refuses_an_actor_without_the_whole_tree(
    tree: Any, make_user: Any
) -> None:
    admin = make_user("county_admin", ("admin", tree.county))
    before = snapshot()
    with pytest.raises(PermissionDenied):
        area_import_divisions(
            actor=admin, rows=[DivisionRow(code="65", name="新疆", level=Level.PROVINCE)]
        )
    assert snapshot() == before


def test_import_divisions_lets_a_county_admin_add_towns(tree: Any, make_user: Any) -> None:
    admin = make_user("county_admin", ("admin", tree.county))
    result = area_import_divisions(
        actor=admin,
        rows=[
            DivisionRow("640110200", "新乡", Level.TOWN, "640110"),
            DivisionRow("640110200201", "新村", Level.COMMUNITY, "640110200"),
        ],
    )
    village = Area.objects.get(code="640110200201")
    assert village.parent.parent_id == tree.county.pk
    assert village.depth == 4 and village.kind == Kind.VILLAGERS
    assert result.counts[Level.TOWN].created == 1


def test_import_divisions_refuses_a_row_whose_parent_is_nowhere(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        area_import_divisions(
            actor=None, rows=[DivisionRow("640110300201", "孤村", Level.COMMUNITY, "640110300")]
        )
    assert exc.value.code == "parent_missing"
    assert snapshot() == before


def test_import_divisions_refuses_a_parent_of_the_wrong_level(tree: Any) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed):
        area_import_divisions(actor=None, rows=[DivisionRow("640100200", "乡", Level.TOWN, "6401")])
    assert snapshot() == before


def test_move_to_another_community_needs_and_applies_a_new_code(tree: Any) -> None:
    micro = area_create(
        actor=None,
        parent=tree.grid2,
        level=Level.MICRO_GRID,
        code=tree.grid2.code + "001",
        name="微网格",
    )
    with pytest.raises(ValidationFailed):
        area_move(actor=None, area=tree.grid2, new_parent=tree.village)
    # Its boundary overlaps nothing under the village, so with a fitting code it moves.
    moved = area_move(
        actor=None, area=tree.grid2, new_parent=tree.village, new_code="640110100201002"
    )
    assert moved.code == "640110100201002"
    assert moved.parent_id == tree.village.pk
    micro.refresh_from_db()
    assert micro.code == "640110100201002001"
    assert micro.path.startswith(tree.village.path)
    event = AuditEntry.objects.filter(event=Event.AREA_MOVED).latest("id")
    assert event.detail["from_code"] == "640110001001002"


def test_move_refuses_a_clashing_code_and_an_overlap(tree: Any) -> None:
    before = list(Area.objects.order_by("pk").values_list("pk", "code", "path"))
    with pytest.raises(Conflict):
        area_move(actor=None, area=tree.grid2, new_parent=tree.village, new_code=tree.grid3.code)
    # A grid drawn on top of grid3 cannot join grid3's village.
    overlapping = area_create(
        actor=None,
        parent=tree.community,
        level=Level.GRID,
        code="640110001001003",
        name="网格三",
        geometry=square(106.30, 38.60),
    )
    with pytest.raises(ValidationFailed) as exc:
        area_move(actor=None, area=overlapping, new_parent=tree.village, new_code="640110100201003")
    assert exc.value.code == "overlap"
    assert tree.grid3.name in exc.value.message
    after = list(
        Area.objects.exclude(pk=overlapping.pk).order_by("pk").values_list("pk", "code", "path")
    )
    assert after == before


def test_move_repaths_cases_of_the_subtree(tree: Any) -> None:
    from gridgov.areas.services import area_move
    from gridgov.cases.models import Case, Category
    from gridgov.cases.states import Source

    category = Category.objects.create(code="T01", name="测试")
    case = Case.objects.create(
        number="2026000001",
        source=Source.PATROL,
        category=category,
        title="t",
        area=tree.grid1,
        reported_at=timezone.now(),
    )
    assert case.area_path == tree.grid1.path
    area_move(actor=None, area=tree.community, new_parent=tree.town, new_code="640110100001")
    case.refresh_from_db()
    tree.grid1.refresh_from_db()
    assert case.area_path == tree.grid1.path
    assert case.area_path.startswith(tree.town.path)
