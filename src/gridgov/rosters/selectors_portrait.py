"""The grid portrait (网格画像): what a grid (or any area) holds — households by type, residents
living here, special groups, staff on post, party members and recent cases.

Every count is one aggregate over an indexed ``area_path`` range
(:func:`gridgov.areas.selectors.subtree_q`), never a scan. What is shown follows the actor's
permissions at the area: special groups of sensitive types only with ``roster.sensitive``,
party members only with ``party.view``, cases only with ``case.view``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.core.errors import NotFound
from gridgov.rosters.codes import HouseholdType, ResidentStatus
from gridgov.rosters.models import (
    Building,
    Estate,
    Household,
    Resident,
    ResidentTag,
    StaffAssignment,
    TagType,
    VillageGroup,
)

RECENT_CASES = 10
MAX_STAFF = 100


@dataclass
class TypeCount:
    code: str
    label: str
    count: int


@dataclass
class TagCount:
    tag_type: TagType
    count: int


@dataclass
class Portrait:
    area: Area
    households: int = 0
    residents: int = 0
    buildings: int = 0
    estates: int = 0
    village_groups: int = 0
    household_types: list[TypeCount] = field(default_factory=list)
    special_groups: list[TagCount] = field(default_factory=list)
    sees_sensitive: bool = False
    staff: list[StaffAssignment] = field(default_factory=list)
    party_members: int | None = None  # None: the actor may not see party data here
    recent_cases: list[Any] | None = None  # None: the actor may not see cases


def portrait_for(*, actor: Any, area: Area) -> Portrait:
    """The portrait of ``area``'s subtree; NotFound unless the actor has ``roster.view`` there."""
    if not scoping.can(actor, Perm.ROSTER_VIEW, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    inside = subtree_q(area.path, field="area_path")
    p = Portrait(area=area)

    by_type = dict(
        Household.objects.filter(inside, is_active=True)
        .order_by()
        .values("household_type")
        .annotate(n=Count("pk"))
        .values_list("household_type", "n")
    )
    p.household_types = [
        TypeCount(code=str(code), label=str(label), count=by_type.get(code, 0))
        for code, label in HouseholdType.choices
    ]
    p.households = sum(by_type.values())
    p.residents = Resident.objects.filter(inside, status=ResidentStatus.LIVING).count()
    p.buildings = Building.objects.filter(inside, is_active=True).count()
    p.estates = Estate.objects.filter(inside, is_active=True).count()
    p.village_groups = VillageGroup.objects.filter(inside, is_active=True).count()

    p.sees_sensitive = scoping.can(actor, Perm.ROSTER_SENSITIVE, area)
    types = TagType.objects.filter(is_active=True)
    if not p.sees_sensitive:
        types = types.filter(sensitive=False)
    tag_types = list(types.order_by("sort", "code"))
    if tag_types:
        # The (tag_type, area_path) index serves "tag_type IN (…) AND path range".
        counts = dict(
            ResidentTag.objects.filter(
                inside, tag_type__in=[t.pk for t in tag_types], end_on__isnull=True
            )
            .order_by()
            .values("tag_type")
            .annotate(n=Count("pk"))
            .values_list("tag_type", "n")
        )
        p.special_groups = [TagCount(tag_type=t, count=counts.get(t.pk, 0)) for t in tag_types]

    p.staff = list(
        StaffAssignment.objects.filter(inside, end_on__isnull=True)
        .select_related("user", "area", "building__estate", "unit")
        .order_by("area_path", "post", "building_id", "unit_id", "pk")[:MAX_STAFF]
    )

    if scoping.can(actor, Perm.PARTY_VIEW, area):
        from gridgov.party.models import PartyMember

        p.party_members = PartyMember.objects.filter(inside, is_active=True).count()

    if scoping.has_perm_anywhere(actor, Perm.CASE_VIEW):
        from gridgov.cases.selectors import case_list_for

        p.recent_cases = list(case_list_for(actor=actor, area=area)[:RECENT_CASES])
    return p
