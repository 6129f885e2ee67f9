"""Web forms of the case pages: the list filter and one small form per lifecycle action.

They only parse input. Which actions a user may take, and whether the case may move, is decided
by :mod:`gridgov.cases.guards` and the services of :mod:`gridgov.cases.services.lifecycle`; every
action form carries the case version the user saw, so a stale form is refused by the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.cases.states import CheckRejectReason, Rating, Source, Status, TimeUnit
from gridgov.core.params import DayField
from gridgov.core.widgets import IsoDateInput

# Upper bounds of what a form accepts (the services check the rest).
MAX_TEXT = 2000
MAX_PHOTOS = 9
MAX_DELAY_DAYS = 60
MAX_DELAY_HOURS = 240


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one ``<input type="file" multiple>``; the service checks each one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)d photos at a time."), params={"n": MAX_PHOTOS}, code="too_many"
            )
        return files


def _text(label: Any, *, required: bool = True, rows: int = 2, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


# --- List filter -----------------------------------------------------------------------------

DUE_CHOICES = [("", _("Any deadline")), ("soon", _("Due soon")), ("overdue", _("Overdue"))]


class CaseFilterForm(forms.Form):
    """The filters of the case list (GET). Areas and categories come from the view: the area
    picker lists only the user's jurisdiction, and any area id typed into the URL is checked
    against it again by :meth:`clean_area`."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Case number, title or address")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int)
    area = forms.IntegerField(label=_("Area"), required=False, widget=forms.Select)
    source = forms.ChoiceField(label=_("Source"), required=False)
    due = forms.ChoiceField(label=_("Deadline"), required=False, choices=DUE_CHOICES)
    date_from = DayField(label=_("Reported from"), required=False, widget=IsoDateInput())
    date_to = DayField(label=_("Reported until"), required=False, widget=IsoDateInput())

    def __init__(
        self,
        *args: Any,
        categories: Sequence[tuple[Any, Any]] = (),
        areas: Sequence[tuple[Any, Any]] = (),
        area_ids: Iterable[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._area_ids = set(area_ids) if area_ids is not None else None
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("Any status")), *Status.choices]
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = [("", _("Any source")), *Source.choices]
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", _("Any category")), *categories]
        self.fields["area"].widget.choices = [("", _("Whole jurisdiction")), *areas]

    def clean_area(self) -> int | None:
        value = self.cleaned_data.get("area")
        if value is not None and self._area_ids is not None and value not in self._area_ids:
            raise forms.ValidationError(_("Choose an area in your jurisdiction."), code="area")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


# --- Action forms ----------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action form carries the version of the case the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Shown on the button; set per class.
    submit_label: Any = _("Submit")
    button_class = "btn-primary"
    multipart = False


class CheckConfirmForm(ActionForm):
    """核实: the grid worker saw it on site; it goes on to acceptance."""

    submit_label = _("Verified: send on for acceptance")
    multipart = True
    note = _text(_("What you found on site"), required=False)
    photos = MultiplePhotoField(label=_("Photos of the place"))


class CheckResolveForm(ActionForm):
    """自行处置: resolved on the spot; a photo is required."""

    submit_label = _("Resolved: close the case")
    button_class = "btn-success"
    multipart = True
    reply = _text(_("What was done"), rows=3)
    photos = MultiplePhotoField(
        label=_("Photos of the result"),
        required=True,
        error_messages={"required": _("Take at least one photo of the place.")},
    )


class CheckRejectForm(ActionForm):
    """核实不予受理: the reporter sees the reason and the explanation."""

    submit_label = _("Do not accept")
    button_class = "btn-outline-danger"
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *CheckRejectReason.choices],
        error_messages={"required": _("Choose a reason.")},
    )
    note = _text(
        _("Explanation to the reporter"),
        required=False,
        help_text=_("The reporter sees the reason and this explanation."),
    )


class CheckPassUpForm(ActionForm):
    """上报: beyond the grid, to the dispatchers at once."""

    submit_label = _("Pass up to the dispatchers")
    button_class = "btn-outline-warning"
    note = _text(_("Why it is beyond the grid"))


class AcceptForm(ActionForm):
    submit_label = _("Accept")
    note = _text(_("Note"), required=False)


class RejectForm(ActionForm):
    submit_label = _("Reject")
    button_class = "btn-outline-danger"
    reason = _text(_("Reason"))


class MergeForm(ActionForm):
    submit_label = _("Merge")
    button_class = "btn-outline-secondary"
    target = forms.CharField(
        label=_("Number of the case to merge into"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    note = _text(_("Note"), required=False)

    def clean_target(self) -> str:
        return str(self.cleaned_data["target"]).strip()


class UnitForm(ActionForm):
    """Dispatch or reassign: the target unit is an area at a handling level (``area:<id>``) or a
    department (``dept:<id>``); the view offers only units that may take the case."""

    submit_label = _("Dispatch")
    unit = forms.ChoiceField(label=_("Send to"))
    note = _text(_("Note"), required=False)

    def __init__(self, *args: Any, units: Sequence[tuple[Any, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = list(units)

    def unit_target(self) -> tuple[str, int]:
        """``("area" | "dept", id)`` of the chosen unit."""
        kind, _sep, pk = str(self.cleaned_data["unit"]).partition(":")
        return kind, int(pk)


class DispatchForm(UnitForm):
    submit_label = _("Dispatch")


class AcceptDispatchForm(UnitForm):
    """受理并派单: accept the report and send it to a unit in one step."""

    submit_label = _("Accept and dispatch")


class ReassignForm(UnitForm):
    submit_label = _("Reassign")
    button_class = "btn-outline-primary"


class SignForm(ActionForm):
    submit_label = _("Sign for")


class ReturnForm(ActionForm):
    submit_label = _("Return")
    button_class = "btn-outline-danger"
    reason = _text(_("Reason"))


class EscalateForm(ActionForm):
    submit_label = _("Escalate")
    button_class = "btn-outline-warning"
    note = _text(_("Why it needs the level above"))


class RequestDelayForm(ActionForm):
    submit_label = _("Send the request")
    button_class = "btn-outline-primary"
    kind = forms.ChoiceField(
        label=_("Request type"),
        choices=[("extend", _("Extend the deadline")), ("suspend", _("Suspend the case"))],
    )
    amount = forms.IntegerField(label=_("Length"), min_value=1, max_value=MAX_DELAY_HOURS)
    unit = forms.ChoiceField(label=_("Time unit"), choices=TimeUnit.choices, initial=TimeUnit.DAYS)
    reason = _text(_("Reason"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("unit") == TimeUnit.DAYS and (data.get("amount") or 0) > MAX_DELAY_DAYS:
            self.add_error(
                "amount",
                _("At most %(n)d working days.") % {"n": MAX_DELAY_DAYS},
            )
        return data


class ApproveDelayForm(ActionForm):
    submit_label = _("Approve")
    note = _text(_("Note"), required=False)


class DenyDelayForm(ActionForm):
    submit_label = _("Deny")
    button_class = "btn-outline-danger"
    note = _text(_("Note"), required=False)


class ResumeForm(ActionForm):
    submit_label = _("Resume")
    note = _text(_("Note"), required=False)


class ReplyForm(ActionForm):
    submit_label = _("Send the reply")
    multipart = True
    reply = _text(_("What was done"), rows=3)
    photos = MultiplePhotoField(label=_("Photos"))


class VerifyPassForm(ActionForm):
    submit_label = _("Passed: close the case")
    multipart = True
    note = _text(_("Verification note"), required=False)
    photos = MultiplePhotoField(label=_("Photos"))


class VerifyFailForm(ActionForm):
    submit_label = _("Failed: send back for rework")
    button_class = "btn-outline-danger"
    multipart = True
    note = _text(_("What is still wrong"))
    photos = MultiplePhotoField(label=_("Photos"))


class UrgeForm(ActionForm):
    submit_label = _("Urge")
    button_class = "btn-outline-warning"
    message = _text(_("Message to the handlers"))


class RateForm(ActionForm):
    submit_label = _("Rate")
    rating = forms.ChoiceField(
        label=_("How satisfied are you?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    comment = _text(_("Comment on the result"), required=False)
    callback = forms.BooleanField(
        label=_("Recorded from a call-back to the reporter"), required=False
    )

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["rating"].label = _("Reporter's rating")
        else:
            del self.fields["callback"]


class ReopenForm(ActionForm):
    submit_label = _("Reopen")
    button_class = "btn-outline-danger"
    reason = _text(_("Reason"))


class CommentForm(ActionForm):
    submit_label = _("Add the note")
    button_class = "btn-outline-secondary"
    note = _text(_("Note"))
