"""Web forms of the dispute pages: the register form with its parties and the list filter (the
action forms of the detail page are the flow's, in :mod:`gridgov.mediation.disputes.forms`,
named by its ``ACTIONS``).

They only parse input; :func:`gridgov.mediation.disputes.services.dispute_register` checks
again (ID numbers, phones, the area, the type) and its errors are shown on the fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from gridgov.mediation.choices import PartyRole, Risk, Source
from gridgov.mediation.choices import Status as DisputeStatus
from gridgov.mediation.models import DisputeType
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


# --- Register --------------------------------------------------------------------------------


class DisputeRegisterForm(forms.Form):
    """登记矛盾纠纷: the facts of the dispute (its parties come in :class:`PartyFormSet`)."""

    area = forms.TypedChoiceField(label=_("Where it arose"), coerce=int)
    type = forms.ModelChoiceField(
        label=_("Type of dispute"),
        queryset=DisputeType.objects.none(),
        empty_label=_("Choose the type"),
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

    name = forms.CharField(label=_("Full name"), max_length=50)
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

    def has_changed(self) -> bool:
        """A row left blank (its role picked by default) is skipped, not refused."""
        return any((self[name].data or "").strip() for name in self.TYPED)

    TYPED = ("name", "id_number", "phone", "address")

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
        choices=[("", _("Any status")), ("open", _("Not yet settled")), *DisputeStatus.choices],
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
