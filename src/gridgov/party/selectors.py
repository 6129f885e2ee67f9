"""Reads of the party app, always scoped through :mod:`gridgov.accounts.scoping` on the rows'
``area_path`` (the organisation's area; a 双报到's community). Something outside the user's
jurisdiction is a :class:`~gridgov.core.errors.NotFound`, never a leak."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core import crypto
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import visible
from gridgov.party.models import (
    Attendance,
    DualReport,
    Meeting,
    MemberTransfer,
    PartyEvent,
    PartyMember,
    PartyOrg,
)

MAX_TREE_NODES = 1000
_ID_RE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _scoped(qs: QuerySet[Any], actor: Any, perm: str) -> QuerySet[Any]:
    return visible(qs, actor, perm)


def _not_found() -> NotFound:
    return NotFound(_("Not found, or outside your jurisdiction."))


# --- Organisations ----------------------------------------------------------------------------


def org_list_for(
    *, actor: Any, perm: str = Perm.PARTY_VIEW, active: bool | None = True
) -> QuerySet[PartyOrg]:
    qs = PartyOrg.objects.select_related("area", "parent")
    if active is not None:
        qs = qs.filter(is_active=active)
    return _scoped(qs, actor, perm)


def org_get_for(*, actor: Any, pk: Any, perm: str = Perm.PARTY_VIEW) -> PartyOrg:
    try:
        return org_list_for(actor=actor, perm=perm, active=None).get(pk=int(pk))
    except (PartyOrg.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def org_subtree_ids(org: PartyOrg) -> list[int]:
    """The organisation and all its descendants (the tree is at most a few levels deep)."""
    ids = [org.pk]
    frontier = [org.pk]
    while frontier:
        frontier = list(
            PartyOrg.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = [pk for pk in frontier if pk not in ids]
        ids.extend(frontier)
    return ids


def eligible_members(org: PartyOrg) -> QuerySet[PartyMember]:
    """Active members of ``org`` and of its sub-organisations (who may attend its meetings)."""
    return PartyMember.objects.filter(org_id__in=org_subtree_ids(org), is_active=True).order_by(
        "org__name", "name", "pk"
    )


def eligible_member_ids(org: PartyOrg) -> set[int]:
    return set(eligible_members(org).values_list("pk", flat=True))


@dataclass
class TreeNode:
    org: PartyOrg
    depth: int
    own_members: int
    members: int  # including sub-organisations
    children: list[TreeNode] = field(default_factory=list)


@dataclass
class OrgTree:
    roots: list[TreeNode]
    nodes: list[TreeNode]  # depth-first order, for an indented list
    truncated: bool


def org_tree_for(*, actor: Any, max_nodes: int = MAX_TREE_NODES) -> OrgTree:
    """The active organisations the user may see as a forest, with active member counts."""
    orgs = list(org_list_for(actor=actor).order_by("area__code", "kind", "name")[: max_nodes + 1])
    truncated = len(orgs) > max_nodes
    orgs = orgs[:max_nodes]
    counts = dict(
        PartyMember.objects.filter(org_id__in=[o.pk for o in orgs], is_active=True)
        .values("org")
        .annotate(n=Count("pk"))
        .values_list("org", "n")
        .order_by()
    )
    by_id = {o.pk: TreeNode(o, 0, counts.get(o.pk, 0), counts.get(o.pk, 0)) for o in orgs}
    roots: list[TreeNode] = []
    for node in by_id.values():
        parent = by_id.get(node.org.parent_id or 0)
        (parent.children if parent else roots).append(node)
    ordered: list[TreeNode] = []

    def walk(node: TreeNode, depth: int) -> int:
        node.depth = depth
        ordered.append(node)
        node.members = node.own_members + sum(walk(c, depth + 1) for c in node.children)
        return node.members

    for root in roots:
        walk(root, 0)
    return OrgTree(roots=roots, nodes=ordered, truncated=truncated)


def org_area_choices(*, actor: Any, within: Area | None = None) -> QuerySet[Area]:
    """Active areas (town down to building) where the user may manage party organisations."""
    qs = scoping.scope(
        Area.objects.filter(is_active=True, level__gte=Level.TOWN), actor, Perm.PARTY_MANAGE
    )
    if within is not None:
        from gridgov.areas.selectors import subtree_q

        qs = qs.filter(subtree_q(within.path))
    return qs.order_by("code")


def communities_for(*, actor: Any, perm: str = Perm.PARTY_MANAGE) -> QuerySet[Area]:
    return scoping.scope(
        Area.objects.filter(level=Level.COMMUNITY, is_active=True), actor, perm
    ).order_by("code")


# --- Members ----------------------------------------------------------------------------------


def _hash_query(q: str) -> tuple[str, list[str]] | None:
    """(hash column, the hashes ``q`` may be stored under — two during a key rotation)."""
    compact = re.sub(r"\s", "", q)
    if _ID_RE.match(compact):
        return "id_number_hash", crypto.keyed_hashes(compact.upper())
    if _PHONE_RE.match(compact):
        return "phone_hash", crypto.keyed_hashes(compact)
    return None


def member_list_for(
    *,
    actor: Any,
    org: PartyOrg | None = None,
    q: str = "",
    status: str = "",
    active: bool | None = True,
    perm: str = Perm.PARTY_VIEW,
) -> QuerySet[PartyMember]:
    """Members the user may see; ``org`` includes its sub-organisations; ``q`` is an exact ID
    or phone number, or the start of a name."""
    qs = _scoped(PartyMember.objects.select_related("org"), actor, perm)
    if org is not None:
        qs = qs.filter(org_id__in=org_subtree_ids(org))
    if active is not None:
        qs = qs.filter(is_active=active)
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()[:50]
    if q:
        exact = _hash_query(q)
        qs = qs.filter(**{f"{exact[0]}__in": exact[1]}) if exact else qs.filter(name__startswith=q)
    return qs.order_by("area_path", "org_id", "name", "pk")


def member_get_for(*, actor: Any, pk: Any, perm: str = Perm.PARTY_VIEW) -> PartyMember:
    try:
        return member_list_for(actor=actor, active=None, perm=perm).get(pk=int(pk))
    except (PartyMember.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def member_transfers(member: PartyMember) -> QuerySet[MemberTransfer]:
    return MemberTransfer.objects.filter(member=member).select_related(
        "from_org", "to_org", "actor"
    )


def member_events(member: PartyMember) -> QuerySet[PartyEvent]:
    return PartyEvent.objects.filter(member=member).select_related("actor", "org")


# --- Meetings ---------------------------------------------------------------------------------


def attendance_rate(present: int, total: int) -> float | None:
    """Share of the recorded members who were present, in percent (``None`` without any)."""
    return round(100.0 * present / total, 1) if total else None


def meeting_list_for(
    *,
    actor: Any,
    org: PartyOrg | None = None,
    meeting_type: str = "",
    include_sub: bool = True,
) -> QuerySet[Meeting]:
    qs = _scoped(Meeting.objects.select_related("org"), actor, Perm.PARTY_VIEW)
    if org is not None:
        qs = qs.filter(org_id__in=org_subtree_ids(org)) if include_sub else qs.filter(org=org)
    if meeting_type:
        qs = qs.filter(meeting_type=meeting_type)
    return qs.annotate(
        n_total=Count("attendance"),
        n_present=Count("attendance", filter=Q(attendance__present=True)),
    ).order_by("-held_on", "-pk")


def meeting_get_for(*, actor: Any, pk: Any) -> Meeting:
    try:
        return meeting_list_for(actor=actor).get(pk=int(pk))
    except (Meeting.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def meeting_attendance(meeting: Meeting) -> QuerySet[Attendance]:
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("member", "member__org")
        .order_by("-present", "member__name", "member_id")
    )


# --- 双报到 -----------------------------------------------------------------------------------


def dual_report_list_for(
    *,
    actor: Any,
    community: Area | None = None,
    state: str = "",
    q: str = "",
) -> QuerySet[DualReport]:
    """``state``: "open", "ended" or "" (all); ``q``: an exact phone number, or a name start,
    or part of the workplace."""
    qs = _scoped(DualReport.objects.select_related("community"), actor, Perm.PARTY_VIEW)
    if community is not None:
        qs = qs.filter(community=community)
    if state == "open":
        qs = qs.filter(ended_on__isnull=True)
    elif state == "ended":
        qs = qs.filter(ended_on__isnull=False)
    q = (q or "").strip()[:50]
    if q:
        exact = _hash_query(q)
        if exact and exact[0] == "phone_hash":
            qs = qs.filter(phone_hash__in=exact[1])
        else:
            qs = qs.filter(Q(name__startswith=q) | Q(work_unit__contains=q))
    return qs.order_by("-registered_on", "-pk")


def dual_report_get_for(*, actor: Any, pk: Any) -> DualReport:
    try:
        return dual_report_list_for(actor=actor).get(pk=int(pk))
    except (DualReport.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def meeting_list_for_one(meeting: Meeting) -> Meeting:
    """``meeting`` again with its attendance counts (``n_total``, ``n_present``), unscoped:
    for a meeting already fetched through a scoped selector or just written."""
    return (
        Meeting.objects.select_related("org")
        .annotate(
            n_total=Count("attendance"),
            n_present=Count("attendance", filter=Q(attendance__present=True)),
        )
        .get(pk=meeting.pk)
    )
