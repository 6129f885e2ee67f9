"""Web forms of the mediation organisation pages. They parse input only; the services check
the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.areas.models import Area
from gridgov.mediation.choices import MediatorKind
from gridgov.mediation.models import Committee, MediationRoom
from gridgov.mediation.orgs.services import MAX_DEADLINE_DAYS


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{'· ' * max(0, obj.depth - 3)}{obj.name}"


class NamedChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.area.name}）"


class CommitteeForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=100)
    area = AreaChoice(label=_("Area"), queryset=Area.objects.none())

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class CommitteeEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False)


class RoomForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("organisation", "Name"),
        max_length=100,
        help_text=_("For example 马建才调解室 or 石榴籽调解室."),
    )
    area = AreaChoice(label=_("Area"), queryset=Area.objects.none())
    committee = NamedChoice(label=_("Committee"), queryset=Committee.objects.none(), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        areas: QuerySet[Area],
        committees: QuerySet[Committee],
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]
        if edit:
            del self.fields["area"]
            self.fields["active"] = forms.BooleanField(label=_("In use"), required=False)


class MediatorForm(forms.Form):
    name = forms.CharField(
        label=_("Mediator's name"),
        max_length=50,
        required=False,
        help_text=_("May stay empty when a roster resident is given: their name is taken."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=MediatorKind.choices)
    area = AreaChoice(label=_("Area"), queryset=Area.objects.none())
    committee = NamedChoice(label=_("Committee"), queryset=Committee.objects.none(), required=False)
    room = NamedChoice(
        label=_("Mediation room"), queryset=MediationRoom.objects.none(), required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    specialty = forms.CharField(
        label=_("Specialty"),
        max_length=100,
        required=False,
        help_text=_("For example family disputes, land, labour."),
    )
    username = forms.CharField(
        label=_("Account (user name)"),
        max_length=150,
        required=False,
        help_text=_(
            "Linking an account makes it a mediator at this area: it can then take on "
            "disputes. Granting the role needs the right to manage users here."
        ),
    )
    id_number = forms.CharField(
        label=_("Roster resident (ID number)"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self,
        *args: Any,
        areas: QuerySet[Area],
        committees: QuerySet[Committee],
        rooms: QuerySet[MediationRoom],
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]
        self.fields["room"].queryset = rooms  # type: ignore[attr-defined]
        if edit:
            del self.fields["area"]
            self.fields["phone"].label = _("New phone number")
            self.fields["phone"].help_text = _("Leave empty to keep the current number.")
            self.fields["id_number"].help_text = _("Leave empty to keep the current link.")
            self.fields["username"].help_text = _("Leave empty to keep the current link.")
            self.fields["active"] = forms.BooleanField(label=_("Active"), required=False)


class DisputeTypeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=50)
    deadline_days = forms.IntegerField(
        label=_("Deadline (working days)"), min_value=1, max_value=MAX_DEADLINE_DAYS, initial=30
    )
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_("Disputes of this type are seen only by mediation roles (family matters)."),
    )
    sort = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["code"]
            self.fields["active"] = forms.BooleanField(label=_("In use"), required=False)
