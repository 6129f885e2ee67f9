"""Resident ID numbers (居民身份证号码, GB 11643) and phone numbers: checks and what they tell.

ID numbers are checked with python-stdnum (``stdnum.cn.ric``): length, digits, the check digit,
the birth date and the birth place (the county code must have existed in the year of birth).
The gender is the parity of the 17th digit and the birth date digits 7–14.

Stored as three columns on every model that holds one (see :func:`protected_id`): the Fernet
token, the keyed hash for exact look-up and de-duplication, and the mask shown by default —
so lists never decrypt anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from gridgov.core import pii
from gridgov.core.errors import ValidationFailed

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass(frozen=True)
class IdFacts:
    number: str  # normalised: 18 characters, upper-case X
    birth_date: date
    gender: str  # "M" or "F"


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid resident ID number (translated), or ``None`` if it is."""
    try:
        ric.validate(value)
    except InvalidLength:
        return _("An ID number has 18 characters.")
    except InvalidFormat:
        return _("An ID number is 17 digits followed by a digit or X.")
    except InvalidChecksum:
        return _("The check digit of this ID number is wrong.")
    except InvalidComponent:
        return _("The birth date or birth place in this ID number does not exist.")
    except ValidationError:
        return _("This is not a valid ID number.")
    return None


def parse_id(value: str, *, field: str = "id_number") -> IdFacts:
    """Check ``value`` and derive birth date and gender; raises :class:`ValidationFailed`."""
    number = ric.compact(value or "").upper()
    problem = id_problem(number)
    if problem:
        raise ValidationFailed(problem, fields={field: problem})
    birth = ric.get_birth_date(number)
    gender = "M" if int(number[16]) % 2 else "F"
    return IdFacts(number=number, birth_date=birth, gender=gender)


def normalise_phone(value: str, *, field: str = "phone") -> str:
    """A mobile (11 digits) or landline (区号-号码) number without spaces; '' stays ''."""
    phone = re.sub(r"[\s()（）]", "", value or "").removeprefix("+86")
    if not phone:
        return ""
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    problem = _("Enter an 11-digit mobile number or a landline number with its area code.")
    raise ValidationFailed(problem, fields={field: problem})


def protected_id(number: str) -> dict[str, str]:
    """The three stored columns for a (valid, normalised) ID number."""
    return pii.protect(number, pii.Kind.ID_NUMBER)


def protected_phone(phone: str) -> dict[str, str]:
    """The three stored columns for a (normalised) phone number."""
    return pii.protect(phone, pii.Kind.PHONE)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
