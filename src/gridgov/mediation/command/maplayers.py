"""mediation: what the live map shows (see gridgov.command.registry) — grids coloured by the
dispute stock (high-risk open, open, overdue, read from the counters) and a dispute in the side
panel with the actions a command centre takes from a screen.

Disputes carry no location of their own (only the grid where they arose), so there is no
marker layer: the grid colours show them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.command.registry import (
    ItemSource,
    MapMeasure,
    register_item_source,
    register_map_measure,
)
from gridgov.core.pii import mask_text
from gridgov.mediation.disputes import selectors
from gridgov.mediation.disputes.actions import ACTIONS
from gridgov.mediation.disputes.states import Action
from gridgov.mediation.numbers.counting import KIND_NAME

# What a 综治中心 does from the screen: accept, assign a mediator, raise or lower the risk,
# urge. Sessions, agreements and follow-up visits are the mediators' work on the desk pages.
SCREEN_ACTIONS: tuple[str, ...] = (Action.ACCEPT, Action.ASSIGN, Action.SET_RISK, Action.URGE)
TIMELINE_MAX = 100

_VIEW = Perm.MEDIATION_VIEW
register_map_measure(
    MapMeasure(
        "disputes.high_risk_open",
        gettext_lazy("High-risk disputes"),
        _VIEW,
        KIND_NAME,
        "high_risk_open",
        60,
    )
)
register_map_measure(
    MapMeasure("disputes.open", gettext_lazy("Open disputes"), _VIEW, KIND_NAME, "open", 70)
)
register_map_measure(
    MapMeasure(
        "disputes.overdue", gettext_lazy("Overdue disputes"), _VIEW, KIND_NAME, "overdue", 80
    )
)


def _actions(dispute: Any, actor: Any) -> list[dict[str, Any]]:
    allowed = set(selectors.dispute_actions(actor, dispute))
    out = []
    for action in SCREEN_ACTIONS:
        spec = ACTIONS.get(action)
        if action not in allowed or spec is None or spec.api is None:
            continue
        out.append(
            {
                "action": str(action),
                "label": str(Action(action).label),
                "method": "POST",
                "api": f"/api/v1/mediation/disputes/{dispute.pk}/actions/{action}",
                "fields": list(spec.api_fields),
            }
        )
    return out


def dispute_detail(actor: Any, pk: int) -> dict[str, Any]:
    """A dispute for the side panel, masked as the dispute API masks it (no parties); NotFound
    outside the jurisdiction, and for a sensitive dispute without ``mediation.sensitive``."""
    dispute = selectors.dispute_get(actor, pk)
    rows = selectors.dispute_timeline(actor, dispute)[-TIMELINE_MAX:]
    return {
        "kind": "dispute",
        "id": dispute.pk,
        "number": dispute.number,
        "title": mask_text(dispute.title),
        "category": dispute.type.name,
        "status": dispute.status,
        "status_label": str(dispute.get_status_display()),
        "risk": dispute.risk,
        "risk_label": str(dispute.get_risk_display()),
        "overdue": bool(dispute.overdue),
        "version": dispute.version,
        "area": {"id": dispute.area_id, "name": dispute.area.name},
        "lat": None,
        "lng": None,
        "at": dispute.registered_at.isoformat(),
        "url": reverse("mediation:dispute_detail", args=[dispute.pk]),
        "timeline": [
            {
                "at": row.at.isoformat(),
                "actor": row.who,
                "action": row.action,
                "action_label": row.action_label,
                "text": mask_text(row.text),
            }
            for row in rows
        ],
        "actions": _actions(dispute, actor),
    }


register_item_source(ItemSource(key="dispute", perm=Perm.MEDIATION_VIEW, detail=dispute_detail))
