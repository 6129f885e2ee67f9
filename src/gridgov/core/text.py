"""One rule for the characters that text may hold, wherever it enters gridgov.

Names, addresses and descriptions are typed by people: they never need NUL, the other C0/C1
control characters, DEL, lone UTF-16 surrogates or the non-characters U+FFFE/U+FFFF. Those
break PostgreSQL (NUL), the XML inside xlsx exports (controls), JSON and UTF-8 encoders
(surrogates), and are a classic way to hide text from a reviewer. Tab, line feed and carriage
return are the only controls allowed, and only where text may span lines.

The API's parser, the web middleware, Open311 and the importers all call :func:`bad_character`
(or :func:`check_text`); exports call :func:`printable` on what was stored before the rule.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from gridgov.core.errors import Code, ValidationFailed

# C0 controls but tab/LF/CR, DEL and C1 controls, lone surrogates, U+FFFE/U+FFFF.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BAD_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class BadCharacters(ValidationFailed):
    code = Code.BAD_CHARACTERS
    status = 400


def bad_character(value: str, *, multiline: bool = True) -> str | None:
    """The first forbidden character of ``value`` as ``U+XXXX``, or None when it is clean."""
    match = (_BAD if multiline else _BAD_SINGLE_LINE).search(value)
    if match is None:
        return None
    return f"U+{ord(match.group()):04X}"


def find_bad(data: Any, path: str = "") -> tuple[str, str] | None:
    """The first (field path, ``U+XXXX``) with a forbidden character anywhere in decoded JSON
    (strings, object keys, nested lists), or None."""
    if isinstance(data, str):
        found = bad_character(data)
        return (path, found) if found else None
    if isinstance(data, dict):
        for key, value in data.items():
            key_text = str(key)
            found = bad_character(key_text)
            if found:
                return (_join(path, key_text), found)
            hit = find_bad(value, _join(path, key_text))
            if hit:
                return hit
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            hit = find_bad(value, _join(path, str(index)))
            if hit:
                return hit
    return None


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def check_text(value: str, *, field: str = "", multiline: bool = True) -> str:
    """``value`` unchanged, or :class:`BadCharacters` naming the field and the character."""
    found = bad_character(value, multiline=multiline)
    if found is None:
        return value
    message = _("The text contains a character that is not allowed (%(char)s).") % {"char": found}
    raise BadCharacters(message, fields={field: message} if field else None)


def validate_text(value: Any) -> None:
    """The form validator every ``forms.CharField`` carries (installed by the core app): a
    field error in the form, so a grid worker keeps what was typed and sees which field to fix."""
    from django.core.exceptions import ValidationError

    found = bad_character(str(value))
    if found:
        raise ValidationError(
            _("The text contains a character that is not allowed (%(char)s).") % {"char": found},
            code="bad_characters",
        )


def printable(value: str) -> str:
    """``value`` with every forbidden character removed: for exports of text stored before the
    rule existed, so that one bad name never breaks a file for everyone."""
    return _BAD.sub("", value)


def escaped(value: str) -> str:
    """``value`` with every forbidden character written as ``\\uXXXX``: for naming a field in
    an error whose very name holds one (the answer must still encode as UTF-8)."""
    return _BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
