"""``import_grids``: grid boundaries from a GeoJSON FeatureCollection, checked as a whole."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gridgov.areas.codes import Level
from gridgov.areas.importers import ImportFailed
from gridgov.areas.importers.grids import import_grid_file
from gridgov.areas.models import Area, GeoRevision
from gridgov.areas.services import area_create
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import square
from gridgov.core.errors import PermissionDenied


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write(tmp_path: Path, doc: Any) -> str:
    path = tmp_path / "grids.geojson"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def run(path: str, community: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_grids", path, "--community", community, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path: str, community: str, *extra: str) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_grids",
            path,
            "--community",
            community,
            *extra,
            stdout=io.StringIO(),
            stderr=err,
        )
    assert exc.value.returncode == 1
    return err.getvalue() + str(exc.value)


def state() -> list[tuple[Any, ...]]:
    """Everything an import could change."""
    return [
        *Area.objects.order_by("pk").values_list("pk", "code", "name", "geometry", "version"),
        ("revision", GeoRevision.objects.filter(pk=1).values_list("revision", flat=True).first()),
        ("audit", AuditEntry.objects.count()),
    ]


def revision() -> int:
    return GeoRevision.objects.get(pk=1).revision


# --- Importing --------------------------------------------------------------------------------


def test_features_update_grids_matched_by_code_and_by_name(tree: Any, tmp_path: Path) -> None:
    rev = revision()
    path = write(
        tmp_path,
        collection(
            feature(square(106.20, 38.50, 0.005), code=tree.grid1.code),
            feature(square(106.21, 38.50, 0.005), name="网格二"),
        ),
    )
    out, _err = run(path, tree.community.code)
    tree.grid1.refresh_from_db()
    tree.grid2.refresh_from_db()
    assert tree.grid1.max_lon == pytest.approx(106.205)
    assert tree.grid2.max_lon == pytest.approx(106.215)
    assert tree.grid1.version == 2 and tree.grid2.version == 2
    assert revision() != rev
    assert AuditEntry.objects.filter(event=Event.BOUNDARY_CHANGED).count() == 2
    assert "0 grids created, 2 updated, 0 unchanged" in out


def test_codes_may_be_json_numbers(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path, collection(feature(square(106.20, 38.50, 0.005), code=int(tree.grid1.code)))
    )
    run(path, tree.community.code)
    tree.grid1.refresh_from_db()
    assert tree.grid1.max_lon == pytest.approx(106.205)


def test_a_file_may_swap_boundaries_between_grids(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature(square(106.21, 38.50), code=tree.grid1.code),
            feature(square(106.20, 38.50), code=tree.grid2.code),
        ),
    )
    run(path, tree.community.code)
    tree.grid1.refresh_from_db()
    tree.grid2.refresh_from_db()
    assert tree.grid1.min_lon == pytest.approx(106.21)
    assert tree.grid2.min_lon == pytest.approx(106.20)


def test_reimporting_the_same_boundaries_changes_nothing(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.20, 38.50), code=tree.grid1.code)))
    before = state()
    out, _err = run(path, tree.community.code)
    assert state() == before
    assert "0 grids created, 0 updated, 1 unchanged" in out


def test_create_adds_a_new_grid(tree: Any, tmp_path: Path) -> None:
    code = tree.community.code + "003"
    path = write(tmp_path, collection(feature(square(106.22, 38.50), code=code, name="网格三")))
    out, _err = run(path, tree.community.code, "--create")
    grid = Area.objects.get(code=code)
    assert (grid.name, grid.level, grid.parent_id) == ("网格三", Level.GRID, tree.community.pk)
    assert grid.path == f"{tree.community.path}{grid.pk}/"
    assert grid.geometry is not None and grid.min_lon == pytest.approx(106.22)
    assert "1 grids created" in out


def test_dry_run_writes_nothing(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature(square(106.20, 38.50, 0.005), code=tree.grid1.code),
            feature(square(106.22, 38.50), code=tree.community.code + "003", name="网格三"),
        ),
    )
    before = state()
    out, _err = run(path, tree.community.code, "--create", "--dry-run")
    assert state() == before
    assert "Dry run" in out


def test_the_importer_checks_the_actors_jurisdiction_first(
    tree: Any, make_user: Any, tmp_path: Path
) -> None:
    other = make_user("other_admin", ("admin", tree.town))
    data = json.dumps(collection(feature(square(106.20, 38.50, 0.005), code=tree.grid1.code)))
    before = state()
    with pytest.raises(PermissionDenied):
        import_grid_file(actor=other, community=tree.community, data=data)
    assert state()[:-1] == before[:-1]  # only the refusal was audited
    assert AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count() == 1


def test_an_admin_of_the_community_may_import(tree: Any, make_user: Any) -> None:
    admin = make_user("street_admin", ("admin", tree.street))
    data = json.dumps(collection(feature(square(106.20, 38.50, 0.005), code=tree.grid1.code)))
    result = import_grid_file(actor=admin, community=tree.community, data=data)
    assert [a.pk for a in result.updated] == [tree.grid1.pk]
    entry = AuditEntry.objects.filter(event=Event.BOUNDARY_CHANGED).latest("id")
    assert entry.actor_id == admin.pk


# --- Bad input: feature number and reason, exit status 1, nothing written -------------------------


def test_an_overlap_with_a_sibling_names_the_grid(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.205, 38.50), code=tree.grid1.code)))
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 1" in message
    assert "网格二" in message and tree.grid2.code in message
    assert state() == before


def test_an_overlap_between_two_features_of_the_file_names_both(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature(square(106.20, 38.50), code=tree.grid1.code),
            feature(square(106.205, 38.50), code=tree.grid2.code),
        ),
    )
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 2" in message and "feature 1" in message and tree.grid1.code in message
    assert state() == before


def test_a_self_intersecting_polygon_is_refused(tree: Any, tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[106.20, 38.50], [106.21, 38.51], [106.21, 38.50], [106.20, 38.51], [106.20, 38.50]]
        ],
    }
    path = write(
        tmp_path,
        collection(
            feature(square(106.20, 38.50), code=tree.grid1.code),
            feature(bowtie, code=tree.grid2.code),
        ),
    )
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 2" in message and "valid polygon" in message
    assert state() == before


def test_a_polygon_outside_china_is_refused(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(2.35, 48.85), code=tree.grid1.code)))
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and "outside China" in message
    assert state() == before


def test_a_point_geometry_is_refused(tree: Any, tmp_path: Path) -> None:
    point = {"type": "Point", "coordinates": [106.2, 38.5]}
    path = write(tmp_path, collection(feature(point, code=tree.grid1.code)))
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and "Polygon" in message


def test_an_unknown_grid_without_create_is_refused(tree: Any, tmp_path: Path) -> None:
    code = tree.community.code + "009"
    path = write(tmp_path, collection(feature(square(106.22, 38.50), code=code, name="网格九")))
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and code in message and "--create" in message
    assert state() == before


def test_a_new_grid_needs_a_name(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path, collection(feature(square(106.22, 38.50), code=tree.community.code + "003"))
    )
    before = state()
    message = refused(path, tree.community.code, "--create")
    assert "Feature 1" in message and "name" in message
    assert state() == before


def test_a_new_grid_needs_a_code(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.22, 38.50), name="无码网格")))
    message = refused(path, tree.community.code, "--create")
    assert "Feature 1" in message and "code" in message
    assert not Area.objects.filter(name="无码网格").exists()


def test_a_code_of_another_community_is_refused(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.30, 38.60), code=tree.grid3.code)))
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and tree.community.code in message
    assert state() == before


def test_an_ambiguous_name_is_refused(tree: Any, tmp_path: Path) -> None:
    area_create(
        actor=None,
        parent=tree.community,
        level=Level.GRID,
        code=tree.community.code + "003",
        name="网格二",
    )
    path = write(tmp_path, collection(feature(square(106.21, 38.50, 0.005), name="网格二")))
    before = state()
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and "several grids" in message
    assert state() == before


def test_two_features_for_one_grid_are_refused(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature(square(106.20, 38.50, 0.005), code=tree.grid1.code),
            feature(square(106.30, 38.50, 0.005), name="网格一"),
        ),
    )
    message = refused(path, tree.community.code)
    assert "Feature 2" in message and "feature 1" in message


def test_every_problem_is_reported_at_once(tree: Any, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            feature(square(2.35, 48.85), code=tree.grid1.code),
            feature(square(106.21, 38.50), name="没有这个网格"),
        ),
    )
    message = refused(path, tree.community.code)
    assert "Feature 1" in message and "Feature 2" in message
    assert "2 problem" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ('{"type": "Feature", "geometry": null}', "not a GeoJSON FeatureCollection"),
        ("[1, 2, 3]", "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "no features"),
        ('{"type": "FeatureCollection", "features": {}}', "no list of features"),
        ('{"type": "FeatureCollection", "features": [{"type": "Point"}]}', "Feature 1"),
    ],
)
def test_a_malformed_file_is_refused(
    tree: Any, tmp_path: Path, content: str, expected: str
) -> None:
    before = state()
    message = refused(write(tmp_path, content), tree.community.code)
    assert expected in message
    assert state() == before


def test_a_missing_file_is_refused(tree: Any, tmp_path: Path) -> None:
    message = refused(str(tmp_path / "nope.geojson"), tree.community.code)
    assert "nope.geojson" in message


def test_an_unknown_community_is_refused(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.20, 38.50), code=tree.grid1.code)))
    message = refused(path, "640110001999")
    assert "640110001999" in message


def test_a_town_is_not_a_community(tree: Any, tmp_path: Path) -> None:
    path = write(tmp_path, collection(feature(square(106.20, 38.50), code=tree.grid1.code)))
    with pytest.raises(CommandError):
        run(path, tree.street.code)


def test_the_service_refuses_a_file_that_only_overlaps_as_a_whole(tree: Any) -> None:
    """The service checks the final state too, whoever calls it."""
    from gridgov.areas.services import BoundaryItem, area_import_boundaries
    from gridgov.core.errors import ValidationFailed

    before = state()
    with pytest.raises(ValidationFailed) as exc:
        area_import_boundaries(
            actor=None,
            community=tree.community,
            items=[
                BoundaryItem(geometry=square(106.20, 38.50), area=tree.grid1),
                BoundaryItem(geometry=square(106.205, 38.50), area=tree.grid2),
            ],
        )
    assert exc.value.code == "overlap"
    assert state() == before


def test_import_failed_lists_every_problem() -> None:
    exc = ImportFailed(["Feature 1: a", "Feature 2: b"])
    assert exc.problems == ["Feature 1: a", "Feature 2: b"]
    assert "Feature 2: b" in exc.message
