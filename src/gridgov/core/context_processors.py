from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the navigation the user's roles allow."""
    user = getattr(request, "user", None)
    nav: dict[str, bool] = {}
    if user is not None and user.is_authenticated:
        nav = {
            "areas": scoping.has_perm_anywhere(user, Perm.VIEW_AREA),
            "users": scoping.has_perm_anywhere(user, Perm.MANAGE_USERS),
            "audit": scoping.has_perm_anywhere(user, Perm.VIEW_AUDIT),
            "admin": bool(user.is_staff),
            "cases": scoping.has_perm_anywhere(user, Perm.CASE_VIEW),
            "report": scoping.has_perm_anywhere(user, Perm.CASE_REPORT),
            "import": scoping.has_perm_anywhere(user, Perm.CASE_IMPORT),
            "stats": scoping.has_perm_anywhere(user, Perm.VIEW_STATS),
            "calendar": scoping.has_perm_anywhere(user, Perm.MANAGE_CONFIG),
            "rosters": scoping.has_perm_anywhere(user, Perm.ROSTER_VIEW),
            "roster_import": scoping.has_perm_anywhere(user, Perm.ROSTER_EDIT),
            "party": scoping.has_perm_anywhere(user, Perm.PARTY_VIEW),
            "mediation": scoping.has_perm_anywhere(user, Perm.MEDIATION_VIEW),
            "command": scoping.has_perm_anywhere(user, Perm.COMMAND_VIEW),
        }
    return {
        "nav": nav,
        "gridgov_tile_url": settings.GRIDGOV_TILE_URL,
        "gridgov_tile_attribution": settings.GRIDGOV_TILE_ATTRIBUTION,
        "gridgov_idle_minutes": settings.GRIDGOV_IDLE_TIMEOUT_MINUTES,
    }
