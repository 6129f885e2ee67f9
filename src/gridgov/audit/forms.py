"""The audit log's filter form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.audit.models import Event
from gridgov.core.params import DayField
from gridgov.core.widgets import IsoDateInput


class AuditFilterForm(forms.Form):
    event = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("All events")), *Event.choices]
    )
    actor_name = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = DayField(label=_("From"), required=False, widget=IsoDateInput())
    date_to = DayField(label=_("To"), required=False, widget=IsoDateInput())
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters, ready for :func:`gridgov.audit.selectors.audit_list`."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds exactly the fields that are valid
            data = self.cleaned_data
        return {
            "event": data.get("event") or "",
            "actor_name": data.get("actor_name") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "ip": data.get("ip") or "",
        }
