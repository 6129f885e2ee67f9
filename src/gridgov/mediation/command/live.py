"""mediation: the command centre's live feed (see :class:`gridgov.command.registry.Feed`).

Every entry of the disputes' timeline (``DisputeEvent``) is a live event: one index range read
of its primary key joined to the dispute, its type and its area. The label is the action, the
dispute type and the number (nothing personal). A sensitive dispute's events carry
``perm=mediation.sensitive``: the stream shows them only to viewers holding it there.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.command.registry import Feed, LiveEvent, register_feed
from gridgov.mediation.disputes.states import Action
from gridgov.mediation.disputes.workflow import action_label
from gridgov.mediation.models import DisputeEvent

FEED = "disputes"

_FIELDS = (
    "id",
    "at",
    "action",
    "dispute_id",
    "dispute__number",
    "dispute__area_path",
    "dispute__sensitive",
    "dispute__type__name",
    "dispute__area__center_lat",
    "dispute__area__center_lon",
)


def action_text(action: str) -> str:
    """The action as the live list shows it (a new dispute reads "新登记")."""
    if action == Action.REGISTER:
        return _("New dispute")
    return action_label(action)


def after(cursor: int, limit: int) -> list[LiveEvent]:
    rows = (
        DisputeEvent.objects.filter(id__gt=cursor)
        .order_by("id")
        .values_list(*_FIELDS)[: max(0, limit)]
    )
    return [
        LiveEvent(
            feed=FEED,
            cursor=pk,
            at=at,
            area_path=path,
            action=action,
            label=" · ".join(p for p in (action_text(action), kind or "", number) if p),
            item_kind="dispute",
            item_id=dispute_id,
            lat=lat,
            lng=lon,
            perm=Perm.MEDIATION_SENSITIVE if sensitive else "",
        )
        for pk, at, action, dispute_id, number, path, sensitive, kind, lat, lon in rows
    ]


def head() -> int:
    return DisputeEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


register_feed(Feed(key=FEED, perm=Perm.MEDIATION_VIEW, after=after, head=head))
