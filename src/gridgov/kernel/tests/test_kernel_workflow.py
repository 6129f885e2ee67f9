"""The kernel's workflow (gridgov.kernel.workflow): the table decides the target, a wrong state
or a stale version refuses and writes nothing, the chain and batch forms write what one-by-one
transitions would, and the action registry dispatches web and API calls.

A small workflow of its own is declared over the case table (the kernel is generic: any model
with a state and a version, any timeline entry), beside the real cases workflow."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.states import Action, Status
from gridgov.cases.tests.core_builders import NOW, make_case, row
from gridgov.cases.workflow import CASES
from gridgov.core.errors import Conflict, NotFound, PermissionDenied
from gridgov.kernel.workflow import (
    ActionCall,
    ActionRegistry,
    ActionSpec,
    Step,
    Transition,
    Workflow,
    apply_batch,
    apply_chain,
    apply_transition,
)

counted: list[tuple[str, str]] = []


def _toy(**hooks: Any) -> Workflow:
    """Three states over the case table: reported → accepted → closed, a note anywhere, a
    system mark, and "accept or close" whose target depends on the object."""
    return Workflow(
        name="toy",
        model=Case,
        entry_model=CaseEvent,
        subject_field="case",
        transitions={
            "accept": Transition(frozenset({"reported"}), "accepted", "case.triage"),
            "close": Transition(frozenset({"accepted"}), "closed", "case.verify"),
            "comment": Transition(frozenset({"reported", "accepted"}), None, "case.view"),
            "reject": Transition(
                frozenset({"reported"}),
                lambda obj: "rejected" if obj.priority == 1 else None,
                "case.triage",
            ),
        },
        system={"overdue": Transition(frozenset({"reported", "accepted"}), None, None)},
        on_event=lambda obj, e: counted.append((obj.number, e.action)),
        on_events=lambda pairs: counted.extend((o.number, e.action) for o, e in pairs),
        **hooks,
    )


@pytest.fixture
def case(db: Any, tree: Any) -> Case:
    counted.clear()
    return make_case(tree.grid1, status=Status.REPORTED)


def test_the_target_comes_from_the_table(case: Case) -> None:
    v = case.version
    entry = apply_transition(
        workflow=_toy(), obj=case, action="accept", actor=None, expected_version=v
    )
    stored = row(case)
    assert stored["status"] == "accepted" and stored["version"] == v + 1
    assert case.status == "accepted" and case.version == v + 1  # in memory as stored
    assert (entry.from_status, entry.to_status, entry.action) == ("reported", "accepted", "accept")
    assert entry.actor_name == "system"
    assert counted == [(case.number, "accept")]


def test_a_target_computed_from_the_object(case: Case) -> None:
    toy = _toy()
    assert toy.target("reject", case) is None  # priority 2: the state stays
    case.priority = 1
    assert toy.target("reject", case) == "rejected"


def test_a_transition_from_a_wrong_state_is_a_conflict_and_writes_nothing(case: Case) -> None:
    before = row(case)
    with pytest.raises(Conflict) as caught:
        apply_transition(
            workflow=CASES, obj=case, action=Action.SIGN, actor=None, expected_version=0
        )
    assert caught.value.code == "action_not_allowed"
    assert case.number in caught.value.message
    assert row(case) == before
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_stale_version_is_a_conflict_and_writes_nothing(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(version=case.version + 2)  # someone acted meanwhile
    before = row(case)
    with pytest.raises(Conflict) as caught, transaction.atomic():
        apply_transition(
            workflow=CASES,
            obj=case,
            action=Action.ACCEPT,
            actor=None,
            expected_version=case.version,
        )
    assert caught.value.code == "stale_version"
    assert row(case) == before
    assert not CaseEvent.objects.filter(case=case).exists()


def test_notify_runs_in_the_transaction_and_after_commit_on_commit(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[str] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        apply_transition(
            workflow=_toy(),
            obj=case,
            action="accept",
            actor=None,
            expected_version=case.version,
            notify=lambda: seen.append("notify"),
            after_commit=lambda: seen.append("committed"),
        )
        assert seen == ["notify"]
    assert len(callbacks) == 1 and seen == ["notify", "committed"]


def test_a_chain_checks_every_step_and_writes_them_in_order(case: Case) -> None:
    v = case.version
    entries = apply_chain(
        workflow=_toy(),
        obj=case,
        steps=[Step("accept", {"accepted_at": NOW}), Step("comment", note="看过"), Step("close")],
        actor=None,
        expected_version=v,
        at=NOW,
    )
    stored = row(case)
    assert stored["status"] == "closed" and stored["version"] == v + 3
    assert stored["accepted_at"] == NOW
    assert [(e.action, e.from_status, e.to_status) for e in entries] == [
        ("accept", "reported", "accepted"),
        ("comment", "accepted", "accepted"),
        ("close", "accepted", "closed"),
    ]
    assert list(
        CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True)
    ) == ["accept", "comment", "close"]
    assert counted == [(case.number, "accept"), (case.number, "comment"), (case.number, "close")]


def test_a_chain_with_a_step_from_a_wrong_state_writes_nothing(case: Case) -> None:
    before = row(case)
    with pytest.raises(Conflict):
        apply_chain(
            workflow=_toy(),
            obj=case,
            steps=[Step("accept"), Step("accept")],
            actor=None,
            expected_version=case.version,
        )
    assert row(case) == before
    assert not CaseEvent.objects.filter(case=case).exists()


def test_a_batch_moves_the_objects_in_a_source_state_only(db: Any, tree: Any) -> None:
    counted.clear()
    open_one = make_case(tree.grid1, status=Status.REPORTED)
    closed = make_case(tree.grid1, status=Status.CLOSED)
    entries = apply_batch(
        workflow=_toy(),
        objs=[open_one, closed],
        action="overdue",
        changes={"due_soon": True},
        data_for=lambda c: {"n": c.number},
        at=NOW,
    )
    assert [(e.case_id, e.data, e.actor_name) for e in entries] == [
        (open_one.pk, {"n": open_one.number}, "system")
    ]
    assert row(open_one)["due_soon"] is True and row(open_one)["version"] == 2
    assert row(closed)["due_soon"] is False and row(closed)["version"] == 1
    assert counted == [(open_one.number, "overdue")]


def test_check_asks_the_table_then_the_guard_then_who(case: Case) -> None:
    refusals: list[str] = []

    def authorize(obj: Any, user: Any, t: Transition) -> Any:
        refusals.append(t.action)
        return PermissionDenied("no") if user is None else None

    toy = _toy(authorize=authorize)
    assert toy.check(case, None, "close").code == "action_not_allowed"  # type: ignore[union-attr]
    assert refusals == []  # the state refuses before anybody is asked
    assert isinstance(toy.check(case, None, "accept"), PermissionDenied)
    assert toy.check(case, object(), "accept") is None
    # System transitions are never a user's.
    assert toy.check(case, object(), "overdue").code == "action_not_allowed"  # type: ignore[union-attr]
    assert toy.allowed(case, object(), ["close", "accept", "comment"]) == ["accept", "comment"]


def test_the_cases_table_keeps_its_guards(case: Case) -> None:
    case.status = Status.IN_PROGRESS
    error = CASES.check(case, None, Action.APPROVE_DELAY)
    assert error is not None and error.code == "no_delay_request"
    case.pending_delay = {"kind": "suspend"}
    assert CASES.target(Action.APPROVE_DELAY, case) == Status.SUSPENDED
    case.pending_delay = {"kind": "extend"}
    assert CASES.target(Action.APPROVE_DELAY, case) is None


def test_the_registry_dispatches_web_and_api_and_answers_unknown_names() -> None:
    calls: list[tuple[str, Any]] = []
    registry = ActionRegistry("toy")
    registry.register(
        ActionSpec(
            action="accept",
            service=lambda **kw: kw,
            form=dict,
            web=lambda c: calls.append(("web", c.data["note"])),
            api=lambda c: calls.append((c.action, c.payload["note"])),
            aliases=("take",),
            done="done",
        )
    )
    registry.register(ActionSpec(action="mark", service=lambda: None, api=lambda c: "m"))
    registry.run_web(ActionCall("accept", None, None, data={"note": "a"}))
    registry.run_api(ActionCall("take", None, None, payload={"note": "b"}))
    assert calls == [("web", "a"), ("take", "b")]
    assert registry.web_actions() == ["accept"]  # "mark" has no form
    assert registry.api_actions() == ["accept", "take", "mark"]
    with pytest.raises(NotFound) as caught:
        registry.run_api(ActionCall("nope", None, None))
    assert caught.value.code == "unknown_action"
    with pytest.raises(ValueError):
        registry.register(ActionSpec(action="accept", service=lambda: None))


def test_every_offered_case_action_is_registered_for_web_and_api() -> None:
    from gridgov.cases import guards
    from gridgov.cases.actions import ACTIONS

    assert set(ACTIONS.web_actions()) == set(guards.OFFERED)
    assert set(ACTIONS.api_actions()) == {*guards.OFFERED, "decide_delay", "verify"}
    for spec in ACTIONS:
        assert CASES.transition(spec.transition_name) is not None, spec.action
