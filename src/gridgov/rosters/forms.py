"""Web forms of the people pages. They only parse input; the services in
:mod:`gridgov.rosters.services` check ID numbers, duplicates, permissions and make the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.params import DayField
from gridgov.rosters.codes import (
    ETHNICITIES,
    HouseholdType,
    PoliticalStatus,
    Relation,
    ResidenceType,
    ResidentStatus,
)
from gridgov.rosters.models import TagType
from gridgov.rosters.privacy import UNMASK_FIELDS

_ANY = [("", _("All"))]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, ID number, phone or address"), "autocomplete": "off"}
        ),
    )
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    tag = forms.ChoiceField(label=_("Special group"), required=False)
    household_type = forms.ChoiceField(
        label=_("Household type"), required=False, choices=_ANY + list(HouseholdType.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *list(ResidentStatus.choices)],
        initial=ResidentStatus.LIVING,
    )

    def __init__(
        self,
        *args: Any,
        areas: list[tuple[int, str]],
        tag_types: list[TagType],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [("", _("My whole jurisdiction")), *list(areas)]
        tag_field = self.fields["tag"]
        assert isinstance(tag_field, forms.ChoiceField)
        if tag_types:
            tag_field.choices = _ANY + [(t.code, t.name) for t in tag_types]
        else:
            del self.fields["tag"]


class HouseholdForm(forms.Form):
    area = forms.TypedChoiceField(label=_("Grid"), coerce=int)
    household_type = forms.ChoiceField(label=_("Household type"), choices=HouseholdType.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    number = forms.CharField(
        label=_("Household number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = list(areas)


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    relation = forms.ChoiceField(label=_("Relationship to head"), choices=Relation.choices)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    political_status = forms.ChoiceField(
        label=_("Political status"),
        choices=PoliticalStatus.choices,
        initial=PoliticalStatus.MASSES,
    )
    moved_in_on = DayField(label=_("Moved in on"), required=False, widget=DATE_WIDGET)


class ResidentEditForm(ResidentForm):
    """Like :class:`ResidentForm`; the ID and phone numbers are never shown in clear, so they
    stay unchanged unless a new one is entered."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, masked_id: str = "", masked_phone: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = _(
            "Now %(masked)s. Enter a new number only to replace it."
        ) % {"masked": masked_id}
        self.fields["phone"].help_text = _(
            "Now %(masked)s. Enter a new number only to replace it."
        ) % {"masked": masked_phone or "—"}
        self.fields["relation"].required = False


class DateNoteForm(forms.Form):
    on = DayField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DiedForm(forms.Form):
    on = DayField(label=_("Date of death"), widget=DATE_WIDGET)


class ChangeHouseholdForm(forms.Form):
    household = forms.CharField(
        label=_("New household number"),
        max_length=32,
        help_text=_("The number of the household the person joins."),
    )
    relation = forms.ChoiceField(label=_("Relationship to head"), choices=Relation.choices)
    on = DayField(label=_("Date"), widget=DATE_WIDGET, initial=timezone.localdate)


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,  # the service says why it is needed (and audits nothing then)
        widget=forms.TextInput(attrs={"placeholder": _("Why do you need the unmasked data?")}),
    )
    show = forms.MultipleChoiceField(
        label=pgettext_lazy("unmask which fields", "Show"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("name", pgettext_lazy("person", "Name")),
            ("id_number", _("ID number")),
            ("phone", _("Phone")),
        ],
        initial=list(UNMASK_FIELDS),
    )


class TagEndForm(forms.Form):
    end_on = DayField(label=_("Until"), widget=DATE_WIDGET, initial=timezone.localdate)
    version = forms.IntegerField(widget=forms.HiddenInput)


def tag_form(tag_type: TagType, data: Any = None) -> forms.Form:
    """A form for a new tag of ``tag_type``: its start, note and one field per recorded fact."""
    form = forms.Form(data)
    form.fields["start_on"] = DayField(
        label=_("From"), widget=DATE_WIDGET, initial=timezone.localdate
    )
    for spec in tag_type.fields or []:
        key = f"fact_{spec['key']}"
        label = spec.get("label", spec["key"])
        required = bool(spec.get("required"))
        ftype = spec.get("type", "text")
        field: forms.Field
        if ftype == "int":
            field = forms.IntegerField(label=label, required=required)
        elif ftype == "decimal":
            field = forms.DecimalField(label=label, required=required, max_digits=12)
        elif ftype == "date":
            field = DayField(label=label, required=required, widget=DATE_WIDGET)
        elif ftype == "choice":
            choices = [("", "—")] + [(c, c) for c in spec.get("choices", [])]
            field = forms.ChoiceField(label=label, required=required, choices=choices)
        else:
            field = forms.CharField(label=label, required=required, max_length=200)
        form.fields[key] = field
    form.fields["note"] = forms.CharField(label=_("Note"), max_length=200, required=False)
    return form


def facts_from(form: forms.Form) -> dict[str, Any]:
    return {
        name.removeprefix("fact_"): value
        for name, value in form.cleaned_data.items()
        if name.startswith("fact_") and value not in (None, "")
    }
