"""cases: the command centre's live feed (see :class:`gridgov.command.registry.Feed`).

Every entry of the cases' timeline (``CaseEvent``) is a live event: one index range read of the
timeline's primary key (``id > cursor ORDER BY id LIMIT n``) joined to the case, its category
and its area for the label and the place. Nothing personal: the label is the action, the
category and the case number — never a title, description, name, phone or address.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.cases.models import CaseEvent
from gridgov.cases.states import Action
from gridgov.command.registry import Feed, LiveEvent, register_feed

FEED = "cases"

_FIELDS = (
    "id",
    "at",
    "action",
    "case_id",
    "case__number",
    "case__area_path",
    "case__lat",
    "case__lon",
    "case__category__name",
    "case__area__center_lat",
    "case__area__center_lon",
)


def action_text(action: str) -> str:
    """The action as the live list shows it (a new report reads "新上报")."""
    if action == Action.REPORT:
        return _("New report")
    return str(Action(action).label) if action in Action.values else action


def after(cursor: int, limit: int) -> list[LiveEvent]:
    rows = (
        CaseEvent.objects.filter(id__gt=cursor)
        .order_by("id")
        .values_list(*_FIELDS)[: max(0, limit)]
    )
    events = []
    for pk, at, action, case_id, number, path, lat, lon, category, c_lat, c_lon in rows:
        if lat is None or lon is None:
            lat, lon = c_lat, c_lon
        events.append(
            LiveEvent(
                feed=FEED,
                cursor=pk,
                at=at,
                area_path=path,
                action=action,
                label=" · ".join(p for p in (action_text(action), category or "", number) if p),
                item_kind="case",
                item_id=case_id,
                lat=lat,
                lng=lon,
            )
        )
    return events


def head() -> int:
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


register_feed(Feed(key=FEED, perm=Perm.CASE_VIEW, after=after, head=head))
