"""cases: what the live map shows (see gridgov.command.registry) — grids coloured by the
case stock (open, overdue, waiting to be accepted or dispatched …, read from the counters),
the open cases with a location as markers, and a case in the side panel with the actions a
command centre takes from a screen."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.cases import guards, public
from gridgov.cases import selectors as case_selectors
from gridgov.cases.actions import ACTIONS
from gridgov.cases.models import Case
from gridgov.cases.states import OPEN_STATES, Action, Status
from gridgov.command.registry import (
    ItemSource,
    MapMeasure,
    MarkerLayer,
    Scope,
    register_item_source,
    register_map_measure,
    register_marker_layer,
)
from gridgov.core.errors import NotFound
from gridgov.core.pii import mask_text
from gridgov.kernel.timeline import present_timeline

# What a 综治中心 does from the screen: accept and dispatch, reassign, urge. Everything else
# (signing for, replying, verifying …) is the handling unit's work on the desk pages.
SCREEN_ACTIONS: tuple[str, ...] = (
    Action.ACCEPT_DISPATCH,
    Action.ACCEPT,
    Action.DISPATCH,
    Action.REASSIGN,
    Action.ESCALATE,
    Action.URGE,
)
# The side panel shows the newest entries of a long timeline.
TIMELINE_MAX = 100

_OPEN = sorted(str(s) for s in OPEN_STATES)


for _measure in (
    MapMeasure("cases.open", gettext_lazy("Open cases"), Perm.CASE_VIEW, "cases", "open", 10),
    MapMeasure(
        "cases.overdue", gettext_lazy("Overdue cases"), Perm.CASE_VIEW, "cases", "overdue", 20
    ),
    MapMeasure(
        "cases.to_accept",
        gettext_lazy("Cases to accept"),
        Perm.CASE_VIEW,
        "cases",
        f"status:{Status.REPORTED}",
        30,
    ),
    MapMeasure(
        "cases.to_dispatch",
        gettext_lazy("Cases to dispatch"),
        Perm.CASE_VIEW,
        "cases",
        f"status:{Status.ACCEPTED}",
        40,
    ),
    MapMeasure(
        "cases.to_verify",
        gettext_lazy("Cases to verify on site"),
        Perm.CASE_VIEW,
        "cases",
        f"status:{Status.TO_CHECK}",
        50,
    ),
):
    register_map_measure(_measure)


def case_points(
    scope: Scope, bbox: tuple[float, float, float, float] | None, limit: int
) -> list[dict[str, Any]]:
    """The newest open cases with a location in the scope's area (and the box) that the viewer
    may see: id, number, category, status and location — no title, address or reporter."""
    qs = case_selectors.case_list_for(actor=scope.actor, status=_OPEN, area=scope.area).filter(
        lon__isnull=False, lat__isnull=False
    )
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        qs = qs.filter(lon__gte=x0, lon__lte=x1, lat__gte=y0, lat__lte=y1)
    labels = dict(Status.choices)
    rows = qs.values(
        "id",
        "number",
        "status",
        "lon",
        "lat",
        "reported_at",
        "category__name",
        "sign_overdue",
        "handle_overdue",
    )[:limit]
    return [
        {
            "kind": "case",
            "id": r["id"],
            "lat": round(r["lat"] or 0.0, 6),
            "lng": round(r["lon"] or 0.0, 6),
            "label": f"{r['category__name']} {r['number']}",
            "number": r["number"],
            "category": r["category__name"],
            "status": r["status"],
            "status_label": str(labels.get(r["status"], r["status"])),
            "overdue": bool(r["sign_overdue"] or r["handle_overdue"]),
            "at": r["reported_at"].isoformat(),
        }
        for r in rows
    ]


register_marker_layer(
    MarkerLayer(key="cases", title=gettext_lazy("Cases"), perm=Perm.CASE_VIEW, points=case_points)
)


def _actions(case: Case, actor: Any) -> list[dict[str, Any]]:
    allowed = set(guards.allowed_actions(case=case, user=actor))
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
                "api": f"/api/v1/cases/{case.pk}/actions/{action}",
                "fields": list(spec.api_fields),
            }
        )
    return out


def case_detail(actor: Any, pk: int) -> dict[str, Any]:
    """A case for the side panel, as the case API masks it (typed-in phone and ID numbers
    masked, no reporter); NotFound unless the viewer sees it with case.view (a reporter's own
    case is no business of the command centre)."""
    case = case_selectors.case_get_for(actor=actor, pk=pk)
    if not guards.in_jurisdiction(actor, Perm.CASE_VIEW, case):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    entries = list(case_selectors.case_timeline(case=case))[-TIMELINE_MAX:]
    rows = present_timeline(entries, reporter_id=case.reporter_id, actor_label=public.actor_label)
    return {
        "kind": "case",
        "id": case.pk,
        "number": case.number,
        "title": mask_text(case.title),
        "category": case.category.name,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "overdue": bool(case.sign_overdue or case.handle_overdue),
        "version": case.version,
        "area": {"id": case.area_id, "name": case.area.name},
        "lat": case.lat,
        "lng": case.lon,
        "at": case.reported_at.isoformat(),
        "url": reverse("cases:detail", args=[case.pk]),
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
        "actions": _actions(case, actor),
    }


register_item_source(ItemSource(key="case", perm=Perm.CASE_VIEW, detail=case_detail))
