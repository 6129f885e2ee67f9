"""Party organisations (党委 / 党总支 / 党支部 / 党小组) in a tree attached to areas.

Rules: a kind hangs only under the kinds in :data:`~gridgov.party.models.ALLOWED_PARENT_KINDS`
(a 党小组 only under a 党支部); a child's area lies inside its parent's area (社区党委 at the
community, 网格党支部 at a grid of it, 楼栋党小组 at the grid or a building below); names are
unique among active siblings. PARTY_MANAGE at the organisation's area (and at the parent's).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.core.errors import Code, Conflict, ValidationFailed
from gridgov.party.models import ALLOWED_PARENT_KINDS, OrgKind, PartyMember, PartyOrg
from gridgov.party.services._common import (
    event,
    not_future,
    optional_text,
    require,
    required_text,
)

_NO_VALUE: Any = object()


def check_parent(kind: str, parent: PartyOrg | None, area: Area) -> None:
    """Raise :class:`ValidationFailed` unless an organisation of ``kind`` at ``area`` may hang
    under ``parent``."""
    if kind not in OrgKind.values:
        msg = _("Choose a kind of organisation.")
        raise ValidationFailed(msg, fields={"kind": msg})
    allowed = ALLOWED_PARENT_KINDS[kind]
    if parent is None:
        if "" not in allowed:
            msg = _("A %(kind)s must hang under a %(parents)s.") % {
                "kind": OrgKind(kind).label,
                "parents": _(" or ").join(str(OrgKind(k).label) for k in allowed if k),
            }
            raise ValidationFailed(msg, code=Code.PARENT_REQUIRED, fields={"parent": msg})
        return
    if parent.kind not in allowed:
        msg = _("A %(kind)s cannot hang under a %(parent)s.") % {
            "kind": OrgKind(kind).label,
            "parent": OrgKind(parent.kind).label,
        }
        raise ValidationFailed(msg, code=Code.WRONG_PARENT_KIND, fields={"parent": msg})
    if not parent.is_active:
        msg = _("The parent organisation is no longer active.")
        raise ValidationFailed(msg, fields={"parent": msg})
    if not area.path.startswith(parent.area_path):
        msg = _("The area must lie inside the parent organisation's area.")
        raise ValidationFailed(msg, code=Code.AREA_OUTSIDE_PARENT, fields={"area": msg})


def _check_unique_name(name: str, parent: PartyOrg | None, area: Area, exclude: int | None) -> None:
    qs = PartyOrg.objects.filter(name=name, is_active=True)
    qs = (
        qs.filter(parent=parent)
        if parent is not None
        else qs.filter(parent__isnull=True, area=area)
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        msg = _("Another organisation here already has this name.")
        raise ValidationFailed(msg, code=Code.DUPLICATE_NAME, fields={"name": msg})


def org_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    area: Area,
    parent: PartyOrg | None = None,
    secretary: str = "",
    established_on: date | None = None,
) -> PartyOrg:
    require(actor, Perm.PARTY_MANAGE, area, what="party_org_create")
    if parent is not None:
        require(actor, Perm.PARTY_MANAGE, parent.area, what="party_org_create")
    name = required_text(name, field="name", max_length=100)
    secretary = optional_text(secretary, field="secretary", max_length=50)
    if not area.is_active:
        msg = _("The area is no longer active.")
        raise ValidationFailed(msg, fields={"area": msg})
    check_parent(kind, parent, area)
    not_future(established_on, field="established_on")
    with transaction.atomic():
        _check_unique_name(name, parent, area, None)
        org = PartyOrg.objects.create(
            name=name,
            kind=kind,
            parent=parent,
            area=area,
            secretary=secretary,
            established_on=established_on,
        )
        event(
            "org_created",
            actor=actor,
            org=org,
            detail={"kind": kind, "parent": parent.pk if parent else None, "area": area.pk},
        )
    return org


def org_update(
    *,
    actor: Any,
    org: PartyOrg,
    name: str | None = None,
    secretary: str | None = None,
    established_on: Any = _NO_VALUE,
    is_active: bool | None = None,
) -> PartyOrg:
    """Rename, set secretary / founding date, or deactivate (only without active members or
    active sub-organisations). Organisations are never deleted."""
    require(actor, Perm.PARTY_MANAGE, org.area, what="party_org_update")
    changes: dict[str, Any] = {}
    if name is not None:
        name = required_text(name, field="name", max_length=100)
        if name != org.name:
            _check_unique_name(name, org.parent, org.area, org.pk)
            changes["name"] = name
    if secretary is not None:
        secretary = optional_text(secretary, field="secretary", max_length=50)
        if secretary != org.secretary:
            changes["secretary"] = secretary
    if established_on is not _NO_VALUE and established_on != org.established_on:
        not_future(established_on, field="established_on")
        changes["established_on"] = established_on
    if is_active is not None and is_active != org.is_active:
        if not is_active:
            if PartyMember.objects.filter(org=org, is_active=True).exists():
                raise Conflict(
                    _("Transfer the organisation's members before deactivating it."),
                    code=Code.ORG_HAS_MEMBERS,
                )
            if PartyOrg.objects.filter(parent=org, is_active=True).exists():
                raise Conflict(
                    _("Deactivate the sub-organisations first."), code=Code.ORG_HAS_CHILDREN
                )
        elif org.parent is not None and not org.parent.is_active:
            msg = _("The parent organisation is no longer active.")
            raise ValidationFailed(msg, fields={"parent": msg})
        changes["is_active"] = is_active
    if not changes:
        return org
    with transaction.atomic():
        PartyOrg.objects.filter(pk=org.pk).update(**changes)
        event("org_updated", actor=actor, org=org, detail={"fields": sorted(changes)})
    for key, value in changes.items():
        setattr(org, key, value)
    return org
