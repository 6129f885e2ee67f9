"""Forms of the screening pages. They only shape input; the rules live in
:mod:`gridgov.mediation.screening.services`."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.mediation.choices import Period, Risk
from gridgov.mediation.models import DisputeType
from gridgov.mediation.screening.services import KEY_MAX, MAX_DISPUTES, DisputeIn


def _style(form: forms.BaseForm, *, errors: bool = False) -> None:
    """Bootstrap classes on every widget; with ``errors`` (after validation) the invalid ones
    marked."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.HiddenInput):
            continue
        if isinstance(w, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(w, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if errors and name in form.errors:
            css += " is-invalid"
        if field.required:
            w.attrs["aria-required"] = "true"
        w.attrs["class"] = css


class FilingForm(forms.Form):
    """What every filing carries: the version seen and the client's key of this filing (so a
    double tap or a resend files once)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=KEY_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", uuid.uuid4().hex)


class NothingFoundForm(FilingForm):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DisputeFoundForm(forms.Form):
    """One dispute found: its type, what it is about, one party, the risk."""

    type = forms.ModelChoiceField(
        label=_("Dispute type"),
        queryset=DisputeType.objects.none(),
        empty_label="———",
        error_messages={
            "required": _("Choose a dispute type."),
            "invalid_choice": _("Choose a dispute type."),
        },
    )
    title = forms.CharField(
        label=_("What is it about"),
        max_length=200,
        error_messages={"required": _("Say what the dispute is about.")},
        widget=forms.TextInput(attrs={"placeholder": _("e.g. water leaking into the flat below")}),
    )
    party_name = forms.CharField(
        label=_("Party's name"),
        max_length=50,
        error_messages={"required": _("Give the name of a party.")},
    )
    party_phone = forms.CharField(
        label=_("Party's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices, initial=Risk.GREEN)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = DisputeType.objects.filter(active=True).order_by("sort", "code")
        self.fields["type"].queryset = qs  # type: ignore[attr-defined]
        _style(self)

    def mark_errors(self) -> None:
        _style(self, errors=True)

    def to_input(self) -> DisputeIn:
        d = self.cleaned_data
        return DisputeIn(
            type=d["type"],
            title=d["title"],
            party_name=d["party_name"],
            party_phone=d.get("party_phone") or "",
            risk=d["risk"],
        )


class BaseDisputeFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not [f for f in self.forms if f.has_changed()]:
            raise forms.ValidationError(
                _("Add at least one dispute, or go back and tick “nothing found”.")
            )


DisputeFormSet = forms.formset_factory(
    DisputeFoundForm,
    formset=BaseDisputeFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_DISPUTES,
    validate_max=True,
)


class PlanForm(forms.Form):
    period = forms.ChoiceField(label=_("Screening period"), choices=Period.choices)
    active = forms.BooleanField(label=_("Plan in use"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
