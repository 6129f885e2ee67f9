"""The fast intake paths: the single report through the compiled-once statements, and
case_report_many, which must write exactly what case_report writes."""

# The shared fixtures are imported from intake_builders; pytest injects them by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest

from gridgov.cases.models import Case, CaseEvent, CaseSequence, CaseStat, IdempotencyRecord
from gridgov.cases.services.intake import IntakeResult, case_report
from gridgov.cases.services.intake_many import case_report_many
from gridgov.cases.states import Action, Source, Status
from gridgov.cases.tests.intake_builders import (  # noqa: F401
    IN_GRID1,
    IN_GRID2,
    OUTSIDE_GRIDS,
    _media,
    cats,
    image_bytes,
    upload,
)
from gridgov.core.errors import Conflict, DomainError, ValidationFailed

pytestmark = pytest.mark.django_db


def item(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": Source.RESIDENT,
        "title": "路边有暴露垃圾",
        "lon": IN_GRID1[0],
        "lat": IN_GRID1[1],
    }
    data.update(kw)
    return data


def _stats() -> dict[tuple[int, Any], int]:
    return {(s.area_id, s.day): s.reported for s in CaseStat.objects.all()}


def test_single_report_reads_the_category_with_its_parent(tree: Any, cats: Any) -> None:
    case = case_report(actor=None, category=cats.litter.pk, **item()).case
    assert case.category == cats.litter
    assert case.category.parent == cats.env
    assert case.area == tree.grid1
    assert case.area.name == tree.grid1.name  # the deferred boundary does not hide fields


def test_single_report_accepts_a_category_code(tree: Any, cats: Any) -> None:
    case = case_report(actor=None, category="I0101", **item()).case
    assert case.category_id == cats.litter.pk


def test_single_report_refuses_an_inactive_or_unknown_category(tree: Any, cats: Any) -> None:
    for value in (cats.retired, cats.retired.pk, "I0199", 10**30, "no such"):
        with pytest.raises(ValidationFailed) as err:
            case_report(actor=None, category=value, **item())
        assert err.value.code == "unknown_category"
    assert Case.objects.count() == 0


def test_numbers_follow_the_year_sequence(tree: Any, cats: Any) -> None:
    first = case_report(actor=None, category=cats.litter, **item()).case
    second = case_report(actor=None, category=cats.litter, **item()).case
    assert int(second.number) == int(first.number) + 1
    assert CaseSequence.objects.get().last == int(second.number[-6:])


def test_many_writes_what_one_by_one_writes(tree: Any, cats: Any) -> None:
    answers = case_report_many(
        actor=None,
        reports=[
            item(category=cats.litter),
            item(category=cats.dispute, lon=IN_GRID2[0], lat=IN_GRID2[1]),
            item(category=cats.litter, lon=OUTSIDE_GRIDS[0], lat=OUTSIDE_GRIDS[1]),
        ],
    )
    cases = [a.case for a in answers if isinstance(a, IntakeResult)]
    assert len(cases) == 3 and all(isinstance(a, IntakeResult) and a.created for a in answers)
    assert [c.number[-6:] for c in cases] == ["000001", "000002", "000003"]
    assert [c.area for c in cases[:2]] == [tree.grid1, tree.grid2]
    assert cases[2].outside_grids is True
    for case in cases:
        stored = Case.objects.get(pk=case.pk)
        assert stored.status == Status.REPORTED and stored.area_path == case.area.path
        event = CaseEvent.objects.get(case=case)
        assert (event.action, event.to_status, event.actor_name) == (
            Action.REPORT,
            Status.REPORTED,
            "public",
        )
    outside = CaseEvent.objects.get(case=cases[2])
    assert outside.data == {"source": "resident", "outside_grids": True} and outside.note


def test_many_moves_the_indicators_like_one_by_one(tree: Any, cats: Any) -> None:
    case_report(actor=None, category=cats.litter, **item())
    case_report(actor=None, category=cats.dispute, **item(lon=IN_GRID2[0], lat=IN_GRID2[1]))
    one_by_one = _stats()
    CaseStat.objects.all().delete()
    case_report_many(
        actor=None,
        reports=[
            item(category=cats.litter),
            item(category=cats.dispute, lon=IN_GRID2[0], lat=IN_GRID2[1]),
        ],
    )
    assert _stats() == one_by_one


def test_many_answers_each_bad_report_with_its_error(tree: Any, cats: Any) -> None:
    answers = case_report_many(
        actor=None,
        reports=[
            item(category=cats.litter),
            item(category=cats.retired),
            item(category=cats.parking),  # asks for a plate
            item(category=cats.litter, lon=200, lat=38),
            item(category=cats.litter, title=""),
        ],
    )
    assert isinstance(answers[0], IntakeResult)
    assert [a.code for a in answers[1:] if isinstance(a, DomainError)] == [
        "unknown_category",
        "validation_failed",
        answers[3].code,  # type: ignore[union-attr]
        "validation_failed",
    ]
    assert all(isinstance(a, DomainError) for a in answers[1:])
    assert Case.objects.count() == 1


def test_many_replays_a_known_idempotency_key(tree: Any, cats: Any) -> None:
    keyed = {"idempotency_scope": "import:12345", "idempotency_key": "GD-1"}
    first = case_report(actor=None, category=cats.litter, **item(**keyed)).case
    (again,) = case_report_many(actor=None, reports=[item(category=cats.litter, **keyed)])
    assert isinstance(again, IntakeResult)
    assert again.case.pk == first.pk and again.created is False
    assert Case.objects.count() == 1


def test_many_with_one_key_twice_creates_one_case(tree: Any, cats: Any) -> None:
    keyed = {"idempotency_scope": "import:12345", "idempotency_key": "GD-2"}
    answers = case_report_many(
        actor=None,
        reports=[
            item(category=cats.litter, **keyed),
            item(category=cats.litter, **keyed),
            item(category=cats.dispute, **keyed),  # the same key for another request
            item(category=cats.litter),
        ],
    )
    first, second, third, fourth = answers
    assert isinstance(first, IntakeResult) and first.created
    assert isinstance(second, IntakeResult) and not second.created
    assert second.case.pk == first.case.pk
    assert isinstance(third, Conflict) and third.code == "idempotency_key_reused"
    assert isinstance(fourth, IntakeResult) and fourth.created
    assert Case.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_many_writes_a_report_with_photos_in_its_place(tree: Any, cats: Any) -> None:
    answers = case_report_many(
        actor=None,
        reports=[
            item(category=cats.litter),
            item(category=cats.litter, photos=[upload(image_bytes())]),
            item(category=cats.litter),
        ],
    )
    cases = [a.case for a in answers if isinstance(a, IntakeResult)]
    assert [c.number[-6:] for c in cases] == ["000001", "000002", "000003"]
    assert cases[1].attachments.count() == 1


def test_many_in_small_chunks_keeps_numbers_unique(tree: Any, cats: Any) -> None:
    answers = case_report_many(
        actor=None, reports=[item(category=cats.litter) for _ in range(7)], chunk_size=3
    )
    numbers = [a.case.number for a in answers if isinstance(a, IntakeResult)]
    assert len(set(numbers)) == 7 and numbers == sorted(numbers)
    assert CaseSequence.objects.get().last == 7
