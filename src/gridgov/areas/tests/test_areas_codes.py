"""The national coding rules for each area level (``areas/codes.py``)."""

from __future__ import annotations

import pytest

from gridgov.areas.codes import Kind, Level, display_code, level_for_code, normalise, validate_code
from gridgov.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("64", Level.PROVINCE, None),
        ("6401", Level.CITY, "64"),
        ("640110", Level.COUNTY, "6401"),
        ("640110001", Level.TOWN, "640110"),
        ("640110001001", Level.COMMUNITY, "640110001"),
        ("640110001001001", Level.GRID, "640110001001"),
        ("640110001001001001", Level.MICRO_GRID, "640110001001001"),
        ("640110001001001002", Level.ESTATE, "640110001001001"),
        ("640110001001001002003", Level.BUILDING, "640110001001001002"),
    ],
)
def test_a_valid_code_is_accepted_at_every_level(code: str, level: int, parent: str | None) -> None:
    info = validate_code(code, level, parent)
    assert (info.code, info.level) == (code, level)


def test_a_county_may_stand_without_a_parent_code() -> None:
    assert validate_code("640110", Level.COUNTY, None).code == "640110"


@pytest.mark.parametrize(
    ("segment", "kind"),
    [
        ("001", Kind.STREET),
        ("099", Kind.STREET),
        ("100", Kind.TOWN),
        ("199", Kind.TOWN),
        ("200", Kind.TOWNSHIP),
        ("399", Kind.TOWNSHIP),
        ("400", Kind.TOWN_LIKE),
        ("599", Kind.TOWN_LIKE),
    ],
)
def test_town_segments_give_street_town_or_township(segment: str, kind: str) -> None:
    assert validate_code("640110" + segment, Level.TOWN, "640110").kind == kind


@pytest.mark.parametrize("segment", ["000", "600", "999"])
def test_town_segments_outside_the_ranges_are_refused(segment: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_code("640110" + segment, Level.TOWN, "640110")
    assert segment in exc.value.message


@pytest.mark.parametrize(
    ("segment", "kind"),
    [
        ("001", Kind.RESIDENTS),
        ("199", Kind.RESIDENTS),
        ("200", Kind.VILLAGERS),
        ("399", Kind.VILLAGERS),
        ("400", Kind.COMMUNITY_LIKE),
        ("599", Kind.COMMUNITY_LIKE),
    ],
)
def test_community_segments_give_residents_or_villagers_committee(segment: str, kind: str) -> None:
    assert validate_code("640110100" + segment, Level.COMMUNITY, "640110100").kind == kind


@pytest.mark.parametrize("segment", ["000", "600", "800"])
def test_community_segments_outside_the_ranges_are_refused(segment: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_code("640110100" + segment, Level.COMMUNITY, "640110100")
    assert segment in exc.value.message


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("640", Level.PROVINCE, None),
        ("64011", Level.CITY, "64"),
        ("6401100", Level.COUNTY, "6401"),
        ("64011000", Level.TOWN, "640110"),
        ("6401100010011", Level.COMMUNITY, "640110001"),
        ("64011000100100", Level.GRID, "640110001001"),
        ("6401100010010010", Level.MICRO_GRID, "640110001001001"),
    ],
)
def test_a_code_of_the_wrong_length_is_refused(code: str, level: int, parent: str | None) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_code(code, level, parent)
    assert exc.value.fields["code"]


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("6501", Level.CITY, "64"),
        ("640210", Level.COUNTY, "6401"),
        ("640111001", Level.TOWN, "640110"),
        ("640110002001", Level.COMMUNITY, "640110001"),
        ("640110001002001", Level.GRID, "640110001001"),
    ],
)
def test_a_code_that_does_not_start_with_its_parents_is_refused(
    code: str, level: int, parent: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_code(code, level, parent)
    assert parent in exc.value.message


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("99", Level.PROVINCE),
        ("6400", Level.CITY),
        ("9901", Level.CITY),
        ("640010", Level.COUNTY),
    ],
)
def test_codes_outside_gb_t_2260_are_refused(code: str, level: int) -> None:
    with pytest.raises(ValidationFailed):
        validate_code(code, level, None)


@pytest.mark.parametrize("code", ["64a1", "６４０１", " ", ""])
def test_non_digits_are_refused(code: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_code(code, Level.CITY, None)


def test_a_grid_numbered_000_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        validate_code("640110001001000", Level.GRID, "640110001001")


@pytest.mark.parametrize(
    ("padded", "level", "native"),
    [
        ("640000", Level.PROVINCE, "64"),
        ("640100", Level.CITY, "6401"),
        ("640110001000", Level.TOWN, "640110001"),
        (" 640110 ", Level.COUNTY, "640110"),
    ],
)
def test_padded_display_forms_are_normalised(padded: str, level: int, native: str) -> None:
    assert normalise(padded, level) == native


def test_a_padded_town_code_validates_to_its_native_form() -> None:
    assert validate_code("640110001000", Level.TOWN, "640110").code == "640110001"


def test_a_padded_city_code_validates_to_its_native_form() -> None:
    assert validate_code("640100", Level.CITY, "64").code == "6401"


def test_a_padded_province_code_validates_to_its_native_form() -> None:
    assert validate_code("640000", Level.PROVINCE, None).code == "64"


def test_a_six_digit_county_code_is_not_mistaken_for_a_padded_form() -> None:
    assert normalise("640100", Level.COUNTY) == "640100"


@pytest.mark.parametrize(
    ("native", "level", "shown"),
    [
        ("64", Level.PROVINCE, "640000"),
        ("6401", Level.CITY, "640100"),
        ("640110", Level.COUNTY, "640110"),
        ("640110001", Level.TOWN, "640110001000"),
        ("640110001001", Level.COMMUNITY, "640110001001"),
    ],
)
def test_display_codes_use_the_standard_widths(native: str, level: int, shown: str) -> None:
    assert display_code(native, level) == shown


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("64", Level.PROVINCE),
        ("6401", Level.CITY),
        ("640110", Level.COUNTY),
        ("640110001", Level.TOWN),
        ("640110001001", Level.COMMUNITY),
        ("640110001001001", Level.GRID),
        ("640110001001001001", None),
    ],
)
def test_level_for_code_reads_the_fixed_lengths(code: str, level: int | None) -> None:
    assert level_for_code(code) == level
