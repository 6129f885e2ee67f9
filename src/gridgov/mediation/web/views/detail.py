"""The dispute detail page — facts, parties (masked), sessions, follow-ups, attachments and the
timeline — and one POST endpoint for its action forms, dispatched from the flow's ``ACTIONS``
registry exactly as the case pages do from theirs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.core import errors
from gridgov.core.views import add_domain_error, domain_errors
from gridgov.kernel.workflow import ActionCall
from gridgov.mediation.choices import OPEN_STATES
from gridgov.mediation.disputes import selectors
from gridgov.mediation.disputes.actions import ACTIONS
from gridgov.mediation.disputes.forms import DisputeActionForm
from gridgov.mediation.disputes.states import TRANSITIONS, Action
from gridgov.mediation.models import Dispute, DisputeAttachment
from gridgov.mediation.web.views.lists import require


def _form_class(action: str) -> type[DisputeActionForm] | None:
    spec = ACTIONS.get(action)
    if spec is None or spec.web is None or spec.form is None:
        return None
    form_class: type[DisputeActionForm] = spec.form
    return form_class


def _offered(user: Any, dispute: Dispute) -> list[str]:
    """The actions the user may take now that have a web form, in the registry's order."""
    allowed = set(selectors.dispute_actions(user, dispute))
    return [s.action for s in ACTIONS if s.action in allowed and _form_class(s.action)]


def _make_form(
    action: str, dispute: Dispute, user: Any, *, data: Any = None, files: Any = None
) -> Any:
    form_class = _form_class(action)
    assert form_class is not None
    initial = {"version": dispute.version}
    return form_class(data, files, initial=initial, dispute=dispute, actor=user)


def _label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action


def _attachment_url(att: DisputeAttachment) -> str:
    return reverse("attachments:download", args=["mediation.disputeattachment", att.pk])


def detail_context(
    request: HttpRequest, dispute: Dispute, bound: tuple[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    action_forms = []
    for action in _offered(user, dispute):
        form = bound[1] if bound is not None and bound[0] == action else None
        action_forms.append(
            {
                "action": action,
                "label": _label(action),
                "form": form or _make_form(action, dispute, user),
                "url": reverse("mediation:dispute_act", args=[dispute.pk, action]),
                "open": form is not None,
            }
        )
    attachments = [
        {"att": a, "url": _attachment_url(a)}
        for a in DisputeAttachment.objects.filter(dispute=dispute).order_by("id")
    ]
    now = timezone.now()
    return {
        "dispute": dispute,
        "parties": list(dispute.parties.select_related("resident").order_by("id")),
        "sessions": list(dispute.sessions.select_related("recorded_by").order_by("held_at", "id")),
        "follow_ups": list(
            dispute.follow_ups.select_related("visited_by").order_by("visited_at", "id")
        ),
        "attachments": attachments,
        "timeline": selectors.dispute_timeline(user, dispute),
        "action_forms": action_forms,
        "pending_extension": dispute.pending_extension or None,
        "overdue": bool(
            dispute.overdue
            or (dispute.due_at and dispute.due_at < now and dispute.status in OPEN_STATES)
        ),
        "is_open": dispute.status in OPEN_STATES,
        "now": now,
        "title": dispute.number,
    }


@never_cache
@login_required
@domain_errors
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, Perm.MEDIATION_VIEW, _("You hold no role that may view disputes."))
    dispute = selectors.dispute_get(request.user, pk)
    return render(request, "mediation/disputes/detail.html", detail_context(request, dispute))


@require_POST
@login_required
@domain_errors
def dispute_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action of the detail page, then back to it (POST-redirect-GET).

    A wrong state or a stale version comes back as a message on the refreshed page and changes
    nothing; invalid input shows the page again with the form's errors (status 400)."""
    user = request.user
    spec = ACTIONS.get(action)
    if spec is None or spec.web is None or _form_class(action) is None:
        raise Http404(_("Unknown action."))
    # A role that may never do this gets a 403 before any look-up, as in the API.
    transition = TRANSITIONS.get(spec.transition_name)
    if transition is not None and (
        transition.perm is None or not scoping.has_perm_anywhere(user, transition.perm)
    ):
        raise errors.PermissionDenied(_("You do not have permission to do this."))
    dispute = selectors.dispute_get(user, pk)
    back = reverse("mediation:dispute_detail", args=[dispute.pk])
    form = _make_form(action, dispute, user, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            ACTIONS.run_web(ActionCall(action, dispute, user, data=form.cleaned_data, form=form))
        except errors.Conflict as exc:
            messages.error(request, exc.message)
            return redirect(back)
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, str(spec.done) or _("Done."))
            return redirect(back)
    elif action not in selectors.dispute_actions(user, dispute):
        messages.error(request, _("This action is not available for this dispute now."))
        return redirect(back)
    context = detail_context(request, dispute, bound=(action, form))
    return render(request, "mediation/disputes/detail.html", context, status=400)
