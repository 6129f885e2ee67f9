"""Web forms for the area pages. They only parse input; :mod:`gridgov.areas.services` checks
the codes, levels and boundaries and makes the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.areas.codes import ALLOWED_PARENTS, CODE_LENGTH, Level
from gridgov.areas.models import Area

MAX_BOUNDARY_BYTES = 5 * 1024 * 1024


def child_levels(parent: Area) -> list[Level]:
    """The levels that may hang directly under ``parent``."""
    return [Level(lv) for lv, parents in ALLOWED_PARENTS.items() if parent.level in parents]


class ChildAreaForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level"), coerce=int)
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, parent: Area, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = child_levels(parent)
        level_field = self.fields["level"]
        assert isinstance(level_field, forms.ChoiceField)
        level_field.choices = [(int(lv), lv.label) for lv in levels]
        hints = []
        for lv in levels:
            n = CODE_LENGTH.get(lv, len(parent.code) + 3)
            hints.append(_("%(level)s: %(n)d digits") % {"level": lv.label, "n": n})
        self.fields["code"].help_text = _(
            "Starts with the parent's code %(code)s. %(lengths)s."
        ) % {"code": parent.code, "lengths": "; ".join(str(h) for h in hints)}


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BoundaryForm(forms.Form):
    geojson = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "gg-detail"}),
        help_text=_(
            "A GeoJSON Polygon or MultiPolygon (or a Feature holding one) in WGS84 "
            "longitude/latitude."
        ),
    )
    file = forms.FileField(
        label=_("or a GeoJSON file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.geojson,application/geo+json"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload:
            if upload.size > MAX_BOUNDARY_BYTES:
                self.add_error("file", _("The file is larger than 5 MB."))
                return data
            try:
                data["geojson"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not UTF-8 text."))
                return data
        if not (data.get("geojson") or "").strip():
            self.add_error("geojson", _("Paste a boundary or choose a file."))
        return data
