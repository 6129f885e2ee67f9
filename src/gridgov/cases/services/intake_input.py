"""Input checks of a report (lengths, phone numbers) with field-specific messages, and the
collector that answers all problems of a report at once. Used by :mod:`.intake`."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.errors import ValidationFailed

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_ADDRESS = 200
MAX_NAME = 50
MAX_REPLY = 2000
MAX_EXTERNAL_ID = 64
MAX_KEY = 200

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline: area code 0xx/0xxx, 7-8 digit number, optional extension; or 400/800 service numbers.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SERVICE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")


def fail(field: str, message: str, code: str = "validation_failed") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def normalize_phone(value: str) -> str:
    """A Chinese mobile (``13812345678``, ``+86 138 1234 5678``) or landline
    (``0951-1234567``, ``010-12345678-123``) in a canonical form; raises ValidationFailed."""
    raw = (value or "").strip()
    if not raw:
        return ""
    compact = re.sub(r"[\s()（）]", "", raw)
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("0086"):
        compact = compact[4:]
    digits = compact.replace("-", "")
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(compact) or _SERVICE.match(compact):
        return compact
    if digits.isdigit() and digits.startswith("0") and 10 <= len(digits) <= 12:
        return digits
    raise fail(
        "reporter_phone",
        _("Enter a mainland China mobile number (11 digits) or a landline with its area code."),
        code="invalid_phone",
    )


# What a field is called in messages ("描述最多 5000 字，当前 5123 字").
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "description": gettext_lazy("Description"),
    "address": gettext_lazy("Address or landmark"),
    "reporter_name": gettext_lazy("Reporter's name"),
    "on_spot_reply": gettext_lazy("What was done"),
    "external_id": gettext_lazy("External number"),
}


def clean_text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    label = FIELD_LABELS.get(field, field)
    if required and not text:
        raise fail(field, _("Please fill in %(field)s.") % {"field": label})
    if len(text) > limit:
        raise fail(
            field,
            _("%(field)s may have at most %(limit)d characters; it has %(count)d.")
            % {"field": label, "limit": limit, "count": len(text)},
        )
    return text


class Problems:
    """Collects the input errors of one report so that all are answered at once: the first
    error's code and message, with the messages of every field."""

    def __init__(self) -> None:
        self.errors: list[ValidationFailed] = []

    def run(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        """``check(*args, **kwargs)``, or None after noting its ValidationFailed."""
        try:
            return check(*args, **kwargs)
        except ValidationFailed as exc:
            self.errors.append(exc)
            return None

    def raise_any(self) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        fields: dict[str, Any] = {}
        for exc in self.errors:
            for name, message in (exc.fields or {"__all__": exc.message}).items():
                fields.setdefault(name, message)
        raise ValidationFailed(first.message, code=first.code, fields=fields)
