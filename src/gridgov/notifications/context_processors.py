from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from gridgov.notifications.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """``inbox_unread``: the signed-in user's unread notification count, for the header badge.

    One COUNT query on the inbox index, made lazily: only when a template uses the value
    (so htmx fragments and error pages that never show the badge cost nothing).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(actor=user))}
