"""``{% load mediation_web %}{% mediation_home_card %}``: the home page's mediation card — the
disputes waiting for acceptance, the open high-risk ones and "my disputes", each for the roles
that act on them (nothing for users without ``mediation.view``)."""

from __future__ import annotations

from typing import Any

from django import template

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.mediation.choices import OPEN_STATES, Status

register = template.Library()


@register.inclusion_tag("mediation/home/card.html", takes_context=True)
def mediation_home_card(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not scoping.has_perm_anywhere(user, Perm.MEDIATION_VIEW):
        return {"show": False}
    from gridgov.mediation.disputes import selectors

    items: list[dict[str, Any]] = []
    if scoping.has_perm_anywhere(user, Perm.MEDIATION_TRIAGE):
        items.append(
            {
                "key": "to_accept",
                "count": selectors.dispute_list(user, status=Status.REGISTERED).count(),
                "query": "?status=registered",
            }
        )
    if scoping.has_perm_anywhere(user, Perm.MEDIATION_HANDLE):
        items.append(
            {
                "key": "mine",
                "count": selectors.dispute_list(user, mine=True)
                .filter(mediator__user=user, status__in=OPEN_STATES)
                .count(),
            }
        )
    if scoping.has_perm_anywhere(user, Perm.MEDIATION_SUPERVISE):
        items.append({"key": "board", "count": selectors.high_risk_board(user).count()})
    return {
        "show": True,
        "items": items,
        "can_register": scoping.has_perm_anywhere(user, Perm.MEDIATION_REPORT),
        "links": mediation_links(user),
    }


@register.simple_tag(takes_context=True)
def mediation_section_links(context: template.Context) -> dict[str, Any]:
    """The other mediation pages the signed-in user may open (screening, figures,
    organisations, templates), for the home card and the disputes page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return mediation_links(user) if user is not None else {}


def mediation_links(user: Any) -> dict[str, Any]:
    from gridgov.mediation.screening import selectors as screening

    report = scoping.has_perm_anywhere(user, Perm.MEDIATION_REPORT)
    return {
        # Grid workers (and whoever files returns): their returns, with how many are due.
        "screening_mine": report,
        "screening_pending": (
            screening.my_returns(user, pending_only=True).count() if report else 0
        ),
        # Community, street and the 综治中心: coverage of the rounds.
        "screening_rounds": scoping.has_perm_anywhere(user, Perm.MEDIATION_TRIAGE)
        or scoping.has_perm_anywhere(user, Perm.MEDIATION_SUPERVISE),
        "numbers": scoping.has_perm_anywhere(user, Perm.VIEW_STATS),
        "orgs": True,
        "templates": scoping.has_perm_anywhere(user, Perm.MEDIATION_MANAGE),
    }
