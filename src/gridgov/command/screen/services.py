"""Writes of the screen: "notify the grid worker" from the side panel.

The dispatcher looking at an item (a case, a dispute …) on the screen sends a short message to
the grid workers of the item's grid: into their inbox, with a link to the item, and an entry in
the audit log. The item is read through its module's :class:`~gridgov.command.registry.ItemSource`,
which refuses (NotFound) an item outside the actor's jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm, Role
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.command import registry
from gridgov.command.screen import notify as topic
from gridgov.core.errors import Code, Conflict, NotFound, ValidationFailed
from gridgov.notifications.services import notify

MESSAGE_MAX = 500


@dataclass(frozen=True)
class Notice:
    """What :func:`notify_grid_worker` did: the grid and how many grid workers it reached."""

    grid: Area
    recipients: int


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


def _item_area(detail: dict[str, Any]) -> Area:
    """The area an item lies in, from its ItemSource detail (``area``: ``{"id", "name"}``)."""
    area = detail.get("area")
    area_id = area.get("id") if isinstance(area, dict) else detail.get("area_id")
    if not isinstance(area_id, int):
        raise _not_found()
    found = Area.objects.filter(pk=area_id).defer("geometry").first()
    if found is None:
        raise _not_found()
    return found


def notify_grid_worker(*, actor: Any, item_kind: str, item_id: int, message: str) -> Notice:
    """Send ``message`` to the inbox of the active grid workers of the grid the item lies in.

    Needs ``command.view`` (PermissionDenied without it anywhere) and the item source's own
    permission at the item's area; an unknown kind or an item outside the actor's jurisdiction
    is NotFound. An item in no grid, or a grid without an active grid worker, is a Conflict
    (``no_grid_worker``) that says so."""
    text = (message or "").strip()
    if not text:
        msg = _("Write a message for the grid worker.")
        raise ValidationFailed(msg, fields={"message": msg})
    if len(text) > MESSAGE_MAX:
        msg = _("The message may be at most %(max)d characters.") % {"max": MESSAGE_MAX}
        raise ValidationFailed(msg, fields={"message": msg})
    if not scoping.has_perm_anywhere(actor, Perm.COMMAND_VIEW):
        scoping.require(actor, Perm.COMMAND_VIEW, None, what="command.notify_grid_worker")
    try:
        source = registry.item_sources.get(item_kind)
    except KeyError:
        raise _not_found() from None
    with transaction.atomic():
        detail = source.detail(actor, item_id)
        area = _item_area(detail)
        if not (
            scoping.can(actor, Perm.COMMAND_VIEW, area) and scoping.can(actor, source.perm, area)
        ):
            raise _not_found()
        if area.level != Level.GRID:
            raise Conflict(
                _("This item lies in no grid: there is no grid worker to notify."),
                code=Code.NO_GRID_WORKER,
            )
        workers = list(
            User.objects.filter(
                grants__area=area, grants__role=Role.GRID_WORKER, is_active=True
            ).distinct()
        )
        if not workers:
            raise Conflict(
                _("The grid %(grid)s has no grid worker on duty to notify.") % {"grid": area.name},
                code=Code.NO_GRID_WORKER,
            )
        label = str(detail.get("number") or detail.get("title") or f"{item_kind} {item_id}")
        url = detail.get("url") or ""
        sent = notify(
            recipients=workers,
            kind=topic.KIND,
            title=str(topic.TITLE) % {"item": label},
            body=text,
            url=url if isinstance(url, str) and url.startswith("/") else "",
            title_key=topic.KIND,
            title_args={"item": label},
        )
        audit_record(
            event=Event.GRID_WORKER_NOTIFIED,
            actor=actor,
            target=area,
            area=area,
            detail={"item_kind": item_kind, "item_id": item_id, "recipients": sent},
        )
    return Notice(grid=area, recipients=sent)
