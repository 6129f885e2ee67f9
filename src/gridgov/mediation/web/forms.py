"""Web forms of the dispute pages: the register form with its parties, the list filter and one
small form per action of the detail page.

They only parse input. Whether an action is allowed, and whether the dispute may move, is
decided by the services of :mod:`gridgov.mediation.disputes.services`; every action form
carries the version of the dispute the user saw, so a stale form is refused there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.mediation.choices import PartyRole, Performance, ReferredTo, Risk, Source
from gridgov.mediation.choices import Status as DisputeStatus
from gridgov.mediation.models import DisputeType, MediationRoom, Mediator
from gridgov.rosters.idnumbers import id_problem

MAX_TEXT = 2000
MAX_PARTIES = 20
MAX_EXTENSION_DAYS = 30


def _text(label: Any, *, required: bool = True, rows: int = 2, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=kwargs.pop("max_length", MAX_TEXT),
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class LocalDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (the phone's own date and time picker)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MomentField(forms.DateTimeField):
    """A date and time no later than now (a session held, a visit made)."""

    widget = LocalDateTimeInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> datetime | None:
        moment: datetime | None = super().clean(value)
        if moment is not None and moment > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("This time is in the future."), code="future")
        return moment


# --- Register --------------------------------------------------------------------------------


class DisputeRegisterForm(forms.Form):
    """登记矛盾纠纷: the facts of the dispute (its parties come in :class:`PartyFormSet`)."""

    area = forms.TypedChoiceField(label=_("Where it arose"), coerce=int)
    type = forms.ModelChoiceField(
        label=_("Type of dispute"), queryset=DisputeType.objects.none(), empty_label=None
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Neighbours quarrel over a wall")}),
    )
    summary = _text(_("What happened"), rows=4, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount involved (yuan)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    risk = forms.ChoiceField(
        label=_("Risk level"), choices=Risk.choices, initial=Risk.GREEN, widget=forms.RadioSelect
    )
    risk_reasons = _text(
        _("Why this risk level"),
        required=False,
        help_text=_("Required for red and yellow: threats, a crowd, people at risk …"),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    sensitive = forms.BooleanField(
        label=_("Sensitive (family matters: only mediation staff see it)"),
        required=False,
        help_text=_("Types such as marriage and family are treated as sensitive anyway."),
    )

    def __init__(
        self,
        *args: Any,
        areas: Sequence[tuple[int, str]] = (),
        quiet: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.quiet = quiet  # shown again after "another party": no complaints yet
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = list(areas)
        if len(areas) == 1:
            self.initial.setdefault("area", areas[0][0])
        kind = self.fields["type"]
        assert isinstance(kind, forms.ModelChoiceField)
        kind.queryset = DisputeType.objects.filter(active=True).order_by("sort", "code")

    def full_clean(self) -> None:
        if self.quiet:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("risk") in (Risk.RED, Risk.YELLOW) and not data.get("risk_reasons"):
            self.add_error("risk_reasons", _("Say why the risk is red or yellow."))
        return data


class PartyForm(forms.Form):
    """One party of a dispute: a name is required, the rest when known."""

    name = forms.CharField(label=_("Name"), max_length=50)
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown again after "another party": what was typed, without complaints yet.
        self.quiet = quiet

    def full_clean(self) -> None:
        if self.quiet:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value:
            problem = id_problem(value)
            if problem:
                raise forms.ValidationError(problem, code="id_number")
        return value


class _BasePartyFormSet(forms.BaseFormSet):
    quiet = False

    def full_clean(self) -> None:
        if self.quiet:
            self._errors: list[Any] = []
            self._non_form_errors = self.error_class()
            return
        super().full_clean()

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        named = [f for f in self.forms if f.cleaned_data.get("name")]
        if not named:
            raise forms.ValidationError(_("Add at least one party with a name."), code="no_party")


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=_BasePartyFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_PARTIES,
    validate_max=True,
)


def party_formset(data: Any = None, *, add: bool = False) -> Any:
    """The parties of the register form; ``add`` (the "another party" button) gives the bound
    formset one more empty row, the entered ones kept."""
    if data is not None and add:
        data = data.copy()
        total = int(data.get("parties-TOTAL_FORMS") or 1)
        data["parties-TOTAL_FORMS"] = str(min(total + 1, MAX_PARTIES))
        formset = PartyFormSet(data, prefix="parties", form_kwargs={"quiet": True})
        formset.quiet = True  # type: ignore[attr-defined]
        return formset
    if data is None:
        initial = [{"role": PartyRole.APPLICANT}, {"role": PartyRole.RESPONDENT}]
        return PartyFormSet(prefix="parties", initial=initial)
    return PartyFormSet(data, prefix="parties")


# --- List filter -----------------------------------------------------------------------------


class DisputeFilterForm(forms.Form):
    """The filters of the dispute list (GET)."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Number, title or place")}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), ("open", _("Open")), *DisputeStatus.choices],
    )
    risk = forms.ChoiceField(
        label=_("Risk level"), required=False, choices=[("", _("Any risk")), *Risk.choices]
    )
    type = forms.ModelChoiceField(
        label=_("Type of dispute"),
        required=False,
        queryset=DisputeType.objects.none(),
        empty_label=_("Any type"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["type"]
        assert isinstance(kind, forms.ModelChoiceField)
        kind.queryset = DisputeType.objects.order_by("sort", "code")


# --- Action forms ----------------------------------------------------------------------------


class DisputeActionForm(forms.Form):
    """Every action form carries the version of the dispute the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submit_label: Any = _("Submit")
    button_class = "btn-primary"
    multipart = False

    def __init__(self, *args: Any, dispute: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.user = user


class AcceptForm(DisputeActionForm):
    """受理."""

    submit_label = _("Accept the dispute")
    note = _text(_("Note"), required=False)


class ReferForm(DisputeActionForm):
    """不予受理 · 移交: to another body, with the reason."""

    submit_label = _("Refer elsewhere")
    button_class = "btn-outline-danger"
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=ReferredTo.choices)
    referred_body = forms.CharField(label=_("Receiving body"), max_length=100)
    reason = _text(_("Reason"))


def mediators_for(dispute: Any) -> QuerySet[Mediator]:
    """Active mediators who may take ``dispute``: at its area, above it or below it."""
    from django.db.models import Q

    area = dispute.area
    return (
        Mediator.objects.filter(active=True)
        .filter(Q(area_id__in=[*area.ancestor_ids, area.pk]) | Q(area_path__startswith=area.path))
        .select_related("room")
        .order_by("name")
    )


def rooms_for(dispute: Any) -> QuerySet[MediationRoom]:
    from django.db.models import Q

    area = dispute.area
    return (
        MediationRoom.objects.filter(active=True)
        .filter(Q(area_id__in=[*area.ancestor_ids, area.pk]) | Q(area_path__startswith=area.path))
        .order_by("name")
    )


class AssignForm(DisputeActionForm):
    """指派: a mediator (and the room where it is mediated)."""

    submit_label = _("Assign")
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=Mediator.objects.none())
    room = forms.ModelChoiceField(
        label=_("Mediation room"),
        queryset=MediationRoom.objects.none(),
        required=False,
        empty_label=_("The mediator's own room"),
    )
    note = _text(_("Note"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mediator = self.fields["mediator"]
        room = self.fields["room"]
        assert isinstance(mediator, forms.ModelChoiceField)
        assert isinstance(room, forms.ModelChoiceField)
        if self.dispute is not None:
            mediator.queryset = mediators_for(self.dispute)
            room.queryset = rooms_for(self.dispute)
        mediator.label_from_instance = lambda m: (  # type: ignore[method-assign,assignment]
            f"{m.name} · {m.get_kind_display()}" + (f" · {m.room.name}" if m.room else "")
        )


class SessionForm(DisputeActionForm):
    """调解: one session held."""

    submit_label = _("Record the session")
    held_at = MomentField(label=_("Held at"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    attendees = _text(_("Attendees"), required=False)
    minutes = _text(_("Minutes"), rows=4, required=False)


class AgreeForm(DisputeActionForm):
    """调解成功: the parties reached an agreement."""

    submit_label = _("Record the agreement")
    button_class = "btn-success"
    note = _text(_("What was agreed"), rows=3, required=False)


class FailForm(DisputeActionForm):
    """调解不成: where the dispute goes now (litigation, arbitration, 信访 …)."""

    submit_label = _("Record: no agreement")
    button_class = "btn-outline-danger"
    referred_to = forms.ChoiceField(label=_("Referred to"), choices=ReferredTo.choices)
    referred_body = forms.CharField(label=_("Receiving body"), max_length=100)
    note = _text(_("Note"), required=False)


class WithdrawForm(DisputeActionForm):
    """撤回: the parties withdrew the dispute."""

    submit_label = _("Record the withdrawal")
    button_class = "btn-outline-secondary"
    note = _text(_("Note"), required=False)


class FollowUpForm(DisputeActionForm):
    """回访: how the agreement is being performed."""

    submit_label = _("Record the follow-up")
    visited_at = MomentField(label=_("Visited at"))
    performance = forms.ChoiceField(
        label=_("Performance of the agreement"),
        required=False,
        choices=[("", "—"), *Performance.choices],
    )
    note = _text(_("Note"), required=False)


class CloseForm(DisputeActionForm):
    """结案."""

    submit_label = _("Close the dispute")
    button_class = "btn-success"
    note = _text(_("Note"), required=False)


class SetRiskForm(DisputeActionForm):
    """风险等级: raised or lowered, with the reasons."""

    submit_label = _("Save the risk level")
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices, widget=forms.RadioSelect)
    reasons = _text(_("Reasons"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.dispute is not None:
            self.initial.setdefault("risk", self.dispute.risk)


class RequestExtensionForm(DisputeActionForm):
    """申请延期."""

    submit_label = _("Request the extension")
    days = forms.IntegerField(
        label=_("Working days"), min_value=1, max_value=MAX_EXTENSION_DAYS, initial=10
    )
    reason = _text(_("Reason"))


class DecideExtensionForm(DisputeActionForm):
    submit_label = _("Approve the extension")
    button_class = "btn-success"
    note = _text(_("Note"), required=False)


class DenyExtensionForm(DisputeActionForm):
    submit_label = _("Refuse the extension")
    button_class = "btn-outline-danger"
    note = _text(_("Why it is refused"))


class UrgeForm(DisputeActionForm):
    """督办."""

    submit_label = _("Urge")
    button_class = "btn-warning"
    message = _text(_("Message to the mediator"))


class PartyAddForm(DisputeActionForm, PartyForm):
    """A party found later."""

    submit_label = _("Add the party")


# The forms of the actions the flow registry names (used when its spec brings no form).
ACTION_FORMS: dict[str, type[DisputeActionForm]] = {
    "accept": AcceptForm,
    "refer": ReferForm,
    "assign": AssignForm,
    "session": SessionForm,
    "agree": AgreeForm,
    "fail": FailForm,
    "withdraw": WithdrawForm,
    "follow_up": FollowUpForm,
    "close": CloseForm,
    "set_risk": SetRiskForm,
    "request_extension": RequestExtensionForm,
    "approve_extension": DecideExtensionForm,
    "deny_extension": DenyExtensionForm,
    "urge": UrgeForm,
    "add_party": PartyAddForm,
}
