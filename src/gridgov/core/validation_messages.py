"""Pydantic's validation errors in the request's language.

Django Ninja reports a body or parameter that does not fit its schema with pydantic's English
messages ("Field required", "Input should be a valid integer" …). :func:`error_message` gives
the common error types a translated message (Chinese by default, see
:mod:`gridgov.core.middleware`); an error type not listed keeps pydantic's text, and a
``value_error`` raised by our own validators keeps its (already translated) message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _


def _limit(ctx: Mapping[str, Any], key: str) -> Any:
    value = ctx.get(key)
    return value if value is not None else "?"


def error_message(error: Mapping[str, Any]) -> str:
    """The message for one pydantic error dict (``type``, ``msg``, ``ctx``)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    msg = str(error.get("msg", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind in ("string_type", "string_sub_type"):
        return _("Enter text.")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return _("Enter a whole number.")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing"):
        return _("Enter a number.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Enter true or false.")
    if kind in (
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind in (
        "datetime_type",
        "datetime_parsing",
        "datetime_from_date_parsing",
        "datetime_object_invalid",
    ):
        return _("Enter a valid date and time (ISO 8601).")
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": _limit(ctx, "min_length")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": _limit(ctx, "max_length")}
    if kind == "too_short":
        return _("Give at least %(n)s items.") % {"n": _limit(ctx, "min_length")}
    if kind == "too_long":
        return _("Give at most %(n)s items.") % {"n": _limit(ctx, "max_length")}
    if kind == "greater_than_equal":
        return _("Enter a value of at least %(n)s.") % {"n": _limit(ctx, "ge")}
    if kind == "less_than_equal":
        return _("Enter a value of at most %(n)s.") % {"n": _limit(ctx, "le")}
    if kind == "greater_than":
        return _("Enter a value greater than %(n)s.") % {"n": _limit(ctx, "gt")}
    if kind == "less_than":
        return _("Enter a value less than %(n)s.") % {"n": _limit(ctx, "lt")}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": _limit(ctx, "expected")}
    if kind == "string_pattern_mismatch":
        return _("The value is not in the expected format.")
    if kind == "extra_forbidden":
        return _("This field is not allowed here.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Give a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Give an object.")
    if kind == "uuid_parsing":
        return _("Enter a valid UUID.")
    if kind == "json_invalid":
        return _("The value is not valid JSON.")
    if kind == "value_error":
        # Our validators' messages are translated already; pydantic puts a prefix before them.
        return msg.removeprefix("Value error, ")
    return msg
