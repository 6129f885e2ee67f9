"""Reads for who mediates: committees, rooms and mediators scoped by the jurisdiction
(``visible_to``: outside it a row does not exist), the dispute types, and the choices the
forms offer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from gridgov.accounts import scoping
from gridgov.accounts.models import User
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.core import crypto
from gridgov.mediation.models import Committee, DisputeType, MediationRoom, Mediator
from gridgov.rosters.models import Resident


def _under(qs: QuerySet[Any], area: Area | None) -> QuerySet[Any]:
    if area is None:
        return qs
    return qs.filter(area_path__startswith=area.path)


def _active(qs: QuerySet[Any], active: bool | None) -> QuerySet[Any]:
    return qs if active is None else qs.filter(active=active)


def committee_list(
    user: Any, *, area: Area | None = None, active: bool | None = None, q: str = ""
) -> QuerySet[Committee]:
    qs = Committee.objects.visible_to(user).select_related("area")
    qs = _active(_under(qs, area), active)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return qs.annotate(
        n_rooms=Count("rooms", filter=Q(rooms__active=True), distinct=True),
        n_mediators=Count("mediators", filter=Q(mediators__active=True), distinct=True),
    ).order_by("area_path", "name", "pk")


def room_list(
    user: Any,
    *,
    area: Area | None = None,
    committee: Committee | None = None,
    active: bool | None = None,
    q: str = "",
) -> QuerySet[MediationRoom]:
    qs = MediationRoom.objects.visible_to(user).select_related("area", "committee")
    qs = _active(_under(qs, area), active)
    if committee is not None:
        qs = qs.filter(committee=committee)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return qs.annotate(
        n_mediators=Count("mediators", filter=Q(mediators__active=True), distinct=True)
    ).order_by("area_path", "name", "pk")


def mediator_list(
    user: Any,
    *,
    area: Area | None = None,
    committee: Committee | None = None,
    room: MediationRoom | None = None,
    kind: str = "",
    active: bool | None = None,
    q: str = "",
) -> QuerySet[Mediator]:
    qs = Mediator.objects.visible_to(user).select_related("area", "committee", "room", "user")
    qs = _active(_under(qs, area), active)
    if committee is not None:
        qs = qs.filter(committee=committee)
    if room is not None:
        qs = qs.filter(room=room)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("area_path", "name", "pk")


def committee_get(user: Any, pk: Any, action: str = "view") -> Committee:
    return Committee.objects.get_visible(user, action, pk)


def room_get(user: Any, pk: Any, action: str = "view") -> MediationRoom:
    return MediationRoom.objects.get_visible(user, action, pk)


def mediator_get(user: Any, pk: Any, action: str = "view") -> Mediator:
    return Mediator.objects.get_visible(user, action, pk)


def dispute_type_list(*, active: bool | None = None) -> QuerySet[DisputeType]:
    return _active(DisputeType.objects.all(), active).order_by("sort", "code")


def dispute_type_get(pk: Any) -> DisputeType:
    from django.utils.translation import gettext as _

    from gridgov.core.errors import NotFound

    dtype = DisputeType.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if dtype is None:
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return dtype


# --- Choices for the forms --------------------------------------------------------------------


def manageable_areas(user: Any, *, within: Area | None = None) -> QuerySet[Area]:
    """Active areas from the county down to the grid where ``user`` may manage mediation."""
    qs = scoping.scope(
        Area.objects.filter(is_active=True, level__gte=Level.COUNTY, level__lte=Level.GRID),
        user,
        Perm.MEDIATION_MANAGE,
    )
    if within is not None:
        qs = qs.filter(subtree_q(within.path))
    return qs.order_by("code")


def manageable_committees(user: Any) -> QuerySet[Committee]:
    return (
        Committee.objects.visible_to(user, Perm.MEDIATION_MANAGE)
        .filter(active=True)
        .select_related("area")
        .order_by("area_path", "name")
    )


def manageable_rooms(user: Any) -> QuerySet[MediationRoom]:
    return (
        MediationRoom.objects.visible_to(user, Perm.MEDIATION_MANAGE)
        .filter(active=True)
        .select_related("area")
        .order_by("area_path", "name")
    )


def account_by_username(username: str) -> User | None:
    """The active account of this user name (to link a mediator to), or None."""
    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username=username, is_active=True).first()


def resident_by_id_number(user: Any, id_number: str) -> Resident | None:
    """The living roster resident with this ID number that ``user`` may see, or None."""
    number = "".join((id_number or "").split()).upper()
    if not number:
        return None
    return (
        Resident.objects.visible_to(user)
        .filter(id_number_hash__in=crypto.keyed_hashes(number))
        .order_by("-pk")
        .first()
    )
