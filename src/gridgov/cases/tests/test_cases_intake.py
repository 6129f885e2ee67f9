"""case_report: validation, permission, numbering, idempotency, on-the-spot resolution."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from gridgov.cases.models import Case, CaseAttachment, CaseEvent, CaseSequence, IdempotencyRecord
from gridgov.cases.services.intake import (
    case_report,
    next_case_number,
    normalize_phone,
    reporter_phone,
    reporter_phone_masked,
)
from gridgov.cases.states import Action, HandlingLevel, Source, Status
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    OUTSIDE_GRIDS,
    _media,
    cats,
    gps_exif,
    image_bytes,
    upload,
)
from gridgov.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def report(**kw: Any) -> Any:
    data: dict[str, Any] = {
        "actor": None,
        "source": Source.RESIDENT,
        "title": "路边有暴露垃圾",
        "lon": IN_GRID1[0],
        "lat": IN_GRID1[1],
    }
    data.update(kw)
    return case_report(**data)


def test_public_report_is_located_and_numbered(tree: Any, cats: Any) -> None:
    result = report(category=cats.litter, reporter_name="张三", reporter_phone="138 1234 5678")
    case = result.case
    assert result.created
    assert case.area == tree.grid1 and case.area_path == tree.grid1.path
    assert case.status == Status.REPORTED
    assert len(case.number) == 10 and case.number.endswith("000001")
    assert case.reporter_phone_enc and "13812345678" not in case.reporter_phone_enc
    assert reporter_phone(case) == "13812345678"
    assert reporter_phone_masked(case) == "138****5678"
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.to_status) == (Action.REPORT, Status.REPORTED)


def test_numbers_are_sequential_and_unique(tree: Any, cats: Any) -> None:
    numbers = [report(category=cats.litter).case.number for _ in range(3)]
    assert len(set(numbers)) == 3
    assert [int(n[4:]) for n in numbers] == [1, 2, 3]


def test_numbering_survives_a_concurrent_first_of_year(tree: Any) -> None:
    # Another transaction created the year's row between our UPDATE and INSERT: simulated by
    # creating it first, then taking the IntegrityError path directly.
    CaseSequence.objects.create(year=2031, last=7)
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseSequence.objects.create(year=2031, last=1)
        assert next_case_number(2031) == "2031000008"


def test_first_number_of_a_year_creates_the_sequence(db: Any) -> None:
    assert next_case_number(2032) == "2032000001"
    assert next_case_number(2032) == "2032000002"


def test_anonymous_report_keeps_no_contact(tree: Any, cats: Any, make_user: Any) -> None:
    resident = make_user("res", ("resident", tree.community))
    case = report(
        actor=resident,
        category=cats.litter,
        anonymous=True,
        reporter_name="李四",
        reporter_phone="13812345678",
    ).case
    assert (case.reporter, case.reporter_name, case.reporter_phone_enc) == (None, "", "")
    assert case.anonymous


def test_signed_in_resident_becomes_reporter(tree: Any, cats: Any, make_user: Any) -> None:
    resident = make_user("res", ("resident", tree.community))
    assert report(actor=resident, category=cats.litter).case.reporter == resident


def test_point_outside_grids_goes_to_pool_with_note(tree: Any, cats: Any) -> None:
    case = report(category=cats.litter, lon=OUTSIDE_GRIDS[0], lat=OUTSIDE_GRIDS[1]).case
    assert (case.area, case.outside_grids) == (tree.county, True)
    assert CaseEvent.objects.get(case=case).data["outside_grids"] is True


@pytest.mark.parametrize(("lon", "lat"), [(2.35, 48.85), ("x", "y"), (106.2, None)])
def test_bad_coordinates_create_nothing(tree: Any, cats: Any, lon: Any, lat: Any) -> None:
    with pytest.raises(ValidationFailed):
        report(category=cats.litter, lon=lon, lat=lat)
    assert not Case.objects.exists()


def test_no_location_is_refused(tree: Any, cats: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.litter, lon=None, lat=None)
    assert err.value.code == "no_location"


def test_explicit_area_without_point(tree: Any, cats: Any, make_user: Any) -> None:
    staff = make_user("staff", ("community_staff", tree.community))
    case = report(
        actor=staff,
        source=Source.PHONE,
        category=cats.litter,
        lon=None,
        lat=None,
        area=tree.community,
    ).case
    assert case.area == tree.community and case.lon is None


@pytest.mark.parametrize("category", ["nope", 999999, ""])
def test_unknown_category_is_refused(tree: Any, category: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=category)
    assert "category" in err.value.fields


def test_inactive_category_is_refused(tree: Any, cats: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.retired)
    assert "category" in err.value.fields


def test_category_by_code(tree: Any, cats: Any) -> None:
    assert report(category="I0101").case.category == cats.litter


def test_missing_required_extra_field_is_refused(tree: Any, cats: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.parking, extra={})
    assert "extra.plate" in err.value.fields
    assert not Case.objects.exists()


def test_extra_fields_are_kept(tree: Any, cats: Any) -> None:
    case = report(category=cats.parking, extra={"plate": "宁A12345", "junk": 1}).case
    assert case.extra == {"plate": "宁A12345"}


def test_title_too_long_and_missing(tree: Any, cats: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.litter, title="长" * 201)
    assert "title" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.litter, title=" ", description="")
    assert "title" in err.value.fields


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0951-1234567", "0951-1234567"),
        ("010-12345678-123", "010-12345678-123"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normal: str) -> None:
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "23812345678", "abc", "1381234567890"])
def test_bad_phone_numbers_are_refused(tree: Any, cats: Any, raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.litter, reporter_phone=raw)
    assert "reporter_phone" in err.value.fields


def test_staff_source_needs_permission_in_the_area(tree: Any, cats: Any, make_user: Any) -> None:
    worker = make_user("w3", ("grid_worker", tree.grid3))
    with pytest.raises(PermissionDenied):
        report(actor=worker, source=Source.PATROL, category=cats.litter)
    assert not Case.objects.exists()


def test_anonymous_user_cannot_use_a_staff_source(tree: Any, cats: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        report(actor=AnonymousUser(), source=Source.PATROL, category=cats.litter)


def test_grid_worker_patrol_report(tree: Any, cats: Any, make_user: Any) -> None:
    worker = make_user("w1", ("grid_worker", tree.grid1))
    case = report(actor=worker, source=Source.PATROL, category=cats.litter).case
    assert case.reporter == worker


def test_photos_are_attached_to_the_report(tree: Any, cats: Any) -> None:
    case = report(
        category=cats.litter, photos=[upload(image_bytes("PNG", exif=gps_exif()), "a.png")]
    ).case
    att = CaseAttachment.objects.get(case=case)
    assert att.event is not None and att.event.action == Action.REPORT


def test_fake_photo_creates_nothing(tree: Any, cats: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(category=cats.litter, photos=[upload(b"not an image", "x.jpg")])
    assert err.value.code == "bad_photo"
    assert not Case.objects.exists()


# --- Idempotency ------------------------------------------------------------------------------


def test_same_key_same_request_returns_the_first_case(tree: Any, cats: Any) -> None:
    first = report(category=cats.litter, idempotency_scope="web:1", idempotency_key="k1")
    again = report(category=cats.litter, idempotency_scope="web:1", idempotency_key="k1")
    assert first.created and not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1


def test_same_key_different_request_is_a_conflict(tree: Any, cats: Any) -> None:
    report(category=cats.litter, idempotency_scope="web:1", idempotency_key="k1")
    with pytest.raises(Conflict) as err:
        report(category=cats.litter, title="别的", idempotency_scope="web:1", idempotency_key="k1")
    assert err.value.code == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_same_key_in_another_scope_is_another_case(tree: Any, cats: Any) -> None:
    report(category=cats.litter, idempotency_scope="web:1", idempotency_key="k1")
    report(category=cats.litter, idempotency_scope="web:2", idempotency_key="k1")
    assert Case.objects.count() == 2


def test_concurrent_same_key_makes_one_case(tree: Any, cats: Any) -> None:
    """The loser of the race sees the unique constraint, rolls back and returns the winner's
    case. Simulated: the winner's record exists but is invisible to the first look-up."""
    first = report(category=cats.litter, idempotency_scope="s", idempotency_key="race")
    from gridgov.cases.services import intake

    real = intake._replay
    calls = {"n": 0}

    def late_replay(scope: str, key: str, print_: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(scope, key, print_)

    intake._replay = late_replay  # type: ignore[assignment]
    try:
        second = report(category=cats.litter, idempotency_scope="s", idempotency_key="race")
    finally:
        intake._replay = real  # type: ignore[assignment]
    assert (second.case.pk, second.created) == (first.case.pk, False)
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


# --- Resolved on the spot ---------------------------------------------------------------------


def test_resolved_on_the_spot_closes_at_grid_level(tree: Any, cats: Any, make_user: Any) -> None:
    worker = make_user("w1", ("grid_worker", tree.grid1))
    case = report(
        actor=worker,
        source=Source.PATROL,
        category=cats.litter,
        resolved_on_spot=True,
        on_spot_reply="已当场清理",
    ).case
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.resolved_on_spot and case.resolved_level == HandlingLevel.GRID
    assert case.assigned_area == tree.grid1 and case.handler == worker
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        Action.REPORT,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.SIGN,
        Action.REPLY,
        Action.VERIFY_PASS,
    ]
    assert case.version == 6


def test_on_the_spot_needs_a_reply(tree: Any, cats: Any, make_user: Any) -> None:
    worker = make_user("w1", ("grid_worker", tree.grid1))
    with pytest.raises(ValidationFailed) as err:
        report(actor=worker, source=Source.PATROL, category=cats.litter, resolved_on_spot=True)
    assert "on_spot_reply" in err.value.fields


def test_on_the_spot_without_handling_right_is_refused(
    tree: Any, cats: Any, make_user: Any
) -> None:
    chief = make_user("chief", ("building_chief", tree.grid1))  # reports, does not handle
    with pytest.raises(ValidationFailed) as err:
        report(
            actor=chief,
            source=Source.PATROL,
            category=cats.litter,
            resolved_on_spot=True,
            on_spot_reply="x",
        )
    assert err.value.code == "not_my_grid"
    assert not Case.objects.exists()


def test_on_the_spot_by_the_public_is_refused(tree: Any, cats: Any) -> None:
    with pytest.raises(PermissionDenied):
        report(category=cats.litter, resolved_on_spot=True, on_spot_reply="x")
