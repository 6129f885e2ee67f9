"""Point → grid (or the county pool) and the category's dispatch proposal."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest

from gridgov.accounts.models import Department
from gridgov.areas.codes import Level
from gridgov.areas.services import area_create
from gridgov.cases.models import Case
from gridgov.cases.routing import locate, pool_area, propose
from gridgov.cases.states import HandlingLevel
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    IN_GRID3,
    OUTSIDE_GRIDS,
    _media,
    cats,
)
from gridgov.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_point_in_a_grid_is_located_there(tree: Any) -> None:
    area, outside = locate(lon=IN_GRID1[0], lat=IN_GRID1[1])
    assert (area, outside) == (tree.grid1, False)


def test_numeric_strings_are_accepted(tree: Any) -> None:
    area, outside = locate(lon=str(IN_GRID3[0]), lat=str(IN_GRID3[1]))
    assert (area, outside) == (tree.grid3, False)


def test_point_outside_every_grid_goes_to_the_county_pool(tree: Any) -> None:
    area, outside = locate(lon=OUTSIDE_GRIDS[0], lat=OUTSIDE_GRIDS[1])
    assert (area, outside) == (tree.county, True)


def test_configured_pool_area_wins(tree: Any, settings: Any) -> None:
    settings.GRIDGOV_CASE_POOL_AREA_CODE = tree.street.code
    assert locate(lon=OUTSIDE_GRIDS[0], lat=OUTSIDE_GRIDS[1]) == (tree.street, True)


def test_several_counties_pool_at_their_common_ancestor(tree: Any) -> None:
    area_create(actor=None, parent=tree.city, level=Level.COUNTY, code="640111", name="第二区")
    assert pool_area() == tree.city


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (2.35, 48.85, "out_of_bounds"),  # Paris
        (38.5, 106.2, "out_of_bounds"),  # swapped
        ("abc", "38.5", "invalid_point"),
        (None, 38.5, "invalid_point"),
        ("nan", "nan", "invalid_point"),
    ],
)
def test_bad_coordinates_are_refused(tree: Any, lon: Any, lat: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        locate(lon=lon, lat=lat)
    assert err.value.code == code
    assert "location" in err.value.fields


def _case(area: Any, category: Any) -> Case:
    return Case(number="x", source="patrol", category=category, title="t", area=area)


def test_grid_category_stays_in_the_grid(tree: Any, cats: Any) -> None:
    p = propose(case=_case(tree.grid1, cats.litter))
    assert (p.area, p.department, p.level) == (tree.grid1, None, HandlingLevel.GRID)
    assert tree.grid1.name in p.reason


def test_community_category_goes_to_the_community(tree: Any, cats: Any) -> None:
    p = propose(case=_case(tree.grid1, cats.parking))
    assert (p.area, p.level) == (tree.community, HandlingLevel.COMMUNITY)


def test_street_category_goes_to_the_street(tree: Any, cats: Any) -> None:
    p = propose(case=_case(tree.grid3, cats.dispute))
    assert (p.area, p.level) == (tree.town, HandlingLevel.STREET)


def test_department_category_goes_to_the_nearest_department(tree: Any, cats: Any) -> None:
    Department.objects.create(name="区市场监管局", kind="market_regulation", area=tree.county)
    near = Department.objects.create(
        name="凤鸣市场监管所", kind="market_regulation", area=tree.street
    )
    p = propose(case=_case(tree.grid1, cats.food))
    assert (p.area, p.department, p.level) == (None, near, HandlingLevel.COUNTY)


def test_department_category_without_department_goes_to_the_county(tree: Any, cats: Any) -> None:
    Department.objects.create(name="别处的所", kind="market_regulation", area=tree.town)
    p = propose(case=_case(tree.grid1, cats.food))
    assert (p.area, p.department, p.level) == (tree.county, None, HandlingLevel.COUNTY)


def test_pool_case_stays_in_the_pool(tree: Any, cats: Any) -> None:
    p = propose(case=_case(tree.county, cats.litter))
    assert (p.area, p.level) == (tree.county, HandlingLevel.COUNTY)
