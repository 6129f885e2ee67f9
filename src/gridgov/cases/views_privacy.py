"""Unmasking a case's typed-in personal data on its detail page (reason required, audited).

The detail page masks phone and ID numbers in every typed-in text. Staff who may unmask at the
case's area get a small form; its POST calls
:func:`gridgov.cases.services.privacy.case_unmask` and answers with the page rendered once in
clear (never a redirect, never cached, never in a list).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.cases import selectors
from gridgov.cases.models import Case
from gridgov.cases.services import privacy
from gridgov.core import errors, pii
from gridgov.core.views import add_domain_error, domain_errors


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=pii.MAX_REASON,
        required=False,  # the service asks for it, in the same words as everywhere
        widget=forms.TextInput(attrs={"placeholder": _("Why do you need the unmasked data?")}),
    )


def _texts(case: Case, timeline: Sequence[Any]) -> list[str]:
    texts = [case.title, case.description, case.address, case.reply, case.rating_comment]
    for row in timeline:
        texts += [row["event"].note, str(row.get("reason") or "")]
    delay = case.pending_delay or {}
    texts.append(str(delay.get("reason", "") or ""))
    return texts


def unmask_context(
    user: Any, case: Case, timeline: Sequence[Any], *, reveal: bool, form: Any = None
) -> dict[str, Any]:
    """What the detail page needs: the request's decision (``pii_reveal``) and the form."""
    can = not reveal and privacy.can_unmask_case(user, case)
    masked = can and (
        bool(case.reporter_phone_enc)
        or any(pii.has_personal_data(t) for t in _texts(case, timeline))
    )
    return {
        "pii_reveal": reveal,
        "can_unmask": masked,
        "unmask_form": form or UnmaskForm(),
    }


@never_cache
@require_POST
@login_required
@domain_errors
def unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the case once with its personal data in clear, after the audited unmask."""
    from gridgov.cases.views import _detail_context

    case = selectors.case_get_for(actor=request.user, pk=pk)
    form = UnmaskForm(request.POST)
    if form.is_valid():
        try:
            privacy.case_unmask(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except errors.ValidationFailed as exc:
            add_domain_error(form, exc)
        else:
            context = _detail_context(request, case, reveal=True)
            return render(request, "cases/detail.html", context)
    context = _detail_context(request, case, unmask_form=form)
    return render(request, "cases/detail.html", context, status=400)


urlpatterns: list[URLPattern] = [path("<int:pk>/unmask/", unmask, name="unmask")]
