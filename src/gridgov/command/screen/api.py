"""/api/v1/command/notify: "notify the grid worker" from the screen's side panel.

``POST {"item_kind": "case", "item_id": 5, "message": "请立即到现场核实"}`` sends the message to
the inbox of the grid workers of the item's grid (``command.view`` and the item's own
permission; an item outside the jurisdiction is 404, one in no grid or in a grid without a
grid worker 409 ``no_grid_worker``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import ngettext
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.command.screen.services import MESSAGE_MAX, notify_grid_worker
from gridgov.core.params import DbId
from gridgov.core.schemas import ErrorOut

router = Router(tags=["command"])


class NotifyIn(Schema):
    item_kind: str = Field(max_length=40, description="An item source key: case, dispute …")
    item_id: DbId
    message: str = Field(
        max_length=2000,
        description=f"What the grid worker should do (at most {MESSAGE_MAX} characters)",
    )


class NotifyGrid(Schema):
    id: int
    name: str


class NotifyOut(Schema):
    grid: NotifyGrid
    recipients: int = Field(description="How many grid workers got the message in their inbox")
    message: str = Field(description="What happened, in the caller's language")


@router.post(
    "/notify",
    response={200: NotifyOut, codes_4xx: ErrorOut},
)
def command_notify(request: HttpRequest, payload: NotifyIn) -> dict[str, Any]:
    """Notify the grid workers of an item's grid (side panel of the screen)."""
    notice = notify_grid_worker(
        actor=getattr(request, "auth", None),
        item_kind=payload.item_kind,
        item_id=payload.item_id,
        message=payload.message,
    )
    text = ngettext(
        "%(count)d grid worker of %(grid)s has been notified.",
        "%(count)d grid workers of %(grid)s have been notified.",
        notice.recipients,
    ) % {"count": notice.recipients, "grid": notice.grid.name}
    return {
        "grid": {"id": notice.grid.pk, "name": notice.grid.name},
        "recipients": notice.recipients,
        "message": text,
    }
