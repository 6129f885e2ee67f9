"""Dispute notifications: who hears about an action, and what the inbox line says.

Called by the services inside the action's transaction
(:func:`gridgov.notifications.services.notify` writes the inbox rows there and delivers the
external channels on commit). Titles carry the dispute number and title (typed-in phone and ID
numbers masked), never a party's personal data.

* A **high-risk** (red) dispute — registered red, or raised to red — goes at once to the
  综治中心: the dispatchers whose jurisdiction covers it (:func:`dispatchers_for`).
* An assignment, an urging and a decided extension go to the assigned mediator's account.
* An extension request and a passed deadline go to the dispatchers (and the deadline also to
  the mediator).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import Role
from gridgov.core.pii import mask_text
from gridgov.notifications import titles, topics
from gridgov.notifications.services import notify

KIND_PREFIX = "mediation."

topics.register(
    "mediation.high_risk",
    gettext_lazy("High-risk disputes"),
    ["mediation.high_risk"],
    help=gettext_lazy("A dispute of your jurisdiction is registered as, or raised to, high risk."),
)
topics.register(
    "mediation.assigned",
    gettext_lazy("Disputes to mediate"),
    ["mediation.assigned", "mediation.urged", "mediation.extension_decided"],
    help=gettext_lazy("A dispute assigned to you, urged, or your extension request decided."),
)
topics.register(
    "mediation.supervision",
    gettext_lazy("Dispute supervision"),
    ["mediation.extension_requested", "mediation.overdue"],
    help=gettext_lazy("Extension requests to decide and disputes past their deadline."),
)

TITLES: dict[str, Any] = {
    "mediation.high_risk": gettext_lazy("High-risk dispute: %(dispute)s"),
    "mediation.assigned": gettext_lazy("Dispute assigned to you: %(dispute)s"),
    "mediation.urged": gettext_lazy("Dispute urged: %(dispute)s"),
    "mediation.extension_requested": gettext_lazy("Extension requested: %(dispute)s"),
    "mediation.extension_approved": gettext_lazy("Extension approved: %(dispute)s"),
    "mediation.extension_denied": gettext_lazy("Extension refused: %(dispute)s"),
    "mediation.overdue": gettext_lazy("Mediation deadline passed: %(dispute)s"),
}
for _key, _text in TITLES.items():
    titles.register(_key, _text)


def dispute_url(dispute: Any) -> str:
    try:
        return reverse("mediation:dispute_detail", args=[dispute.pk])
    except NoReverseMatch:
        return f"/mediation/disputes/{dispute.pk}/"


def label(dispute: Any) -> str:
    """The dispute in a title: number and title, typed-in phone/ID numbers masked."""
    return f"{dispute.number} {mask_text(dispute.title)}"[:120]


def dispatchers_for(dispute: Any) -> QuerySet[User]:
    """The 综治中心: active users holding the dispatcher role at the dispute's area or above."""
    ids = [int(p) for p in dispute.area_path.split("/") if p]
    grants = RoleGrant.objects.filter(area_id__in=ids, area__is_active=True, role=Role.DISPATCHER)
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by("pk")


def mediator_users(dispute: Any) -> list[Any]:
    mediator = dispute.mediator
    if mediator is None or mediator.user_id is None:
        return []
    return [mediator.user]


def _send(
    dispute: Any,
    recipients: Iterable[Any],
    kind: str,
    body: str = "",
    *,
    actor: Any = None,
    title_key: str = "",
) -> int:
    key = title_key or KIND_PREFIX + kind
    args = {"dispute": label(dispute)}
    people = [u for u in recipients if actor is None or u.pk != getattr(actor, "pk", None)]
    return notify(
        recipients=people,
        kind=KIND_PREFIX + kind,
        title=str(TITLES[key] % args),
        title_key=key,
        title_args=args,
        body=mask_text(body),
        url=dispute_url(dispute),
        target=dispute,
    )


def high_risk(dispute: Any, *, actor: Any, reasons: str) -> int:
    return _send(dispute, dispatchers_for(dispute), "high_risk", reasons, actor=actor)


def assigned(dispute: Any, *, actor: Any, note: str) -> int:
    return _send(dispute, mediator_users(dispute), "assigned", note, actor=actor)


def urged(dispute: Any, *, actor: Any, message: str) -> int:
    return _send(dispute, mediator_users(dispute), "urged", message, actor=actor)


def extension_requested(dispute: Any, *, actor: Any, reason: str) -> int:
    return _send(dispute, dispatchers_for(dispute), "extension_requested", reason, actor=actor)


def extension_decided(dispute: Any, *, actor: Any, approved: bool, note: str) -> int:
    key = "mediation.extension_approved" if approved else "mediation.extension_denied"
    return _send(
        dispute, mediator_users(dispute), "extension_decided", note, actor=actor, title_key=key
    )


def overdue(dispute: Any) -> int:
    people = [*dispatchers_for(dispute), *mediator_users(dispute)]
    return _send(dispute, people, "overdue")
