"""The dispute list (filtered), "my disputes" for mediators and the 综治中心's high-risk board."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.core.pagination import CappedPaginator
from gridgov.mediation.choices import OPEN_STATES
from gridgov.mediation.disputes import selectors
from gridgov.mediation.models import Dispute, Mediator
from gridgov.mediation.web.forms import DisputeFilterForm

PAGE_SIZE = 30


def require(request: HttpRequest, perm: str, message: str) -> None:
    """403 unless the user holds ``perm`` somewhere."""
    if not scoping.has_perm_anywhere(request.user, perm):
        raise HttpPermissionDenied(message)


def page_of(request: HttpRequest, qs: QuerySet[Dispute]) -> Page:
    qs = qs.select_related("type", "area", "mediator", "room")
    return CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def rows_of(page: Page) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {
            "dispute": d,
            "overdue": bool(d.overdue or (d.due_at and d.due_at < now and d.status in OPEN_STATES)),
        }
        for d in page.object_list
    ]


def _can_register(request: HttpRequest) -> bool:
    return scoping.has_perm_anywhere(request.user, Perm.MEDIATION_REPORT)


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """All disputes of the user's jurisdiction (sensitive ones only for mediation roles),
    filtered by status, risk, type and a keyword; newest first."""
    require(request, Perm.MEDIATION_VIEW, _("You hold no role that may view disputes."))
    form = DisputeFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        status = data.get("status") or None
        filters = {
            "status": [str(s) for s in OPEN_STATES] if status == "open" else status,
            "risk": data.get("risk") or None,
            "type": data.get("type"),
            "q": (data.get("q") or "").strip(),
        }
    if form.is_bound and form.errors:
        qs = Dispute.objects.none()
    else:
        qs = selectors.dispute_list(request.user, **filters)
    page = page_of(request, qs)
    return render(
        request,
        "mediation/disputes/list.html",
        {
            "form": form,
            "filtered": any(v for v in filters.values()),
            "page_obj": page,
            "rows": rows_of(page),
            "can_register": _can_register(request),
            "can_mine": scoping.has_perm_anywhere(request.user, Perm.MEDIATION_HANDLE),
            "can_board": scoping.has_perm_anywhere(request.user, Perm.MEDIATION_SUPERVISE),
            "title": _("Disputes"),
        },
    )


@login_required
def dispute_mine(request: HttpRequest) -> HttpResponse:
    """The disputes assigned to the mediator(s) linked to this account, open ones first."""
    require(request, Perm.MEDIATION_HANDLE, _("You hold no role that may mediate disputes."))
    user = request.user
    assert isinstance(user, User)
    profiles = list(Mediator.objects.filter(user=user, active=True).order_by("name"))
    # Assigned to me as mediator (the selector's "mine" also holds what I registered).
    qs = selectors.dispute_list(user, mine=True).filter(mediator__user=user)
    open_rows = rows_of(page_of(request, qs.filter(status__in=OPEN_STATES)))
    done = qs.exclude(status__in=OPEN_STATES).select_related("type", "area", "mediator", "room")
    done_rows = [{"dispute": d, "overdue": False} for d in done[:20]]
    return render(
        request,
        "mediation/disputes/mine.html",
        {
            "profiles": profiles,
            "open_rows": open_rows,
            "done_rows": done_rows,
            "can_register": _can_register(request),
            "title": _("My disputes"),
        },
    )


@login_required
def high_risk_board(request: HttpRequest) -> HttpResponse:
    """The 综治中心's board: every open red dispute of the jurisdiction, oldest first, until its
    risk is lowered or it is settled."""
    require(
        request,
        Perm.MEDIATION_SUPERVISE,
        _("Only the comprehensive governance centre and leaders see the high-risk board."),
    )
    rows = rows_of(CappedPaginator(selectors.high_risk_board(request.user), 200).get_page(1))
    return render(
        request,
        "mediation/disputes/board.html",
        {"rows": rows, "now": timezone.now(), "title": _("High-risk disputes")},
    )
