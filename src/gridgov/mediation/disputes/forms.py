"""The web forms of the dispute actions (dispatched from
:data:`gridgov.mediation.disputes.actions.ACTIONS`).

Every form carries the ``version`` of the dispute the user saw and takes two optional keyword
arguments: ``dispute`` and ``actor`` (the assignment form lists the mediators and rooms of the
actor's jurisdiction from them)::

    form = ACTIONS.form_class(action)(data, files, initial={"version": d.version},
                                      dispute=d, actor=request.user)
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.mediation import choices
from gridgov.mediation.models import MediationRoom, Mediator

MAX_TEXT = 2000
MAX_LONG = 4000
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _text(
    label: Any, *, required: bool = True, rows: int = 2, max_length: int = MAX_TEXT
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _moment(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _choice(label: Any, values: list[tuple[str, Any]], *, required: bool = True) -> Any:
    return forms.ChoiceField(label=label, required=required, choices=[("", "---------"), *values])


class DisputeActionForm(forms.Form):
    """Every action form carries the version of the dispute the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submit_label: Any = _("Submit")
    button_class = "btn-primary"
    multipart = False

    def __init__(self, *args: Any, dispute: Any = None, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.actor = actor


class AcceptForm(DisputeActionForm):
    submit_label = _("Accept")
    note = _text(_("Note"), required=False)


class ReferForm(DisputeActionForm):
    submit_label = _("Refer elsewhere")
    button_class = "btn-outline-danger"
    referred_to = _choice(_("Referred to"), choices.ReferredTo.choices)
    referred_body = forms.CharField(label=_("Receiving body"), max_length=100)
    reason = _text(_("Reason"))


class AssignForm(DisputeActionForm):
    submit_label = pgettext_lazy("dispute action", "Assign")
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=Mediator.objects.none())
    room = forms.ModelChoiceField(
        label=_("Mediation room"),
        queryset=MediationRoom.objects.none(),
        required=False,
        help_text=_("Empty: the mediator's own room."),
    )
    note = _text(_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.actor is not None:
            mediators = self.fields["mediator"]
            rooms = self.fields["room"]
            assert isinstance(mediators, forms.ModelChoiceField)
            assert isinstance(rooms, forms.ModelChoiceField)
            mediators.queryset = Mediator.objects.visible_to(self.actor).filter(active=True)
            rooms.queryset = MediationRoom.objects.visible_to(self.actor).filter(active=True)


class SessionForm(DisputeActionForm):
    submit_label = _("Record the session")
    held_at = _moment(_("Held at"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    attendees = _text(_("Attendees"), required=False, max_length=MAX_LONG)
    minutes = _text(
        pgettext_lazy("mediation session", "Minutes"), required=False, rows=5, max_length=MAX_LONG
    )


class AgreeForm(DisputeActionForm):
    submit_label = _("Agreement reached")
    button_class = "btn-success"
    note = _text(_("Terms of the agreement"), required=False, rows=4, max_length=MAX_LONG)


class FailForm(DisputeActionForm):
    submit_label = _("No agreement")
    button_class = "btn-outline-danger"
    referred_to = _choice(_("Referred to"), choices.ReferredTo.choices)
    referred_body = forms.CharField(label=_("Receiving body"), max_length=100)
    note = _text(_("Note"), required=False, max_length=MAX_LONG)


class WithdrawForm(DisputeActionForm):
    submit_label = _("Withdrawn by the parties")
    button_class = "btn-outline-secondary"
    note = _text(_("Note"), required=False, max_length=MAX_LONG)


class FollowUpForm(DisputeActionForm):
    submit_label = _("Record the visit")
    visited_at = _moment(_("Visited at"))
    performance = _choice(
        _("Performance of the agreement"), choices.Performance.choices, required=False
    )
    note = _text(_("Note"), required=False, max_length=MAX_LONG)


class CloseForm(DisputeActionForm):
    submit_label = pgettext_lazy("dispute action", "Close")
    button_class = "btn-success"
    note = _text(_("Note"), required=False)


class SetRiskForm(DisputeActionForm):
    submit_label = _("Change the risk level")
    risk = _choice(_("Risk level"), choices.Risk.choices)
    reasons = _text(_("Reasons"))


class AddPartyForm(DisputeActionForm):
    submit_label = _("Add the party")
    name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=choices.PartyRole.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class RequestExtensionForm(DisputeActionForm):
    submit_label = _("Request an extension")
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=30)
    reason = _text(_("Reason"))


class ApproveExtensionForm(DisputeActionForm):
    submit_label = _("Approve the extension")
    button_class = "btn-success"
    note = _text(_("Note"), required=False)


class DenyExtensionForm(DisputeActionForm):
    submit_label = _("Refuse the extension")
    button_class = "btn-outline-danger"
    note = _text(_("Why not"))


class UrgeForm(DisputeActionForm):
    submit_label = _("Urge")
    button_class = "btn-outline-warning"
    message = _text(_("Message to the mediator"))
