"""Reads of the dispute register, all scoped through ``Dispute.objects.visible_to`` (the
jurisdiction, and ``mediation.sensitive`` for sensitive disputes): a dispute outside is
NotFound, exactly as one that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from gridgov.accounts import scoping
from gridgov.kernel.timeline import TimelineRow, present_timeline
from gridgov.mediation.choices import OPEN_STATES, Risk
from gridgov.mediation.disputes.workflow import DISPUTES
from gridgov.mediation.models import Dispute, DisputeEvent

# The actions a user may be offered, in the order a page shows them.
OFFERED: tuple[str, ...] = (
    "accept",
    "refer",
    "assign",
    "session",
    "agree",
    "fail",
    "withdraw",
    "follow_up",
    "close",
    "set_risk",
    "add_party",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "urge",
)

_RELATED = ("type", "area", "room", "mediator")


def dispute_list(
    user: Any,
    *,
    status: str | list[str] | None = None,
    risk: str | None = None,
    type: Any = None,
    q: str = "",
    mine: bool = False,
    area: Any = None,
    overdue: bool | None = None,
) -> QuerySet[Dispute]:
    """The disputes ``user`` may see, newest first. ``status``: one state or a list; ``type``: a
    DisputeType or its id; ``q``: an exact number or part of the title or place; ``mine``: those
    assigned to the user as mediator or registered by them; ``area``: within that area."""
    qs = Dispute.objects.visible_to(user).select_related(*_RELATED)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if risk:
        qs = qs.filter(risk=risk)
    if type is not None:
        qs = qs.filter(type_id=getattr(type, "pk", type))
    if area is not None:
        from gridgov.areas.selectors import subtree_q

        qs = qs.filter(subtree_q(area.path, field="area_path"))
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(number=text.upper()) | Q(title__icontains=text) | Q(place__icontains=text))
    if mine:
        pk = getattr(user, "pk", None)
        qs = qs.filter(Q(mediator__user_id=pk) | Q(registered_by_id=pk))
    return qs.order_by("-registered_at", "-id")


def dispute_get(user: Any, pk: Any, action: str = "view") -> Dispute:
    """One dispute ``user`` may ``action`` (NotFound outside the jurisdiction, or a sensitive
    dispute without ``mediation.sensitive``)."""
    qs: Any = Dispute.objects.select_related(*_RELATED, "registered_by", "mediator__user")
    dispute: Dispute = qs.get_visible(user, action, pk)
    return dispute


def dispute_events(dispute: Dispute) -> QuerySet[DisputeEvent]:
    return (
        DisputeEvent.objects.filter(dispute=dispute)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def _actor_label(name: str) -> str:
    from django.utils.translation import gettext as _

    return _("System") if name == "system" else name


def dispute_timeline(user: Any, dispute: Dispute) -> list[TimelineRow]:
    """The dispute's timeline as the kernel renders it (web and API alike)."""
    return present_timeline(
        dispute_events(dispute),
        actor_label=_actor_label,
        attachments=lambda e: list(e.attachments.all()),
    )


def high_risk_board(user: Any) -> QuerySet[Dispute]:
    """Open red disputes in the user's jurisdiction, oldest first (they stay until their risk
    is lowered or they end)."""
    return (
        Dispute.objects.visible_to(user)
        .filter(risk=Risk.RED, status__in=[str(s) for s in OPEN_STATES])
        .select_related(*_RELATED)
        .order_by("registered_at", "id")
    )


def dispute_actions(user: Any, dispute: Dispute) -> list[str]:
    """The actions ``user`` may take on ``dispute`` now, in display order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return DISPUTES.allowed(dispute, user, OFFERED, now=timezone.now())


def can_see(user: Any, dispute: Dispute) -> bool:
    return scoping.is_global(user) or dispute.allows(user, Dispute.perm_for("view"))
