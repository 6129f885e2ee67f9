"""登记矛盾纠纷: the register form, its parties added in place (no script needed: "another
party" posts the form back with one more empty row)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_list_for
from gridgov.core import errors
from gridgov.core.views import domain_errors
from gridgov.mediation.disputes import services
from gridgov.mediation.web.forms import DisputeRegisterForm, party_formset
from gridgov.mediation.web.views.lists import require

AREA_PICKER_MAX = 400
_PARTY_FIELD = re.compile(r"^parties?[.\[_]?(\d+)\]?[._]?(\w+)$")


def area_choices(user: Any) -> list[tuple[int, str]]:
    """Where the user may register disputes, grids included, in tree order, indented."""
    base = area_list_for(actor=user, perm=Perm.MEDIATION_REPORT).filter(
        is_active=True, level__lte=Level.GRID
    )
    rows = list(base.order_by("code").only("id", "name", "level", "depth")[:AREA_PICKER_MAX])
    top = min((a.depth for a in rows), default=0)
    return [(a.pk, "\u3000" * (a.depth - top) + a.name) for a in rows]


def place_error(form: Any, parties: Any, exc: errors.DomainError) -> None:
    """A service's error on the field it names: a fact of the dispute, a party's field
    (``parties.0.id_number`` and the like), or else at the top of the form."""
    placed = False
    for name, message in exc.fields.items():
        match = _PARTY_FIELD.match(name)
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
        elif match and int(match.group(1)) < len(parties.forms):
            party = parties.forms[int(match.group(1))]
            field = match.group(2) if match.group(2) in party.fields else None
            party.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _party_rows(parties: Any) -> list[Any]:
    return [
        services.PartyIn(
            name=p.cleaned_data["name"].strip(),
            role=p.cleaned_data.get("role") or "applicant",
            id_number=p.cleaned_data.get("id_number") or "",
            phone=(p.cleaned_data.get("phone") or "").strip(),
            address=(p.cleaned_data.get("address") or "").strip(),
        )
        for p in parties.forms
        if p.cleaned_data.get("name")
    ]


@never_cache
@login_required
@domain_errors
def dispute_register(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(request, Perm.MEDIATION_REPORT, _("You hold no role that may register disputes."))
    choices = area_choices(user)
    status = 200
    if request.method == "POST":
        form = DisputeRegisterForm(request.POST, areas=choices)
        adding = "add_party" in request.POST
        parties = party_formset(request.POST, add=adding)
        if adding:
            form = DisputeRegisterForm(request.POST, areas=choices, quiet=True)
        elif form.is_valid() and parties.is_valid():
            data = form.cleaned_data
            area = Area.objects.get(pk=data["area"])
            try:
                dispute = services.dispute_register(
                    actor=user,
                    area=area,
                    type=data["type"],
                    title=data["title"].strip(),
                    summary=data["summary"],
                    place=data["place"],
                    amount=data["amount"],
                    risk=data["risk"],
                    risk_reasons=data["risk_reasons"],
                    source=data["source"],
                    sensitive=True if data["sensitive"] else None,
                    parties=_party_rows(parties),
                    key=request.POST.get("key", ""),
                )
            except errors.PermissionDenied:
                raise
            except errors.DomainError as exc:
                place_error(form, parties, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("Dispute %(number)s is registered.") % {"number": dispute.number},
                )
                return redirect("mediation:dispute_detail", pk=dispute.pk)
        else:
            status = 400
    else:
        form = DisputeRegisterForm(areas=choices)
        parties = party_formset()
    return render(
        request,
        "mediation/disputes/register.html",
        {
            "form": form,
            "parties": parties,
            "key": request.POST.get("key") or _new_key(),
            "title": _("Register a dispute"),
        },
        status=status,
    )


def _new_key() -> str:
    import uuid

    return uuid.uuid4().hex
