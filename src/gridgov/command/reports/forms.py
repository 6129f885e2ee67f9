"""The forms of the reports page: which reports to list, "generate now", subscribe."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.command.models.reports import ReportPeriod
from gridgov.core.params import DayField
from gridgov.core.widgets import IsoDateInput


class ReportFilterForm(forms.Form):
    area = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False)
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("", _("All periods")), *ReportPeriod.choices],
        required=False,
    )

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class GenerateForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Report"),
        choices=ReportPeriod.choices,
        error_messages={"required": _("Choose the kind of report.")},
    )
    date = DayField(
        label=_("A day in the period"),
        widget=IsoDateInput(),
        error_messages={
            "required": _("Enter a day of the period to report on."),
            "invalid": _("Enter a date as YYYY-MM-DD."),
        },
        help_text=_("For example any day of the month for a monthly report."),
    )


class SubscriptionForm(forms.Form):
    area = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    period = forms.ChoiceField(
        label=_("Report"),
        choices=ReportPeriod.choices,
        error_messages={"required": _("Choose the kind of report.")},
    )
