"""/api/v1/command/alerts: the alerts of the command centre (预警).

``GET /alerts?area=&open=1`` lists the alerts of an area's subtree that you may see (COMMAND_VIEW
and the rule's own permission, e.g. case.view, at the alert's area): red first, then orange and
yellow, newest first, a page at a time. ``open=1`` only open ones, ``open=0`` only cleared ones,
without it both. ``POST /alerts/{id}/acknowledge`` marks an alert as taken up (audited).
An area or alert outside your jurisdiction is 404; without COMMAND_VIEW anywhere, 403.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.api import ErrorOut
from gridgov.command.alerts import selectors, services
from gridgov.core.pagination import COUNT_CAP, DEFAULT_PAGE_SIZE, MAX_PAGE, capped_count
from gridgov.core.params import DbId

router = Router(tags=["command"])

MAX_ALERT_PAGE_SIZE = 200


class CommandAlertAreaOut(Schema):
    id: int
    name: str


class CommandAlertOut(Schema):
    id: int
    rule: str = Field(description="The rule's key, e.g. cases.overdue_long")
    level: str = Field(description="red, orange or yellow")
    title: str
    area: CommandAlertAreaOut
    raised_at: datetime
    last_seen_at: datetime
    cleared_at: datetime | None = Field(description="When the rule stopped finding it")
    item_kind: str = Field(description="case, dispute … (empty for an area alert)")
    item_id: int | None
    acknowledged: bool
    acknowledged_at: datetime | None


class CommandAlertListOut(Schema):
    alerts: list[CommandAlertOut]
    count: int = Field(description=f"Alerts on all pages, counted to {COUNT_CAP + 1} at most.")
    capped: bool
    page: int
    page_size: int
    pages: int


class CommandAlertListIn(Schema):
    area: DbId | None = Field(None, description="Default: the top area of your jurisdiction")
    open: int | None = Field(None, ge=0, le=1, description="1: open only, 0: cleared only")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_ALERT_PAGE_SIZE)


def _actor(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, what: str) -> None:
    """403 (audited) for a caller who holds COMMAND_VIEW nowhere."""
    if not scoping.has_perm_anywhere(actor, Perm.COMMAND_VIEW):
        scoping.require(actor, Perm.COMMAND_VIEW, None, what=what)


@router.get("/alerts", response={200: CommandAlertListOut, codes_4xx: ErrorOut})
def alert_list(request: HttpRequest, params: Query[CommandAlertListIn]) -> dict[str, Any]:
    """The alerts of an area's subtree (see the module docstring)."""
    actor = _actor(request)
    _require_anywhere(actor, "alert_list")
    area = selectors.alerts_area_get(actor=actor, pk=params.area)
    open_only = None if params.open is None else bool(params.open)
    qs = selectors.alert_list(actor=actor, area=area, open_only=open_only)
    count = capped_count(qs)
    size, page = params.page_size, params.page
    offset = (page - 1) * size
    rows = list(qs[offset : offset + size]) if offset < count else []
    return {
        "alerts": [selectors.alert_as_json(a) for a in rows],
        "count": count,
        "capped": count > COUNT_CAP,
        "page": page,
        "page_size": size,
        "pages": max(1, math.ceil(count / size)),
    }


@router.post("/alerts/{alert_id}/acknowledge", response={200: CommandAlertOut, codes_4xx: ErrorOut})
def alert_acknowledge(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """Acknowledge an alert (idempotent: acknowledging it again changes nothing)."""
    alert = services.alert_acknowledge(actor=_actor(request), alert_id=alert_id)
    return selectors.alert_as_json(alert)
