"""Races on one case: several people take the same step at the same moment, each with the
version they saw, through the API of a real ``gridgov serve`` (tests/live.py; every request has
its own server thread and database connection — on SQLite and on PostgreSQL).

For dispatch (派单), sign (签收) and accept (受理) — and for different steps racing: accept
against accept-and-dispatch against reject, the grid worker's check against a dispatcher's
accept, sign against reassign and return — exactly one attempt wins (200), every other one is a
clean 409 (``stale_version``, or ``action_not_allowed`` when it saw the case after the winner),
the case moved once (by the winner's steps) and its timeline has exactly the winner's entry.
The same report sent three times at once with one ``Idempotency-Key`` makes one case.

:data:`ROUNDS` races of each kind (the issue's check ran 25; ``GRIDGOV_RACE_ROUNDS`` raises it).
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.live import COMMUNITY, GRID1, Answer, LiveGridgov, NoAnswer

pytestmark = pytest.mark.storm

ROUNDS = int(os.environ.get("GRIDGOV_RACE_ROUNDS") or 10)
LOSER_CODES = {"stale_version", "action_not_allowed"}
# The timeline entries a step writes, each a version of the case: 受理并派单 is accept, then
# dispatch; the others write one entry named as themselves.
ENTRIES = {"accept_dispatch": ["accept", "dispatch"]}


def _entries(action: str) -> list[str]:
    return ENTRIES.get(action, [action])


@dataclass(frozen=True)
class Attempt:
    user: str
    action: str
    body: dict[str, Any]


def _act(live: LiveGridgov, case: dict[str, Any], user: str, action: str, **body: Any) -> Any:
    answer = live.request(
        "POST",
        f"/api/v1/cases/{case['id']}/actions/{action}",
        {"version": case["version"], **body},
        token=live.token(user),
    )
    assert answer.status == 200, (action, answer)
    return answer.body


def _reported(live: LiveGridgov, title: str) -> dict[str, Any]:
    """The grid worker's report from patrol: 待受理 (reported)."""
    answer = live.request(
        "POST",
        "/api/v1/cases/report",
        {"source": "patrol", "category": "0101", "title": title, "area_id": live.area_id(GRID1)},
        token=live.token("gridworker"),
    )
    assert answer.status == 201, answer
    assert answer.body["status"] == "reported"
    return dict(answer.body)


def _to_check(live: LiveGridgov, title: str) -> dict[str, Any]:
    """A resident's report in the grid worker's grid: 待核实 (to_check)."""
    answer = live.request(
        "POST",
        "/api/v1/cases/report",
        {"source": "resident", "category": "0101", "title": title, "area_id": live.area_id(GRID1)},
        token=live.token("resident"),
    )
    assert answer.status == 201, answer
    assert answer.body["status"] == "to_check"
    return dict(answer.body)


def _accepted(live: LiveGridgov, title: str) -> dict[str, Any]:
    return _act(live, _reported(live, title), "dispatcher", "accept")


def _assigned(live: LiveGridgov, title: str) -> dict[str, Any]:
    case = _accepted(live, title)
    return _act(live, case, "dispatcher", "dispatch", to_area=live.area_id(GRID1))


@dataclass(frozen=True)
class Race:
    prepare: Callable[[LiveGridgov, str], dict[str, Any]]
    attempts: Callable[[LiveGridgov], list[Attempt]]
    to_status: dict[str, str]  # the winning action → the case's status afterwards


RACES = {
    # 受理: two county dispatchers and the street's, all at once.
    "accept": Race(
        _reported,
        lambda live: [
            Attempt("dispatcher", "accept", {"note": "contender 0"}),
            Attempt("street_dispatcher", "accept", {"note": "contender 1"}),
            Attempt("dispatcher", "accept", {"note": "contender 2"}),
        ],
        {"accept": "accepted"},
    ),
    # 派单: to the grid, and to its community.
    "dispatch": Race(
        _accepted,
        lambda live: [
            Attempt("dispatcher", "dispatch", {"to_area": live.area_id(GRID1), "note": "c0"}),
            Attempt(
                "street_dispatcher", "dispatch", {"to_area": live.area_id(COMMUNITY), "note": "c1"}
            ),
            Attempt("dispatcher", "dispatch", {"to_area": live.area_id(GRID1), "note": "c2"}),
        ],
        {"dispatch": "assigned"},
    ),
    # 签收: the grid worker's phone sends it three times (a double tap and a retry).
    "sign": Race(
        _assigned,
        lambda live: [Attempt("gridworker", "sign", {}) for _ in range(3)],
        {"sign": "in_progress"},
    ),
    # Different steps on one report: accept, accept and dispatch, reject.
    "triage": Race(
        _reported,
        lambda live: [
            Attempt("dispatcher", "accept", {"note": "contender 0"}),
            Attempt(
                "street_dispatcher",
                "accept_dispatch",
                {"to_area": live.area_id(GRID1), "note": "c1"},
            ),
            Attempt("dispatcher", "reject", {"reason": "contender 2"}),
        ],
        {"accept": "accepted", "accept_dispatch": "assigned", "reject": "rejected"},
    ),
    # 核实 against 受理: the grid worker checks the resident's report while a dispatcher
    # accepts it from the dispatchers' list.
    "check": Race(
        _to_check,
        lambda live: [
            Attempt("gridworker", "check_pass_up", {"note": "contender 0"}),
            Attempt("dispatcher", "accept", {"note": "contender 1"}),
            Attempt("gridworker", "check_reject", {"reason": "untrue", "note": "contender 2"}),
        ],
        {"check_pass_up": "reported", "accept": "accepted", "check_reject": "rejected"},
    ),
    # 签收 against 改派 and 退单: the grid worker signs while the dispatcher reassigns the case
    # to the community and the worker's other phone returns it.
    "handover": Race(
        _assigned,
        lambda live: [
            Attempt("gridworker", "sign", {}),
            Attempt("dispatcher", "reassign", {"to_area": live.area_id(COMMUNITY), "note": "c1"}),
            Attempt("gridworker", "return", {"reason": "contender 2"}),
        ],
        {"sign": "in_progress", "reassign": "assigned", "return": "accepted"},
    ),
}


def _at_once(calls: list[Callable[[], Answer]]) -> list[Answer]:
    """Run the calls in threads of their own, released together by a barrier; their answers
    in the same order."""
    answers: list[Answer | None] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(n: int) -> None:
        start.wait()
        try:
            answers[n] = calls[n]()
        except NoAnswer as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return [a for a in answers if a is not None]


def _race(live: LiveGridgov, case: dict[str, Any], attempts: list[Attempt]) -> list[Answer]:
    """Send every attempt at once, each with the version the case had when prepared."""
    return _at_once(
        [
            functools.partial(
                live.request,
                "POST",
                f"/api/v1/cases/{case['id']}/actions/{a.action}",
                {"version": case["version"], **a.body},
                token=live.token(a.user),
            )
            for a in attempts
        ]
    )


@pytest.mark.parametrize("name", sorted(RACES))
def test_exactly_one_winner(live: LiveGridgov, name: str) -> None:
    race = RACES[name]
    attempts = race.attempts(live)
    cases = [race.prepare(live, f"race {name} {r}") for r in range(ROUNDS)]
    actions = {entry for a in attempts for entry in _entries(a.action)}
    winners: list[str] = []
    for case in cases:
        answers = _race(live, case, attempts)
        won = [(a, got) for a, got in zip(attempts, answers, strict=True) if got.status == 200]
        lost = [got for got in answers if got.status != 200]
        assert len(won) == 1, (case["number"], answers)
        assert [(got.status, got.code in LOSER_CODES) for got in lost] == [(409, True)] * len(
            lost
        ), lost
        winner, body = won[0][0], won[0][1].body
        winners.append(f"{winner.user} {winner.action}")
        assert body["status"] == race.to_status[winner.action]
        version = case["version"] + len(_entries(winner.action))
        assert body["version"] == version

        # The case as stored: moved once, one timeline entry for the step, by the winner.
        stored = live.query(f"SELECT status, version FROM cases_case WHERE id = {case['id']}")
        assert stored == [(race.to_status[winner.action], version)]
        timeline = live.request(
            "GET", f"/api/v1/cases/{case['id']}/timeline", token=live.token("dispatcher")
        ).body
        steps = [e for e in timeline if e["action"] in actions]
        assert [e["action"] for e in steps] == _entries(winner.action), timeline
        said = winner.body.get("note") or winner.body.get("reason")
        if said:
            assert said in [text for e in steps for text in (e["note"], e["data"].get("reason"))]
        if "to_area" in winner.body:
            assert live.query(
                f"SELECT assigned_area_id FROM cases_case WHERE id = {case['id']}"
            ) == [(winner.body["to_area"],)]
    print(f"{name} races on {live.vendor}: {ROUNDS} rounds, winners {dict(Counter(winners))}")


def test_one_report_sent_several_times_at_once(live: LiveGridgov) -> None:
    """A double tap on 上报 (the same Idempotency-Key, several requests at the same moment)
    makes one case: one 201, and every other answer names that case (200), or is a clean 409
    ``idempotency_busy`` to retry."""
    token = live.token("gridworker")
    cases: list[int] = []
    for r in range(ROUNDS):
        title = f"race report {uuid.uuid4().hex[:8]} {r}"
        body = {
            "source": "patrol",
            "category": "0101",
            "title": title,
            "area_id": live.area_id(GRID1),
        }
        answers = _at_once(
            [
                functools.partial(
                    live.request,
                    "POST",
                    "/api/v1/cases/report",
                    body,
                    token=token,
                    headers={"Idempotency-Key": title},
                )
            ]
            * 3
        )
        created = [a for a in answers if a.status == 201]
        assert len(created) == 1, answers
        case_id = created[0].body["id"]
        for a in answers:
            assert (a.status in (200, 201) and a.body["id"] == case_id) or (
                (a.status, a.code) == (409, "idempotency_busy")
            ), a
        assert live.query(f"SELECT id FROM cases_case WHERE title = '{title}'") == [(case_id,)]
        cases.append(case_id)
    assert len(set(cases)) == ROUNDS
