"""Password complexity (等保 2.0): at least three of upper case, lower case, digits, symbols."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class CharacterClassValidator:
    """At least ``min_length`` characters drawn from at least ``min_classes`` character classes."""

    def __init__(self, min_classes: int = 3, min_length: int = 8) -> None:
        self.min_classes = min_classes
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("The password must be at least %(n)d characters long.") % {"n": self.min_length},
                code="password_too_short",
            )
        classes = sum(
            bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"\d", r"[^A-Za-z0-9]")
        )
        if classes < self.min_classes:
            raise ValidationError(
                _(
                    "The password must contain at least %(n)d of: upper-case letters, "
                    "lower-case letters, digits, symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must be at least %(length)d characters long and contain at least "
            "%(n)d of: upper-case letters, lower-case letters, digits, symbols."
        ) % {"n": self.min_classes, "length": self.min_length}


def validate_mobile(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if not MOBILE_RE.match(value):
        raise ValidationError(
            _("“%(value)s” is not a valid mainland mobile number (11 digits, starting with 1).")
            % {"value": value},
            code="invalid_mobile",
        )
    return value
