"""The dispute lifecycle as a table the server enforces (the kernel's
:class:`~gridgov.kernel.workflow.Transition`, declared as the disputes workflow in
:mod:`gridgov.mediation.disputes.workflow`).

::

    registered ─accept─▶ accepted ─assign─▶ assigned ─session─▶ mediating
       │ refer                                  │  agree ▶ agreed ─follow_up…─close─▶ closed
       ▼                                        │  fail  ▶ failed ──────────close─▶ closed
    referred            withdraw (any open state before the outcome) ▶ withdrawn ─close─▶ closed

Every action names the states it may start from, the state it leads to (``None``: the state
does not change), the permission (:class:`gridgov.accounts.roles.Perm`) to hold at the
dispute's area and its precondition beyond the state (a guard). The services take the target
from the table (:func:`gridgov.kernel.workflow.apply_transition`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.core.errors import Code, Conflict, DomainError
from gridgov.kernel.workflow.table import Transition, states, table
from gridgov.mediation.choices import OPEN_STATES, Status


class Action(models.TextChoices):
    REGISTER = "register", pgettext_lazy("dispute action", "Register")  # 登记
    ACCEPT = "accept", pgettext_lazy("dispute action", "Accept")  # 受理
    REFER = "refer", pgettext_lazy("dispute action", "Refer elsewhere")  # 不予受理 · 移交
    ASSIGN = "assign", pgettext_lazy("dispute action", "Assign a mediator")  # 指派
    SESSION = "session", pgettext_lazy("dispute action", "Record a session")  # 调解
    AGREE = "agree", pgettext_lazy("dispute action", "Agreement reached")  # 调解成功
    FAIL = "fail", pgettext_lazy("dispute action", "No agreement")  # 调解不成
    WITHDRAW = "withdraw", pgettext_lazy("dispute action", "Withdrawn")  # 撤回
    FOLLOW_UP = "follow_up", pgettext_lazy("dispute action", "Follow-up visit")  # 回访
    CLOSE = "close", pgettext_lazy("dispute action", "Close")  # 结案
    SET_RISK = "set_risk", pgettext_lazy("dispute action", "Change the risk level")  # 风险等级
    ADD_PARTY = "add_party", pgettext_lazy("dispute action", "Add a party")  # 增加当事人
    REQUEST_EXTENSION = (
        "request_extension",
        pgettext_lazy("dispute action", "Request an extension"),
    )  # 申请延期
    APPROVE_EXTENSION = (
        "approve_extension",
        pgettext_lazy("dispute action", "Approve the extension"),
    )  # 批准延期
    DENY_EXTENSION = (
        "deny_extension",
        pgettext_lazy("dispute action", "Refuse the extension"),
    )  # 驳回延期
    URGE = "urge", pgettext_lazy("dispute action", "Urge")  # 督办
    OVERDUE = (
        "overdue",
        pgettext_lazy("dispute action", "Deadline passed"),
    )  # by the sweep (actor: system)


# The outcome an action records (Dispute.outcome).
OUTCOME_OF = {
    Action.AGREE.value: "agreement",
    Action.FAIL.value: "no_agreement",
    Action.WITHDRAW.value: "withdrawn",
}
ACTION_OF_OUTCOME = {v: k for k, v in OUTCOME_OF.items()}

_OPEN = states(OPEN_STATES)
# The mediation clock runs from acceptance to the outcome.
CLOCK_STATES = states({Status.ACCEPTED, Status.ASSIGNED, Status.MEDIATING})
_BEFORE_OUTCOME = states({Status.REGISTERED}) | CLOCK_STATES
_MEDIATING = states({Status.ASSIGNED, Status.MEDIATING})
_DONE = states({Status.AGREED, Status.FAILED, Status.WITHDRAWN})


def _no_extension_pending(dispute: Any, now: datetime | None) -> DomainError | None:
    if dispute.pending_extension:
        return Conflict(
            _("An extension request for dispute %(number)s is already waiting for a decision.")
            % {"number": dispute.number},
            code=Code.DELAY_PENDING,
        )
    return None


def _extension_pending(dispute: Any, now: datetime | None) -> DomainError | None:
    if not dispute.pending_extension:
        return Conflict(
            _("Dispute %(number)s has no extension request to decide.")
            % {"number": dispute.number},
            code=Code.NO_DELAY_REQUEST,
        )
    return None


def _followed_up(dispute: Any, now: datetime | None) -> DomainError | None:
    """An agreement is closed only after a follow-up visit recorded how it is performed."""
    if dispute.status == Status.AGREED and not dispute.performance:
        return Conflict(
            _(
                "Dispute %(number)s can be closed after a follow-up visit has recorded how the "
                "agreement is performed."
            )
            % {"number": dispute.number},
            code=Code.FOLLOW_UP_REQUIRED,
        )
    return None


def _assign_target(dispute: Any) -> str:
    return Status.MEDIATING.value if dispute.status == Status.MEDIATING else Status.ASSIGNED.value


TRANSITIONS: dict[str, Transition] = table(
    {
        Action.ACCEPT: Transition(
            states({Status.REGISTERED}), Status.ACCEPTED, Perm.MEDIATION_TRIAGE
        ),
        Action.REFER: Transition(
            states({Status.REGISTERED}), Status.REFERRED, Perm.MEDIATION_TRIAGE
        ),
        # Assigning again (another room or mediator) keeps a mediating dispute where it is.
        Action.ASSIGN: Transition(
            states({Status.ACCEPTED, Status.ASSIGNED, Status.MEDIATING}),
            _assign_target,
            Perm.MEDIATION_TRIAGE,
        ),
        Action.SESSION: Transition(_MEDIATING, Status.MEDIATING, Perm.MEDIATION_HANDLE),
        Action.AGREE: Transition(_MEDIATING, Status.AGREED, Perm.MEDIATION_HANDLE),
        Action.FAIL: Transition(_MEDIATING, Status.FAILED, Perm.MEDIATION_HANDLE),
        Action.WITHDRAW: Transition(_BEFORE_OUTCOME, Status.WITHDRAWN, Perm.MEDIATION_HANDLE),
        Action.FOLLOW_UP: Transition(states({Status.AGREED}), None, Perm.MEDIATION_HANDLE),
        Action.CLOSE: Transition(_DONE, Status.CLOSED, Perm.MEDIATION_HANDLE, guard=_followed_up),
        Action.SET_RISK: Transition(_OPEN, None, Perm.MEDIATION_TRIAGE),
        Action.ADD_PARTY: Transition(_BEFORE_OUTCOME, None, Perm.MEDIATION_REPORT),
        Action.REQUEST_EXTENSION: Transition(
            CLOCK_STATES, None, Perm.MEDIATION_HANDLE, guard=_no_extension_pending
        ),
        Action.APPROVE_EXTENSION: Transition(
            CLOCK_STATES, None, Perm.MEDIATION_SUPERVISE, guard=_extension_pending
        ),
        Action.DENY_EXTENSION: Transition(
            CLOCK_STATES, None, Perm.MEDIATION_SUPERVISE, guard=_extension_pending
        ),
        Action.URGE: Transition(_OPEN, None, Perm.MEDIATION_SUPERVISE),
    }
)

_ANY = states(Status.values)

# Written by the platform, never offered to a user (no permission).
SYSTEM_TRANSITIONS: dict[str, Transition] = table(
    {
        # The first entry: the registration itself (the new row starts REGISTERED).
        Action.REGISTER: Transition(_ANY | {""}, None, None),
        # The sweep: the mediation deadline passed (a mark, no state change).
        Action.OVERDUE: Transition(CLOCK_STATES, None, None),
    }
)
