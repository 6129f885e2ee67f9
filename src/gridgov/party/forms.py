"""Web forms of the party pages. They parse input only; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.areas.models import Area
from gridgov.core.params import DayField
from gridgov.party.models import MeetingType, MemberStatus, OrgKind, PartyMember, PartyOrg


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date(label: Any, required: bool = True, **kw: Any) -> DayField:
    return DayField(label=label, required=required, widget=DateInput(), **kw)


class OrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartyOrg) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{'· ' * max(0, obj.depth - 3)}{obj.name}"


class OrgForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = OrgChoice(
        label=_("Parent organisation"), queryset=PartyOrg.objects.none(), required=False
    )
    area = AreaChoice(label=_("Area"), queryset=Area.objects.none())
    secretary = forms.CharField(label=_("Secretary"), max_length=50, required=False)
    established_on = _date(_("Established on"), required=False)

    def __init__(
        self, *args: Any, parents: QuerySet[PartyOrg], areas: QuerySet[Area], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["parent"].help_text = _(
            "A party group hangs under a party branch; a branch under a committee or general "
            "branch, or at the top."
        )


class OrgEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    secretary = forms.CharField(label=_("Secretary"), max_length=50, required=False)
    established_on = _date(_("Established on"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    org = OrgChoice(label=_("Organisation"), queryset=PartyOrg.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)
    joined_on = _date(_("Joined the Party on"))
    confirmed_on = _date(
        _("Became a full member on"),
        required=False,
        help_text=_("Only for full members; at least one year after joining."),
    )

    def __init__(self, *args: Any, orgs: QuerySet[PartyOrg], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class MemberEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("New ID number"),
        max_length=18,
        required=False,
        help_text=_("Leave empty to keep the current number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("New phone number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the current number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    joined_on = _date(_("Joined the Party on"))
    confirmed_on = _date(_("Became a full member on"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, member: PartyMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if member.status == MemberStatus.PROBATIONARY:
            del self.fields["confirmed_on"]


class ConfirmForm(forms.Form):
    on = _date(_("Became a full member on"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransferForm(forms.Form):
    to_org = OrgChoice(label=_("To organisation"), queryset=PartyOrg.objects.none())
    on = _date(_("Date"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, orgs: QuerySet[PartyOrg], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = orgs  # type: ignore[attr-defined]


class LeaveForm(forms.Form):
    on = _date(_("Left on"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see the full numbers?"),
        max_length=200,
        help_text=_("Recorded in the audit log."),
    )


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name, ID or phone number")}),
    )
    org = OrgChoice(
        label=_("Organisation"),
        queryset=PartyOrg.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *MemberStatus.choices], required=False
    )

    def __init__(self, *args: Any, orgs: QuerySet[PartyOrg], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class DualReportForm(forms.Form):
    community = AreaChoice(label=_("Community"), queryset=Area.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    work_unit = forms.CharField(label=_("Workplace"), max_length=100)
    work_org = forms.CharField(
        label=_("Workplace party organisation"), max_length=100, required=False
    )
    services = forms.CharField(label=_("Services offered"), max_length=200, required=False)
    registered_on = _date(_("Registered on"))

    def __init__(self, *args: Any, communities: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]


class DualEndForm(forms.Form):
    on = _date(_("Ended on"))


class DualFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), ("ended", _("Ended"))],
    )


class MeetingForm(forms.Form):
    meeting_type = forms.ChoiceField(label=_("Type"), choices=MeetingType.choices)
    held_on = _date(_("Date"))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    host = forms.CharField(label=_("Chaired by"), max_length=50, required=False)
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    ATTENDED = "present"
    ABSENT = "absent"

    def __init__(
        self,
        *args: Any,
        members: list[PartyMember],
        recorded: dict[int, tuple[bool, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for m in members:
            state = (recorded or {}).get(m.pk, (True, ""))
            self.fields[f"att_{m.pk}"] = forms.ChoiceField(
                label=m.name,
                choices=[(self.ATTENDED, _("Present")), (self.ABSENT, _("Absent"))],
                initial=self.ATTENDED if state[0] else self.ABSENT,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{m.pk}"] = forms.CharField(
                label=_("Reason for absence"), max_length=100, required=False, initial=state[1]
            )

    def attendance_rows(self) -> list[dict[str, Any]]:
        return [
            {"member": m, "att": self[f"att_{m.pk}"], "reason": self[f"reason_{m.pk}"]}
            for m in self.members
        ]

    def attendance(self) -> list[tuple[int, bool, str]]:
        data = self.cleaned_data
        return [
            (m.pk, data.get(f"att_{m.pk}") != self.ABSENT, data.get(f"reason_{m.pk}") or "")
            for m in self.members
        ]

    def detail_fields(self) -> list[forms.BoundField]:
        names = ("meeting_type", "held_on", "topic", "place", "host", "minutes")
        return [self[n] for n in names]


class MeetingFilterForm(forms.Form):
    meeting_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *MeetingType.choices]
    )
    org = OrgChoice(
        label=_("Organisation"),
        queryset=PartyOrg.objects.none(),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, orgs: QuerySet[PartyOrg], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    org = OrgChoice(label=_("Import into organisation"), queryset=PartyOrg.objects.none())
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=[
            ("valid", _("Import the valid rows")),
            ("all", _("Import nothing (all or nothing)")),
        ],
        initial="valid",
        widget=forms.RadioSelect,
    )
    again = forms.BooleanField(
        label=_("Import again, even if this file was imported before"),
        help_text=_(
            "Sending the same file with the same choices again shows the earlier import instead of importing twice; tick this to import it once more (e.g. after correcting the areas or categories it named)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, orgs: QuerySet[PartyOrg], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class ExportForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the unmasked export"), max_length=200)
