"""Point → grid routing through the in-process spatial index (``areas.geo``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import F
from shapely.geometry import shape

from gridgov.areas import geo
from gridgov.areas.geo import GridIndex, GridLocator, locator
from gridgov.areas.models import Area, GeoRevision
from gridgov.areas.services import area_set_boundary, area_update
from gridgov.conftest import square
from gridgov.core.errors import ValidationFailed

IN_GRID1 = (106.205, 38.505)
IN_GRID2 = (106.215, 38.505)
IN_GRID3 = (106.305, 38.605)
NOWHERE = (106.50, 38.80)  # inside China, outside every grid


@pytest.fixture(autouse=True)
def fresh_locator() -> Iterator[None]:
    """The locator is process-wide; start every test without an index and with the default
    interval, whatever an earlier test (with its own database state) left behind."""
    locator.reset()
    interval = locator.check_interval
    yield
    locator.check_interval = interval
    locator.reset()


def test_a_point_is_routed_to_the_grid_containing_it(tree: Any) -> None:
    assert locator.locate(*IN_GRID1) == tree.grid1.pk
    assert locator.locate(*IN_GRID2) == tree.grid2.pk
    assert locator.locate(*IN_GRID3) == tree.grid3.pk


def test_a_point_outside_every_grid_is_routed_nowhere(tree: Any) -> None:
    assert locator.locate(*NOWHERE) is None


def test_a_point_on_a_shared_edge_goes_to_the_lowest_id(tree: Any) -> None:
    assert locator.locate(106.21, 38.505) == min(tree.grid1.pk, tree.grid2.pk)


def test_locate_many_agrees_with_locate(tree: Any) -> None:
    points = [IN_GRID1, IN_GRID2, IN_GRID3, NOWHERE, (106.21, 38.505)]
    many = locator.index().locate_many([p[0] for p in points], [p[1] for p in points])
    assert many == [locator.locate(*p) for p in points]


def test_an_empty_index_routes_nowhere() -> None:
    index = GridIndex([], [], revision=0)
    assert index.locate(*IN_GRID1) is None
    assert index.locate_many([106.2], [38.5]) == [None]


def test_inactive_grids_are_left_out(tree: Any) -> None:
    area_update(actor=None, area=tree.grid3, is_active=False)
    assert locator.locate(*IN_GRID3) is None


def test_the_index_follows_a_boundary_change_right_after_commit(
    tree: Any, django_capture_on_commit_callbacks: Any
) -> None:
    locator.check_interval = 3600  # only the on-commit invalidation can refresh it
    assert locator.locate(*IN_GRID1) == tree.grid1.pk
    with django_capture_on_commit_callbacks(execute=True):
        area_set_boundary(actor=None, area=tree.grid1, geometry=square(106.20, 38.49, 0.005))
    assert locator.locate(*IN_GRID1) is None
    assert locator.locate(106.202, 38.492) == tree.grid1.pk


def test_the_index_follows_a_deactivation_right_after_commit(
    tree: Any, django_capture_on_commit_callbacks: Any
) -> None:
    locator.check_interval = 3600
    assert locator.locate(*IN_GRID2) == tree.grid2.pk
    with django_capture_on_commit_callbacks(execute=True):
        area_update(actor=None, area=tree.grid2, is_active=False)
    assert locator.locate(*IN_GRID2) is None
    assert locator.locate(*IN_GRID1) == tree.grid1.pk


def test_a_change_by_another_process_is_seen_after_the_check_interval(tree: Any) -> None:
    locator.check_interval = 3600
    assert locator.locate(*IN_GRID3) == tree.grid3.pk
    # Another process moves grid 3 and bumps the revision; nothing is invalidated here.
    moved = square(106.40, 38.70)
    bbox = geo.bbox_and_center(shape(moved))
    Area.objects.filter(pk=tree.grid3.pk).update(geometry=moved, **bbox)
    GeoRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    assert locator.locate(*IN_GRID3) == tree.grid3.pk  # still the index from before
    locator.check_interval = 0
    assert locator.locate(*IN_GRID3) is None
    assert locator.locate(106.405, 38.705) == tree.grid3.pk


def test_an_unchanged_revision_keeps_the_same_index(tree: Any) -> None:
    locator.check_interval = 0
    first = locator.index()
    assert locator.index() is first


def test_a_separate_locator_builds_its_own_index(tree: Any) -> None:
    other = GridLocator(check_interval=0)
    assert other.locate(*IN_GRID1) == tree.grid1.pk
    assert len(other.index()) == 3


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        ("106.2", "38.5", None),
        (106.2, 38.5, None),
        (38.5, 106.2, "out_of_bounds"),
        (2.35, 48.85, "out_of_bounds"),
        ("east", "38.5", "invalid_point"),
        (float("nan"), 38.5, "invalid_point"),
        (None, 38.5, "invalid_point"),
    ],
)
def test_validate_point(lon: Any, lat: Any, code: str | None) -> None:
    if code is None:
        assert geo.validate_point(lon, lat) == (float(lon), float(lat))
        return
    with pytest.raises(ValidationFailed) as exc:
        geo.validate_point(lon, lat)
    assert exc.value.code == code


def test_find_overlaps_among_reports_each_pair_once() -> None:
    geoms = [
        shape(square(106.20, 38.50)),
        shape(square(106.205, 38.50)),
        shape(square(106.3, 38.5)),
    ]
    pairs = geo.find_overlaps_among(geoms)
    assert [(i, j) for i, j, _m2 in pairs] == [(0, 1)]
    assert pairs[0][2] > geo.OVERLAP_TOLERANCE_M2


def test_find_overlaps_among_ignores_shared_edges() -> None:
    geoms = [shape(square(106.20, 38.50)), shape(square(106.21, 38.50))]
    assert geo.find_overlaps_among(geoms) == []
