"""Personal data, one module for every app: masks, the declaration of a model's personal
fields, the rule for revealing them and the audit of every reveal and export.

* Masks: :func:`mask_id_number`, :func:`mask_mobile` (one rule for a phone number, the same as
  inside free text), :func:`mask_name`; :func:`mask_text` for typed-in text (titles,
  descriptions, notes, replies …) when it is rendered or serialised — the stored text stays as
  typed.
* Declaration: a model lists its personal fields in ``PERSONAL_DATA`` (:class:`Personal`):
  encrypted ones are stored as ``<name>_enc`` (:func:`encrypt`), ``<name>_hash``
  (:func:`keyed_hash`, for exact look-up) and ``<name>_masked`` — :func:`protect` gives the
  three columns; clear ones (a name) are masked when shown.
* Revealing: :func:`can_unmask` (``roster.unmask`` at the record's area) and
  :func:`unmask` — a reason (:func:`clean_reason`) and one ``personal_data_viewed`` audit
  entry naming the fields, never the values; a refusal is audited too (:func:`refuse`).
  Exports report themselves through :func:`record_export`.

Encryption and keyed hashes live in :mod:`gridgov.core.crypto` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import SimpleNamespace
from typing import Any, NoReturn

from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric

from gridgov.core.errors import Code, PermissionDenied, ValidationFailed

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
    """A phone number as shown: the same rule as inside free text (:func:`mask_text`).

    ``13812341234`` → ``138****1234`` (also with ``+86``/``86`` and separators, kept as typed);
    a landline keeps its area code and the last four digits (``0951-5012345`` →
    ``0951-***2345``, ``09515012345`` → ``0951***2345``); anything else keeps only its last four
    characters (``123`` → ``***``)."""
    if not value:
        return ""
    value = value.strip()
    m = _MOBILE_RE.fullmatch(value)
    if m:
        return _mask_mobile(m)
    m = _LANDLINE_RE.fullmatch(value)
    if m:
        return _landline_mask(m)
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
    return (m.group("cc") or "") + digits[:3] + "****" + digits[7:]


def _landline_mask(m: re.Match[str]) -> str:
    local = re.sub(r"\D", "", m.group("local"))
    return m.group("area") + "*" * (len(local) - 4) + local[-4:] + (m.group("ext") or "")


def _mask_landline(m: re.Match[str]) -> str:
    area, local = m.group("area"), re.sub(r"\D", "", m.group("local"))
    if not any(c in area for c in "-)） ") and len(re.sub(r"\D", "", area)) + len(local) < 11:
        return m.group(0)  # ten digits without a separator: too likely some other number
    return _landline_mask(m)


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
        raise ValidationFailed(msg, code=Code.REASON_REQUIRED, fields={"reason": msg})
    return reason


# --- Declaring a model's personal fields ------------------------------------------------------


class Kind(StrEnum):
    """What a personal value is: decides its mask."""

    NAME = "name"
    ID_NUMBER = "id_number"
    PHONE = "phone"


_MASKS = {Kind.NAME: mask_name, Kind.ID_NUMBER: mask_id_number, Kind.PHONE: mask_mobile}


@dataclass(frozen=True)
class Personal:
    """One personal field of a model, listed in the model's ``PERSONAL_DATA``::

        PERSONAL_DATA = (
            pii.Personal("name", pii.Kind.NAME, encrypted=False),
            pii.Personal("id_number", pii.Kind.ID_NUMBER),
            pii.Personal("phone", pii.Kind.PHONE),
        )

    An encrypted field ``x`` is stored in ``x_enc``, ``x_hash`` and ``x_masked``
    (:func:`protect`); a clear one in ``x`` itself."""

    name: str
    kind: Kind
    encrypted: bool = True

    def mask(self, value: str | None) -> str:
        return _MASKS[self.kind](value or "")

    def clear_value(self, obj: Any) -> str:
        """The clear value on ``obj`` ('' when it cannot be decrypted with the key)."""
        if not self.encrypted:
            return str(getattr(obj, self.name, "") or "")
        try:
            return decrypt(getattr(obj, f"{self.name}_enc", "") or "")
        except ValueError:
            return ""

    def masked_value(self, obj: Any) -> str:
        """The value as shown by default: the stored mask, or the mask of the clear value."""
        if self.encrypted:
            return str(getattr(obj, f"{self.name}_masked", "") or "")
        return self.mask(getattr(obj, self.name, ""))


def personal_fields(obj: Any) -> dict[str, Personal]:
    """The personal fields ``obj`` (an instance or a model) declares, by name."""
    return {p.name: p for p in getattr(obj, "PERSONAL_DATA", ())}


def protect(value: str, kind: Kind, *, name: str | None = None) -> dict[str, str]:
    """The three stored columns of an encrypted personal value (already checked and
    normalised): ``<name>_enc``, ``<name>_hash`` and ``<name>_masked`` (``name``: the kind's)."""
    name = name or str(kind)
    return {
        f"{name}_enc": encrypt(value),
        f"{name}_hash": keyed_hash(value),
        f"{name}_masked": _MASKS[kind](value),
    }


def encrypt(value: str) -> str:
    """:func:`gridgov.core.crypto.encrypt`."""
    from gridgov.core import crypto

    return crypto.encrypt(value)


def decrypt(token: str) -> str:
    """:func:`gridgov.core.crypto.decrypt`."""
    from gridgov.core import crypto

    return crypto.decrypt(token)


def keyed_hash(value: str) -> str:
    """:func:`gridgov.core.crypto.keyed_hash`."""
    from gridgov.core import crypto

    return crypto.keyed_hash(value)


# --- Revealing, audited -----------------------------------------------------------------------


def refuse(
    actor: Any, *, what: str, area_path: str = "", target: Any = None, target_repr: str = ""
) -> NoReturn:
    """Audit a refused reveal or export (``permission_denied``, ``roster.unmask``) and raise
    :class:`PermissionDenied`."""
    from gridgov.accounts.roles import Perm
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=actor,
        target=target,
        target_repr=target_repr,
        area=SimpleNamespace(path=area_path),
        detail={"perm": str(Perm.ROSTER_UNMASK), "what": what},
    )
    raise PermissionDenied(
        _("You do not have permission to do this in this area."), code=Code.PERMISSION_DENIED
    )


def record_viewed(
    *,
    actor: Any,
    target: Any,
    target_repr: str,
    area_path: str,
    fields: Iterable[str],
    reason: str,
) -> None:
    """Write the ``personal_data_viewed`` audit entry of one reveal: who, whose record, which
    fields, why — never the values."""
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    with transaction.atomic():
        audit_record(
            event=Event.PERSONAL_DATA_VIEWED,
            actor=actor,
            target=target,
            target_repr=target_repr,
            area=SimpleNamespace(path=area_path),
            detail={"fields": list(fields), "reason": reason},
        )


def unmask(
    *,
    actor: Any,
    obj: Any,
    reason: str,
    fields: Iterable[str] = (),
    target_repr: str | None = None,
) -> dict[str, str]:
    """The clear values of ``fields`` (default: every declared one) of ``obj`` — a row that
    declares ``PERSONAL_DATA`` and has ``area_path`` — audited.

    Needs ``roster.unmask`` at ``obj.area_path`` (else :func:`refuse`) and a non-empty reason
    (else ValidationFailed on ``reason``). A field ``obj`` does not declare is refused
    (ValidationFailed on ``fields``). ``target_repr``: how the audit names the record (default
    its name)."""
    declared = personal_fields(obj)
    area_path = str(getattr(obj, "area_path", "") or "")
    if not can_unmask(actor, area_path):
        refuse(actor, what="unmask", area_path=area_path)
    reason = clean_reason(reason)
    wanted: list[str] = []
    for name in fields or declared:
        if name not in declared:
            msg = _("This field cannot be shown.")
            raise ValidationFailed(msg, code=Code.UNKNOWN_FIELD, fields={"fields": msg})
        if name not in wanted:
            wanted.append(name)
    values = {name: declared[name].clear_value(obj) for name in wanted}
    if target_repr is None:
        target_repr = str(getattr(obj, "name", "") or obj)
    record_viewed(
        actor=actor,
        target=obj,
        target_repr=target_repr,
        area_path=area_path,
        fields=wanted,
        reason=reason,
    )
    return values


_DIGITS = re.compile(r"\d{4,}")


def _safe_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters of an export as recorded: a search term holding a number is hidden."""
    safe: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if isinstance(value, str) and _DIGITS.search(value):
            value = "***"
        elif not isinstance(value, (str, int, float, bool, type(None))):
            value = str(getattr(value, "pk", value))
        safe[str(key)] = value
    return safe


def record_export(
    *,
    actor: Any,
    kind: str,
    count: int,
    unmasked: bool,
    reason: str,
    filters: dict[str, Any],
    area_path: str = "",
) -> None:
    """Write the ``personal_data_exported`` audit entry of one export.

    The caller has checked the export permission at the filter's area. An unmasked export needs
    a reason and ``roster.unmask`` at ``area_path`` (the filter's area; without it, anywhere —
    the caller then scopes the rows by ``roster.unmask``); a refusal is audited
    (:func:`refuse`). Filter values holding numbers (a searched ID or phone number) are not
    written."""
    from gridgov.accounts import scoping
    from gridgov.accounts.roles import Perm
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    if unmasked:
        allowed = (
            can_unmask(actor, area_path)
            if area_path
            else scoping.has_perm_anywhere(actor, Perm.ROSTER_UNMASK)
        )
        if not allowed:
            refuse(actor, what=f"export:{kind}", area_path=area_path)
        reason = clean_reason(reason)
    else:
        reason = " ".join((reason or "").split())[:MAX_REASON]
    audit_record(
        event=Event.PERSONAL_DATA_EXPORTED,
        actor=actor,
        target_repr=str(kind)[:200],
        area=SimpleNamespace(path=area_path),
        detail={
            "kind": str(kind),
            "count": int(count),
            "unmasked": bool(unmasked),
            "reason": reason,
            "filters": _safe_filters(filters),
        },
    )
