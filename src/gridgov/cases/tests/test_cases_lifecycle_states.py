"""Every lifecycle service from every state: it works from the states the table allows, and
from any other state it is refused with nothing changed (row, timeline, notifications)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gridgov.cases.models import Case
from gridgov.cases.services import checking as ck
from gridgov.cases.services import lifecycle as lc
from gridgov.cases.states import TRANSITIONS, Action, Status
from gridgov.cases.tests.core_builders import NOW, events, make_case, row
from gridgov.cases.tests.intake_builders import image_bytes, upload
from gridgov.core.errors import Conflict
from gridgov.notifications.models import Notification


@pytest.fixture
def root(db: Any, tree: Any) -> Any:
    from gridgov.accounts.models import User

    return User.objects.create(username="root", is_superuser=True)


def _into(tree: Any) -> Case:
    return make_case(tree.grid2, status=Status.ACCEPTED)


# action → (service call, the state it leads to, or None for "unchanged")
CALLS: dict[str, tuple[Callable[..., Case], str | None]] = {
    Action.ACCEPT: (
        lambda a, c, t: lc.case_accept(actor=a, case=c, version=c.version, now=NOW),
        Status.ACCEPTED,
    ),
    Action.REJECT: (
        lambda a, c, t: lc.case_reject(actor=a, case=c, version=c.version, reason="重复", now=NOW),
        Status.REJECTED,
    ),
    Action.MERGE: (
        lambda a, c, t: lc.case_merge(actor=a, case=c, into=_into(t), version=c.version, now=NOW),
        Status.MERGED,
    ),
    Action.DISPATCH: (
        lambda a, c, t: lc.case_dispatch(
            actor=a, case=c, version=c.version, to_area=t.grid1, now=NOW
        ),
        Status.ASSIGNED,
    ),
    Action.SIGN: (
        lambda a, c, t: lc.case_sign(actor=a, case=c, version=c.version, now=NOW),
        Status.IN_PROGRESS,
    ),
    Action.RETURN: (
        lambda a, c, t: lc.case_return(
            actor=a, case=c, version=c.version, reason="非本单位职责", now=NOW
        ),
        Status.ACCEPTED,
    ),
    Action.REASSIGN: (
        lambda a, c, t: lc.case_reassign(
            actor=a, case=c, version=c.version, to_area=t.community, now=NOW
        ),
        Status.ASSIGNED,
    ),
    Action.ESCALATE: (
        lambda a, c, t: lc.case_escalate(
            actor=a, case=c, version=c.version, note="需社区协调", now=NOW
        ),
        Status.ASSIGNED,
    ),
    Action.REQUEST_DELAY: (
        lambda a, c, t: lc.case_request_delay(
            actor=a,
            case=c,
            version=c.version,
            kind="extend",
            amount=2,
            unit="days",
            reason="等待配件",
            now=NOW,
        ),
        None,
    ),
    Action.APPROVE_DELAY: (
        lambda a, c, t: lc.case_decide_delay(
            actor=a, case=c, version=c.version, approve=True, now=NOW
        ),
        None,
    ),
    Action.DENY_DELAY: (
        lambda a, c, t: lc.case_decide_delay(
            actor=a, case=c, version=c.version, approve=False, note="不符合延期条件", now=NOW
        ),
        None,
    ),
    Action.RESUME: (
        lambda a, c, t: lc.case_resume(actor=a, case=c, version=c.version, now=NOW),
        Status.IN_PROGRESS,
    ),
    Action.REPLY: (
        lambda a, c, t: lc.case_reply(
            actor=a, case=c, version=c.version, reply="已清理完毕", now=NOW
        ),
        Status.RESOLVED,
    ),
    Action.VERIFY_PASS: (
        lambda a, c, t: lc.case_verify(actor=a, case=c, version=c.version, passed=True, now=NOW),
        Status.CLOSED,
    ),
    Action.VERIFY_FAIL: (
        lambda a, c, t: lc.case_verify(
            actor=a, case=c, version=c.version, passed=False, note="仍有垃圾", now=NOW
        ),
        Status.IN_PROGRESS,
    ),
    Action.URGE: (
        lambda a, c, t: lc.case_urge(
            actor=a, case=c, version=c.version, message="请加快办理", now=NOW
        ),
        None,
    ),
    Action.RATE: (
        lambda a, c, t: lc.case_rate(
            actor=a, case=c, version=c.version, rating="satisfied", callback=True, now=NOW
        ),
        Status.RATED,
    ),
    Action.REOPEN: (
        lambda a, c, t: lc.case_reopen(
            actor=a, case=c, version=c.version, reason="问题反弹", now=NOW
        ),
        Status.ASSIGNED,
    ),
    Action.COMMENT: (
        lambda a, c, t: lc.case_comment(actor=a, case=c, note="现场已拍照", now=NOW),
        None,
    ),
    Action.ACCEPT_DISPATCH: (
        lambda a, c, t: lc.case_accept_dispatch(
            actor=a, case=c, version=c.version, to_area=t.grid1, now=NOW
        ),
        Status.ASSIGNED,
    ),
    Action.CHECK_CONFIRM: (
        lambda a, c, t: ck.case_check_confirm(actor=a, case=c, version=c.version, now=NOW),
        Status.REPORTED,
    ),
    Action.CHECK_PASS_UP: (
        lambda a, c, t: ck.case_check_pass_up(
            actor=a, case=c, version=c.version, note="需要部门处理", now=NOW
        ),
        Status.REPORTED,
    ),
    Action.CHECK_RESOLVE: (
        lambda a, c, t: ck.case_check_resolve(
            actor=a,
            case=c,
            version=c.version,
            reply="已现场处理",
            photos=[upload(image_bytes())],
            now=NOW,
        ),
        Status.CLOSED,
    ),
    Action.CHECK_REJECT: (
        lambda a, c, t: ck.case_check_reject(
            actor=a, case=c, version=c.version, reason="untrue", now=NOW
        ),
        Status.REJECTED,
    ),
}
# Actions that are a chain of steps on the timeline (their own entry first, then the steps):
# action → the last entry they write.
CHAINS = {Action.ACCEPT_DISPATCH: Action.DISPATCH, Action.CHECK_RESOLVE: Action.VERIFY_PASS}


def test_every_action_has_a_service():
    assert set(CALLS) == set(TRANSITIONS)


def _make(tree: Any, action: str, status: str) -> Case:
    pending = {"kind": "extend", "amount": 1, "unit": "days", "reason": "x"}
    fields: dict[str, Any] = {}
    if action in (Action.APPROVE_DELAY, Action.DENY_DELAY):
        fields["pending_delay"] = pending
    return make_case(tree.grid1, status=status, **fields)


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", list(CALLS))
def test_action_from_state(tree, root, action, status):
    case = _make(tree, action, status)
    call, target = CALLS[action]
    before = row(case)
    if status in TRANSITIONS[action].sources:
        call(root, case, tree)
        after = Case.objects.get(pk=case.pk)
        expected = target or status
        if action == Action.APPROVE_DELAY:
            expected = Status.IN_PROGRESS  # an extension keeps the case in progress
        assert after.status == expected
        assert events(case)[-1] == CHAINS.get(action, action)
        if action not in (Action.COMMENT, *CHAINS):
            assert after.version == before["version"] + 1
    else:
        with pytest.raises(Conflict) as exc:
            call(root, case, tree)
        assert exc.value.code == "action_not_allowed"
        assert row(case) == before
        assert events(case) == []
        assert not Notification.objects.exists()
