"""Reads of households, residents and special-group tags, always scoped through
:mod:`gridgov.accounts.scoping` on ``area_path`` (ROSTER_VIEW; tags of sensitive types need
ROSTER_SENSITIVE at the resident's area).

Built for a million residents: the search is an exact keyed-hash look-up (ID or phone number),
or a name prefix read as a range of the ``resident_name_path`` index (walked in its own order,
so a page stops early), or the jurisdiction in ``resident_path_id`` order. A household address
is searched (``contains``) only for terms that look like an address, and only over the
jurisdiction's households, capped. Lists never count more than
:data:`gridgov.core.pagination.COUNT_CAP` rows.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.core import crypto
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import visible
from gridgov.rosters import chiefs, privacy
from gridgov.rosters.idnumbers import LANDLINE_RE, MOBILE_RE
from gridgov.rosters.models import (
    Household,
    Membership,
    Resident,
    ResidentTag,
    RosterEvent,
    TagType,
)

ADDRESS_CAP = 500  # households matched by an address term
MAX_Q = 50
ID_RE = re.compile(r"^\d{17}[\dXx]$")
# Characters that mark a search term as (part of) an address rather than a name.
ADDRESS_CHARS = set("0123456789号楼栋幢单元室层座路街巷道弄里村组区苑园庄屯社")
NAME_ORDER = ("name", "area_path", "id")
LIST_ORDER = ("area_path", "id")


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


def name_prefix_q(prefix: str, *, field: str = "name") -> Q:
    """Rows whose ``field`` starts with ``prefix``, as an index range on SQLite (BINARY order:
    ``prefix <= name < prefix with its last character + 1``) and ``LIKE 'prefix%'`` on
    PostgreSQL (served by a ``varchar_pattern_ops`` index)."""
    if connection.vendor == "sqlite":
        high = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": high})
    return Q(**{f"{field}__startswith": prefix})


def looks_like_address(q: str) -> bool:
    return len(q) > 4 or any(c in ADDRESS_CHARS for c in q)


def phone_hashes(q: str) -> list[str]:
    """Keyed hashes of ``q`` read as a phone number (a landline with and without its dash)."""
    phone = re.sub(r"[\s()（）]", "", q).removeprefix("+86")
    if MOBILE_RE.match(phone):
        return crypto.keyed_hashes(phone)
    if LANDLINE_RE.match(phone):
        bare = phone.replace("-", "")
        forms = {phone, bare}
        for n in (3, 4):  # 区号 of 3 or 4 digits
            forms.add(f"{bare[:n]}-{bare[n:]}")
        return sorted({h for f in forms for h in crypto.keyed_hashes(f)})
    return []


def _residents(
    actor: Any, perm: str = Perm.ROSTER_VIEW, *, use_index: bool = True
) -> QuerySet[Resident]:
    """Scoped residents; ``use_index=False`` when another index (name, hash, tag) should drive
    the query on SQLite and the path is only checked (see ``PathInSubtreeScan``)."""
    return visible(Resident.objects.all(), actor, perm, use_index=use_index).filter(
        chiefs.narrow_q(actor, perm, household="household__")
    )


# The path from each model read through _within to its household (a chief's narrowing).
_HOUSEHOLD_PATH = {Resident: "household__", Household: "", ResidentTag: "resident__household__"}


def _within(
    qs: QuerySet[Any], actor: Any, area: Area | None, perm: str, *, use_index: bool = True
) -> QuerySet[Any]:
    """``qs`` narrowed to the actor's jurisdiction for ``perm`` and to ``area``'s subtree.

    When the whole of ``area`` lies in the jurisdiction only its own (narrower) range is used,
    so the index is bounded by the area, not by the jurisdiction's range around it."""
    chief = chiefs.narrow_q(actor, perm, household=_HOUSEHOLD_PATH[qs.model])
    if area is not None and scoping.can(actor, perm, area):
        return qs.filter(subtree_q(area.path, field="area_path", use_index=use_index), chief)
    qs = visible(qs, actor, perm, use_index=use_index).filter(chief)
    if area is not None:
        qs = qs.filter(subtree_q(area.path, field="area_path", use_index=use_index))
    return qs


def _tag_q(actor: Any, tag: TagType, area: Area | None = None) -> Q:
    """Residents with an open tag of ``tag`` in the jurisdiction (and ``area``) — for a
    sensitive type only where the actor holds ROSTER_SENSITIVE (elsewhere nothing matches).
    The tag rows carry the resident's path, so the subquery reads only the jurisdiction's."""
    perm = Perm.ROSTER_SENSITIVE if tag.sensitive else Perm.ROSTER_VIEW
    tags = _within(ResidentTag.objects.filter(tag_type=tag, end_on__isnull=True), actor, area, perm)
    return Q(pk__in=tags.values("resident_id"))


def _broad(actor: Any, area: Area | None) -> bool:
    """Is the search scope wider than one community (a street, a county …)?"""
    if area is not None:
        return area.level < Level.COMMUNITY
    if scoping.is_global(actor):
        return True
    roots = scoping.jurisdiction_roots(actor, Perm.ROSTER_VIEW)
    return any(a.level < Level.COMMUNITY for a in roots)


def address_household_ids(*, actor: Any, q: str, area: Area | None = None) -> list[int]:
    """Ids of (at most :data:`ADDRESS_CAP`) households in the jurisdiction whose address
    contains ``q`` — or, over a scope wider than a community, *starts with* ``q`` (an index
    range on ``household_address``: scanning a county's addresses for a part would read them
    all)."""
    # Broad: the address index drives (the path is only checked); narrow: the path index
    # finds the community's few thousand households and ``contains`` checks each.
    broad = _broad(actor, area)
    qs = _within(Household.objects.all(), actor, area, Perm.ROSTER_VIEW, use_index=not broad)
    match = name_prefix_q(q, field="address") if broad else Q(address__contains=q)
    qs = qs.filter(match)
    return list(qs.order_by().values_list("pk", flat=True)[:ADDRESS_CAP])


def resident_search_for(
    *,
    actor: Any,
    q: str = "",
    area: Area | None = None,
    tag: TagType | None = None,
    household_type: str = "",
    status: str = "living",
    residence_type: str = "",
) -> QuerySet[Resident]:
    """Residents ``actor`` may see (ROSTER_VIEW), filtered and in a cheap indexed order.

    ``q``: an 18-character ID number matches its keyed hash exactly; a mobile or landline
    number its phone hash; anything else is a name prefix, or — when it looks like an address
    (digits, 号/楼/单元/路 …, or longer than 4 characters) — also a household address that
    contains it. ``area`` narrows to its subtree; ``status`` "" means every status.
    """
    q = " ".join((q or "").split())[:MAX_Q]
    compact = q.replace(" ", "")
    # Which index drives: the keyed hashes, the name, the tag's rows — or, for a plain list,
    # the jurisdiction's path range (in its own order, so a page stops early).
    by_path = not q and tag is None
    qs = _within(
        Resident.objects.select_related("household", "area"),
        actor,
        area,
        Perm.ROSTER_VIEW,
        use_index=by_path,
    )
    if status:
        qs = qs.filter(status=status)
    if residence_type:
        qs = qs.filter(residence_type=residence_type)
    if household_type:
        qs = qs.filter(household__household_type=household_type)
    if tag is not None:
        qs = qs.filter(_tag_q(actor, tag, area))
    if not q:
        return qs.order_by(*(LIST_ORDER if by_path else ("-id",)))
    if ID_RE.match(compact):
        return qs.filter(id_number_hash__in=crypto.keyed_hashes(compact.upper())).order_by("id")
    hashes = phone_hashes(compact)
    if hashes:
        return qs.filter(phone_hash__in=hashes).order_by("id")
    match = name_prefix_q(q)
    if looks_like_address(q):
        ids = address_household_ids(actor=actor, q=q, area=area)
        if ids:
            match |= Q(household_id__in=ids)
    return qs.filter(match).order_by(*NAME_ORDER)


def resident_get_for(*, actor: Any, pk: Any) -> Resident:
    """One resident in ``actor``'s ROSTER_VIEW jurisdiction; otherwise NotFound (no leak)."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise _not_found() from None
    resident = (
        _residents(actor)
        .select_related("household", "household__head", "area", "household__room")
        .filter(pk=key)
        .first()
    )
    if resident is None:
        raise _not_found()
    return resident


def household_list_for(
    *,
    actor: Any,
    area: Area | None = None,
    q: str = "",
    household_type: str = "",
    active: bool | None = True,
) -> QuerySet[Household]:
    """Households ``actor`` may see (ROSTER_VIEW), in path order; ``q`` is a household number
    or part of the address."""
    qs = visible(Household.objects.select_related("area", "head"), actor).filter(
        chiefs.narrow_q(actor)
    )
    if area is not None:
        qs = qs.filter(subtree_q(area.path, field="area_path"))
    if household_type:
        qs = qs.filter(household_type=household_type)
    if active is not None:
        qs = qs.filter(is_active=active)
    q = " ".join((q or "").split())[:MAX_Q]
    if q:
        qs = qs.filter(Q(number=q) | Q(address__contains=q))
    return qs.order_by("area_path", "id")


def household_get_for(*, actor: Any, pk: Any) -> Household:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise _not_found() from None
    household = (
        visible(Household.objects.select_related("area", "head", "room", "village_group"), actor)
        .filter(chiefs.narrow_q(actor), pk=key)
        .first()
    )
    if household is None:
        raise _not_found()
    return household


def household_members(*, household: Household) -> list[Resident]:
    """The current members of a household (already fetched for the actor), head first."""
    return list(
        Resident.objects.filter(household=household)
        .select_related("household", "area")
        .order_by("relation", "id")
    )


def tags_visible_for(
    actor: Any, resident: Resident, *, include_ended: bool = True
) -> list[ResidentTag]:
    """The resident's tags ``actor`` may see: every type with ROSTER_SENSITIVE at the
    resident's area, otherwise only the non-sensitive types; open ones first."""
    qs = ResidentTag.objects.filter(resident=resident).select_related("tag_type")
    if not include_ended:
        qs = qs.filter(end_on__isnull=True)
    if not privacy.can_see_sensitive(actor, resident.area_path):
        qs = qs.filter(tag_type__sensitive=False)
    rows = list(qs.order_by("-start_on", "-id"))
    return sorted(rows, key=lambda t: t.end_on is not None)


def tag_get_for(*, actor: Any, resident: Resident, pk: Any) -> ResidentTag:
    for tag in tags_visible_for(actor, resident):
        if str(tag.pk) == str(pk):
            return tag
    raise _not_found()


def tag_types(*, actor: Any, include_inactive: bool = False) -> list[TagType]:
    """The special-group types; sensitive ones only for holders of ROSTER_SENSITIVE
    somewhere (and administrators, who edit them)."""
    qs = TagType.objects.all().order_by("sort", "code")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if not (
        scoping.has_perm_anywhere(actor, Perm.ROSTER_SENSITIVE)
        or scoping.has_perm_anywhere(actor, Perm.MANAGE_CONFIG)
    ):
        qs = qs.filter(sensitive=False)
    return list(qs)


def resident_history(*, resident: Resident, limit: int = 100) -> list[RosterEvent]:
    return list(
        RosterEvent.objects.filter(resident=resident)
        .select_related("actor", "household")
        .order_by("-at", "-id")[:limit]
    )


def resident_memberships(*, resident: Resident) -> list[Membership]:
    return list(
        Membership.objects.filter(resident=resident)
        .select_related("household")
        .order_by("-start_on", "-id")
    )


def household_history(*, household: Household, limit: int = 100) -> list[RosterEvent]:
    return list(
        RosterEvent.objects.filter(household=household)
        .select_related("actor", "resident")
        .order_by("-at", "-id")[:limit]
    )
