"""Forms of the reporting pages (resident report, grid-worker quick report, staff entry, 12345
import). They only shape input; every rule lives in :mod:`gridgov.cases.services.intake`."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.cases.importers.hotline import MODES, limits_text
from gridgov.cases.models import Category
from gridgov.cases.photos import max_count
from gridgov.cases.services.intake_input import MAX_KEY
from gridgov.cases.states import Source
from gridgov.core.params import DayField

STAFF_SOURCES = (Source.PHONE, Source.VISIT, Source.HALL, Source.HIGHER, Source.VIDEO)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Any number of files (the service checks count, type and size)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [f for f in items if f]


def category_choices() -> list[tuple[str, Any]]:
    """Two-level choices: top categories as groups, their children as options (a top category
    without children is an option itself)."""
    cats = list(Category.objects.filter(is_active=True).order_by("sort", "code"))
    children: dict[int, list[Category]] = {}
    for c in cats:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    ids = {c.pk for c in cats}
    choices: list[tuple[str, Any]] = [("", "———")]
    for c in cats:
        if c.parent_id is not None and c.parent_id in ids:
            continue
        kids = children.get(c.pk, [])
        if kids:
            choices.append((c.name, [(str(k.pk), k.name) for k in kids]))
        else:
            choices.append((str(c.pk), c.name))
    return choices


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget (the templates render ``{{ field }}``)."""
    for name, field in form.fields.items():
        w = field.widget
        if isinstance(w, forms.HiddenInput | forms.RadioSelect):
            continue
        if isinstance(w, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(w, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        done = getattr(form, "_errors", None)  # never trigger validation from here
        if done and name in done:
            css += " is-invalid"  # aria-invalid and aria-describedby come from Django
        if field.required:
            w.attrs["aria-required"] = "true"
        w.attrs["class"] = css
    if "mode" in form.fields:
        form.fields["mode"].widget.attrs["class"] = "form-check-input"


LON_ERRORS = {"invalid": _("The longitude must be a number.")}
LAT_ERRORS = {"invalid": _("The latitude must be a number.")}


class _ReportBase(forms.Form):
    """The fields every report has. Lengths, phone numbers, photos and the location are checked
    by the service (which answers all its problems at once); the form only reads the input."""

    # The draft's key: made when the empty form is first rendered, kept in the page so that a
    # double click, a re-render with errors, or Back and submit again reuse it.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        error_messages={
            "required": _("Choose the category of the problem."),
            "invalid_choice": _("This category is not in the list; choose another one."),
        },
    )
    title = forms.CharField(label=_("Title"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea({"rows": 4})
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput({"accept": "image/jpeg,image/png,image/webp"}),
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, error_messages=LON_ERRORS)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, error_messages=LAT_ERRORS)
    address = forms.CharField(label=_("Address or landmark"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("category", category_choices())
        self.fields["photos"].help_text = _("Up to %(n)s photos (JPEG, PNG or WebP).") % {
            "n": max_count()
        }
        self.fields["title"].help_text = _(
            "Fill in a title or a description; without a title the start of the description "
            "is used."
        )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        style(self)

    def draft_key(self) -> str:
        """The key the page carried (a fresh one when a page without it is posted)."""
        key = str(self.cleaned_data.get("idempotency_key") or "").strip()
        if not key or len(key) > MAX_KEY:
            key = uuid.uuid4().hex
            self.cleaned_data["idempotency_key"] = key
        return key

    def full_clean(self) -> None:
        super().full_clean()
        style(self)

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ResidentReportForm(_ReportBase):
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False)
    reporter_name = forms.CharField(label=_("Your name"), required=False)
    reporter_phone = forms.CharField(
        label=_("Your phone number"),
        required=False,
        widget=forms.TextInput({"inputmode": "tel", "autocomplete": "tel"}),
    )


class QuickReportForm(_ReportBase):
    resolved_on_spot = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    on_spot_reply = forms.CharField(
        label=_("What was done"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class StaffEntryForm(_ReportBase):
    source = forms.ChoiceField(
        label=_("Source"),
        error_messages={
            "required": _("Choose where the case came from."),
            "invalid_choice": _("This source is not in the list; choose another one."),
        },
    )
    area = forms.ChoiceField(
        label=_("Area"),
        required=False,
        error_messages={"invalid_choice": _("This area is not in the list; choose another one.")},
    )
    lon = forms.FloatField(label=_("Longitude"), required=False, error_messages=LON_ERRORS)
    lat = forms.FloatField(label=_("Latitude"), required=False, error_messages=LAT_ERRORS)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._choices("source", [(str(s.value), s.label) for s in STAFF_SOURCES])
        self._choices("area", [("", _("— located from the point —")), *(areas or [])])
        self.fields["area"].help_text = _("Needed when no point is given.")
        self.fields["lon"].widget.attrs["inputmode"] = "decimal"
        self.fields["lat"].widget.attrs["inputmode"] = "decimal"
        style(self)


class HotlineImportForm(forms.Form):
    file = forms.FileField(
        label=_("12345 work orders (.xlsx)"),
        widget=forms.ClearableFileInput(
            {"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have problems"),
        choices=[
            (MODES[0], _("Import the valid rows and list the others")),
            (MODES[1], _("Import nothing (all or nothing)")),
        ],
        initial=MODES[0],
        widget=forms.RadioSelect,
    )
    again = forms.BooleanField(
        label=_("Import again, even if this file was imported before"),
        help_text=_(
            "Sending the same file with the same choices again shows the earlier import instead of importing twice; tick this to import it once more (e.g. after correcting the areas or categories it named)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = limits_text()
        style(self)

    def full_clean(self) -> None:
        super().full_clean()
        style(self)


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HotlineResultsForm(forms.Form):
    """办理结果回传: the date range (the day the work orders ended), masked or not."""

    date_from = DayField(label=_("Ended from"), widget=_DATE)
    date_to = DayField(label=_("Ended until"), widget=_DATE)
    unmask = forms.BooleanField(label=_("Export replies unmasked"), required=False)
    reason = forms.CharField(
        label=_("Reason (required for an unmasked export)"), required=False, max_length=200
    )

    def __init__(self, *args: Any, can_unmask: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("date_from", today.replace(day=1))
            self.initial.setdefault("date_to", today)
        if not can_unmask:
            del self.fields["unmask"]
            del self.fields["reason"]
        style(self)

    def full_clean(self) -> None:
        super().full_clean()
        style(self)
