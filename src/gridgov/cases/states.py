"""The case lifecycle as a table the server enforces (DESIGN.md, "The heart: a case").

::

    to_check ─check_confirm / check_pass_up / timeout─▶ reported   (a resident's report in a
       │ check_resolve ▶ closed · check_reject ▶ rejected            grid with a grid worker)
       ▼
    reported ─accept─▶ accepted ─dispatch─▶ assigned ─sign─▶ in_progress ─reply─▶ resolved
       │ reject           │ merge             │ return / reassign / escalate        │ verify_pass
       ▼                  ▼                   ▼                                     ▼
    rejected           merged            (accepted / assigned)                   closed ─rate─▶ rated
                                                     verify_fail ◀─ resolved     reopen ─▶ assigned

Every action names the states it may start from, the state it leads to (``None``: the state does
not change), the permission (:class:`gridgov.accounts.roles.Perm`) it needs in the case's
jurisdiction and its precondition beyond the state (:mod:`gridgov.cases.preconditions`). The
table is the kernel's (:class:`gridgov.kernel.workflow.Transition`), declared as the cases
workflow in :mod:`gridgov.cases.workflow`; the services take the target from it
(:func:`gridgov.kernel.workflow.apply_transition`). Who exactly may act (the assigned unit, the
reporter …) is decided by :mod:`gridgov.cases.guards`, which the services and the UI both ask.
:data:`SYSTEM_TRANSITIONS` are written by the platform itself (the report, the sweep's marks),
never taken by a user.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Perm
from gridgov.cases.preconditions import no_request_pending, request_pending
from gridgov.kernel.workflow.table import Transition, table


class Status(models.TextChoices):
    TO_CHECK = "to_check", _("To verify on site")  # 待核实 (by the grid worker)
    REPORTED = "reported", _("To accept")  # 待受理
    ACCEPTED = "accepted", _("To dispatch")  # 已立案 · 待派单
    ASSIGNED = "assigned", _("To sign for")  # 待签收
    IN_PROGRESS = "in_progress", _("In progress")  # 办理中
    SUSPENDED = "suspended", _("Suspended")  # 挂起
    RESOLVED = "resolved", _("To verify")  # 待核查
    CLOSED = "closed", _("Closed")  # 已办结
    RATED = "rated", _("Rated")  # 已评价
    REJECTED = "rejected", _("Rejected")  # 不予受理
    MERGED = "merged", _("Merged")  # 已并单


# States in which a case still needs work (the "open" cases of the indicators and the sweep).
OPEN_STATES = frozenset(
    {
        Status.TO_CHECK,
        Status.REPORTED,
        Status.ACCEPTED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.RESOLVED,
    }
)
FINAL_STATES = frozenset({Status.CLOSED, Status.RATED, Status.REJECTED, Status.MERGED})


class Action(models.TextChoices):
    REPORT = "report", _("Report")  # 上报
    ACCEPT = "accept", _("Accept")  # 受理/立案
    ACCEPT_DISPATCH = "accept_dispatch", _("Accept and dispatch")  # 受理并派单 (one step)
    REJECT = "reject", _("Reject")  # 不予受理
    MERGE = "merge", _("Merge into another case")  # 并单
    MERGED_IN = "merged_in", _("Another case merged in")  # (timeline of the surviving case)
    DISPATCH = "dispatch", _("Dispatch")  # 派单
    SIGN = "sign", _("Sign for")  # 签收
    RETURN = "return", _("Return")  # 退单
    REASSIGN = "reassign", _("Reassign")  # 改派
    ESCALATE = "escalate", _("Escalate")  # 上报上级
    REQUEST_DELAY = "request_delay", _("Request an extension or suspension")  # 申请延期/挂起
    APPROVE_DELAY = "approve_delay", _("Approve the request")  # 批准
    DENY_DELAY = "deny_delay", _("Deny the request")  # 驳回
    RESUME = "resume", _("Resume")  # 恢复办理
    REPLY = "reply", _("Reply")  # 办理反馈
    VERIFY_PASS = "verify_pass", _("Verify: passed")  # 核查通过 → 办结
    VERIFY_FAIL = "verify_fail", _("Verify: failed, rework")  # 核查不通过 → 返工
    URGE = "urge", _("Urge")  # 督办
    RATE = "rate", _("Rate")  # 评价/回访
    REOPEN = "reopen", _("Reopen")  # 重办
    COMMENT = "comment", _("Note")  # 备注 (no state change)
    OVERDUE = "overdue", _("Deadline passed")  # written by the sweep (actor: system)
    # The grid worker's check of a resident's report (待核实), see cases.services.checking.
    CHECK_CONFIRM = "check_confirm", _("Verify on site")  # 核实 → 待受理
    CHECK_RESOLVE = "check_resolve", _("Resolve on the spot")  # 自行处置 → 已办结
    CHECK_REJECT = "check_reject", _("Reject after checking")  # 核实不予受理
    CHECK_PASS_UP = "check_pass_up", _("Pass up")  # 上报 → 待受理
    CHECK_TIMEOUT = "check_timeout", _("Not verified in time")  # by the sweep (actor: system)


class CheckRejectReason(models.TextChoices):
    """Why a grid worker does not accept a report (told to the reporter)."""

    UNTRUE = "untrue", _("Not true")  # 不属实
    DUPLICATE = "duplicate", _("Duplicate")  # 重复
    OUT_OF_SCOPE = "out_of_scope", _("Not within the scope of acceptance")  # 不属于受理范围


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASIC = "basic", _("Basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


class Source(models.TextChoices):
    PATROL = "patrol", _("Grid-worker patrol")  # 网格员巡查
    RESIDENT = "resident", _("Resident report")  # 居民上报
    HOTLINE = "hotline", _("12345 hotline")  # 12345 热线
    PHONE = "phone", _("Phone call")  # 来电
    VISIT = "visit", _("Visit")  # 来访
    HALL = "hall", _("Service hall")  # 大厅
    VIDEO = "video", _("Video / IoT")  # 视频/物联感知
    HIGHER = "higher", _("Assigned from above")  # 上级交办
    OPEN311 = "open311", _("Open311 client")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


_ALL_OPEN = frozenset(s.value for s in OPEN_STATES)
_WORKING = frozenset({Status.ASSIGNED.value, Status.IN_PROGRESS.value})
_TO_CHECK = frozenset({Status.TO_CHECK.value})
# Dispatchers and community staff may take a report over before the grid worker checked it.
_TRIAGE = frozenset({Status.TO_CHECK.value, Status.REPORTED.value})
# Resolved on the spot (自行处置) by the grid worker: the whole lifecycle at once.
ON_SPOT: tuple[str, ...] = (
    Action.ACCEPT,
    Action.DISPATCH,
    Action.SIGN,
    Action.REPLY,
    Action.VERIFY_PASS,
)


def _approved_target(case: Any) -> str | None:
    """An approved suspension stops the clock (SUSPENDED); an approved extension keeps the
    case in progress."""
    kind = (case.pending_delay or {}).get("kind")
    return None if kind == "extend" else Status.SUSPENDED.value


TRANSITIONS: dict[str, Transition] = table(
    {
        Action.CHECK_CONFIRM: Transition(_TO_CHECK, Status.REPORTED, Perm.CASE_CHECK),
        # Resolved on the spot after checking: its entry, then the on-the-spot chain.
        Action.CHECK_RESOLVE: Transition(_TO_CHECK, Status.CLOSED, Perm.CASE_CHECK, via=ON_SPOT),
        Action.CHECK_REJECT: Transition(_TO_CHECK, Status.REJECTED, Perm.CASE_CHECK),
        Action.CHECK_PASS_UP: Transition(_TO_CHECK, Status.REPORTED, Perm.CASE_CHECK),
        Action.ACCEPT: Transition(_TRIAGE, Status.ACCEPTED, Perm.CASE_TRIAGE),
        Action.REJECT: Transition(_TRIAGE, Status.REJECTED, Perm.CASE_TRIAGE),
        Action.MERGE: Transition(
            _TRIAGE | {Status.ACCEPTED.value}, Status.MERGED, Perm.CASE_TRIAGE
        ),
        # Accept and dispatch in one step; the timeline gets the two entries (accept, dispatch).
        Action.ACCEPT_DISPATCH: Transition(
            _TRIAGE, Status.ASSIGNED, Perm.CASE_TRIAGE, via=(Action.ACCEPT, Action.DISPATCH)
        ),
        Action.DISPATCH: Transition(
            frozenset({Status.ACCEPTED}), Status.ASSIGNED, Perm.CASE_TRIAGE
        ),
        Action.SIGN: Transition(frozenset({Status.ASSIGNED}), Status.IN_PROGRESS, Perm.CASE_HANDLE),
        Action.RETURN: Transition(_WORKING, Status.ACCEPTED, Perm.CASE_HANDLE),
        Action.REASSIGN: Transition(_WORKING, Status.ASSIGNED, Perm.CASE_TRIAGE),
        Action.ESCALATE: Transition(_WORKING, Status.ASSIGNED, Perm.CASE_HANDLE),
        Action.REQUEST_DELAY: Transition(
            frozenset({Status.IN_PROGRESS}), None, Perm.CASE_HANDLE, guard=no_request_pending
        ),
        # Approving a suspension moves to SUSPENDED, an extension keeps IN_PROGRESS: the target is
        # read from the pending request.
        Action.APPROVE_DELAY: Transition(
            frozenset({Status.IN_PROGRESS}), _approved_target, Perm.CASE_SUPERVISE, request_pending
        ),
        Action.DENY_DELAY: Transition(
            frozenset({Status.IN_PROGRESS}), None, Perm.CASE_SUPERVISE, guard=request_pending
        ),
        Action.RESUME: Transition(
            frozenset({Status.SUSPENDED}), Status.IN_PROGRESS, Perm.CASE_HANDLE
        ),
        Action.REPLY: Transition(
            frozenset({Status.IN_PROGRESS}), Status.RESOLVED, Perm.CASE_HANDLE
        ),
        Action.VERIFY_PASS: Transition(
            frozenset({Status.RESOLVED}), Status.CLOSED, Perm.CASE_VERIFY
        ),
        Action.VERIFY_FAIL: Transition(
            frozenset({Status.RESOLVED}), Status.IN_PROGRESS, Perm.CASE_VERIFY
        ),
        Action.URGE: Transition(_ALL_OPEN, None, Perm.CASE_SUPERVISE),
        # Rating: the reporter (no permission needed beyond being the reporter) or staff recording a
        # call-back (回访) with CASE_VERIFY; guards.py decides.
        Action.RATE: Transition(frozenset({Status.CLOSED}), Status.RATED, Perm.CASE_VERIFY),
        Action.REOPEN: Transition(
            frozenset({Status.CLOSED, Status.RATED}), Status.ASSIGNED, Perm.CASE_SUPERVISE
        ),
        Action.COMMENT: Transition(_ALL_OPEN, None, Perm.CASE_VIEW),
    }
)

_ANY = frozenset(s.value for s in Status)

# Written by the platform, never offered to a user (no permission).
SYSTEM_TRANSITIONS: dict[str, Transition] = table(
    {
        # The first entry: the report itself (the state it starts in is set on the new row).
        Action.REPORT: Transition(_ANY | {""}, None, None),
        # The surviving case's entry when another is merged into it.
        Action.MERGED_IN: Transition(_ANY, None, None),
        # The sweep: a deadline passed (a mark, no state change); a report not checked in time.
        Action.OVERDUE: Transition(_ALL_OPEN, None, None),
        Action.CHECK_TIMEOUT: Transition(_TO_CHECK, Status.REPORTED, None),
    }
)


def transition_for(action: str) -> Transition:
    return TRANSITIONS[action]


def allowed_from(action: str, status: str) -> bool:
    t = TRANSITIONS.get(action)
    return t is not None and status in t.sources


# The handling levels of the escalation ladder ("小事不出网格、大事不出社区、难事不出街道"),
# as gridgov.areas.codes.Level numbers, lowest first. A department (职能部门) handles at the
# county level.
class HandlingLevel(models.IntegerChoices):
    GRID = 6, _("Grid")
    COMMUNITY = 5, _("Community / village")
    STREET = 4, _("Street / town")
    COUNTY = 3, _("County / district")
