"""Forms of the documents pages and the links with cases (Chinese field errors through gettext)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.widgets import IsoDateInput
from gridgov.mediation.choices import DocumentKind, Risk
from gridgov.mediation.models import DisputeType, MediationSession

_REQUIRED = {"required": _("This field is required.")}


class AgreementForm(forms.Form):
    """What the agreement (人民调解协议书) says beyond the dispute's facts."""

    terms = forms.CharField(
        label=_("Agreed terms"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One term a line. Empty: the outcome note recorded with the agreement."),
    )
    performance_method = forms.CharField(
        label=_("How it is performed"),
        required=False,
        max_length=200,
        help_text=_("E.g. paid in cash on the spot, by bank transfer, in three instalments."),
    )
    deadline = forms.DateField(
        label=_("Performed by"),
        required=False,
        widget=IsoDateInput(),
        error_messages={"invalid": _("Enter a valid date.")},
    )


class SessionRecordForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("Session"),
        queryset=MediationSession.objects.none(),
        required=False,
        empty_label=_("The latest session"),
        error_messages={"invalid_choice": _("Choose a session of this dispute.")},
    )

    def __init__(self, *args: Any, dispute: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if dispute is not None:
            field = self.fields["session"]
            field.queryset = MediationSession.objects.filter(dispute=dispute)  # type: ignore[attr-defined]
            field.label_from_instance = lambda s: f"{s.held_at:%Y-%m-%d %H:%M} {s.place}"  # type: ignore[attr-defined]


class SignedUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=DocumentKind.choices,
        error_messages={**_REQUIRED, "invalid_choice": _("Choose one of the documents.")},
    )
    file = forms.FileField(
        label=_("Signed scan"),
        help_text=_("A photo (JPEG, PNG) or a PDF of the signed and sealed document."),
        error_messages={
            "required": _("Choose the scanned file."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class TemplateUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=DocumentKind.choices,
        error_messages={**_REQUIRED, "invalid_choice": _("Choose one of the documents.")},
    )
    name = forms.CharField(
        label=pgettext_lazy("organisation", "Name"), max_length=100, error_messages=_REQUIRED
    )
    file = forms.FileField(
        label=_("Template (.docx)"),
        error_messages={
            "required": _("Choose the template file."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        ),
    )


class CaseToMediationForm(forms.Form):
    """转人民调解 from the case page."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    type = forms.ModelChoiceField(
        label=_("Dispute type"),
        queryset=DisputeType.objects.filter(active=True),
        error_messages={**_REQUIRED, "invalid_choice": _("Choose a dispute type in use.")},
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Empty: the case's title."),
    )
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices, initial=Risk.GREEN)
    risk_reasons = forms.CharField(
        label=_("Risk reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class OpenCaseForm(forms.Form):
    """Open a case for a department from a dispute."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    category = forms.ChoiceField(
        label=_("Category"),
        error_messages={
            "required": _("Choose the category of the problem."),
            "invalid_choice": _("This category is not in the list; choose another one."),
        },
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    description = forms.CharField(
        label=_("What the department should do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from gridgov.cases.forms_intake import category_choices

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
