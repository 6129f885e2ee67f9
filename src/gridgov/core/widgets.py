"""Form widgets shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ISO ``yyyy-mm-dd``: the browser accepts
    nothing else, whatever the page's locale (zh-Hans would render ``2026/12/01``, which the
    browser drops, leaving the field empty)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or ISO_DATE)
