"""Personal data on screen: the masks, the free-text masker and the rule for revealing.

One module for every app: rosters show stored masks made with :func:`mask_id_number` and
:func:`mask_mobile`; cases and Open311 pass typed-in text (titles, descriptions, addresses,
timeline notes, replies, rating comments, notification texts) through :func:`mask_text` when
they render or serialise it — the stored text stays as typed. Clear values are shown only
after an audited unmask with a reason (:func:`clean_reason`, :func:`can_unmask`), never in
lists.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from stdnum.cn import ric

from gridgov.core.errors import ValidationFailed

MAX_REASON = 200


# --- Masks of single values -------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """``11010119900307123X`` → ``1***************3X`` (first character, last two kept)."""
    if not value:
        return ""
    if len(value) <= 3:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 3) + value[-2:]


def mask_mobile(value: str | None) -> str:
    """``13812341234`` → ``138****1234``; other phone numbers keep only their last four digits."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[7:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the family name's first character only."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


# --- Free text --------------------------------------------------------------------------------

# Bounded by anything but a digit or a Latin letter, so that parts of longer numbers (case and
# work-order numbers, bank accounts) are left alone.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?P<cc>(?:\+|00)?86[- ]?)?(?P<n>1[3-9]\d[- ]?\d{4}[- ]?\d{4})(?!\d)"
)
# 0571-88886666, 0571 8888 6666, (0571)88886666, （010）88886666-123, 01088886666
_LANDLINE_RE = re.compile(
    r"(?<![0-9A-Za-z])(?P<area>[(（]?0\d{2,3}[)）]?[- ]?)"
    r"(?P<local>\d{3,4}[- ]?\d{4})(?P<ext>[-转]\d{1,6})?(?!\d)"
)
_EMAIL_RE = re.compile(r"(?P<user>[\w.+-]+)@(?P<domain>[\w-]+(?:\.[\w-]+)+)")


def _looks_like_id(value: str) -> bool:
    """A valid GB 11643 number (python-stdnum), or one with a wrong check digit but a birth
    date in place (a mistyped ID number is still personal data); other 18-digit numbers (bank
    or order references) are left alone."""
    if ric.is_valid(value):
        return True
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= date.today().year


def _mask_id(m: re.Match[str]) -> str:
    value = m.group(0)
    return mask_id_number(value) if _looks_like_id(value) else value


def _mask_mobile(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group("n"))
    return (m.group("cc") or "") + mask_mobile(digits)


def _mask_landline(m: re.Match[str]) -> str:
    area, local = m.group("area"), re.sub(r"\D", "", m.group("local"))
    if not any(c in area for c in "-)） ") and len(re.sub(r"\D", "", area)) + len(local) < 11:
        return m.group(0)  # ten digits without a separator: too likely some other number
    return area + "*" * (len(local) - 4) + local[-4:] + (m.group("ext") or "")


def _mask_email(m: re.Match[str]) -> str:
    return m.group("user")[0] + "***@" + m.group("domain")


def mask_text(value: str | None) -> str:
    """Free text with citizen ID numbers (GB 11643, see :func:`_looks_like_id`), mainland mobile and landline
    numbers and e-mail addresses masked; everything else as typed."""
    if not value:
        return ""
    value = _ID_RE.sub(_mask_id, value)
    value = _MOBILE_RE.sub(_mask_mobile, value)
    value = _LANDLINE_RE.sub(_mask_landline, value)
    return _EMAIL_RE.sub(_mask_email, value)


def has_personal_data(value: str | None) -> bool:
    """Would :func:`mask_text` change ``value``?"""
    return bool(value) and mask_text(value) != value


def masker(reveal: bool = False) -> Any:
    """The function a page or response passes free text through: :func:`mask_text`, or the
    identity after an audited unmask (``reveal``). Decided once per request."""
    if reveal:
        return lambda value: value or ""
    return mask_text


# --- Revealing --------------------------------------------------------------------------------


def can_unmask(actor: Any, area_path: str) -> bool:
    """May ``actor`` see personal data unmasked at ``area_path`` (``roster.unmask`` there —
    "Show and export personal data unmasked")?"""
    from gridgov.accounts import scoping
    from gridgov.accounts.roles import Perm

    if scoping.is_global(actor):
        return True
    if not area_path:
        return False
    return any(
        area_path.startswith(p) for p in scoping.jurisdiction_paths(actor, Perm.ROSTER_UNMASK)
    )


def clean_reason(reason: str | None) -> str:
    """The reason for an unmask, on one line; a ``ValidationFailed`` on ``reason`` when empty."""
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        msg = _("Give the reason why you need to see the unmasked data.")
        raise ValidationFailed(msg, code="reason_required", fields={"reason": msg})
    return reason
