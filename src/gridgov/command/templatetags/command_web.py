"""``{% load command_web %}{% command_home_card %}``: the home page's card that opens the command
centre screen (and its phone view) for the roles holding ``command.view``."""

from __future__ import annotations

from typing import Any

from django import template

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm

register = template.Library()


@register.inclusion_tag("command/screen/home_card.html", takes_context=True)
def command_home_card(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(
        user is not None
        and user.is_authenticated
        and scoping.has_perm_anywhere(user, Perm.COMMAND_VIEW)
    )
    return {"show": show}
