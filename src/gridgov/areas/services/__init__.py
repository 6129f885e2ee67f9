"""Writes to the area tree. Every change goes through one of these functions: permission and
jurisdiction check, one transaction, an audit entry, and boundary-revision bump where needed.

``actor=None`` means the system itself (command-line imports, the demo generator).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Perm
from gridgov.accounts.scoping import require
from gridgov.areas import geo
from gridgov.areas.codes import ALLOWED_PARENTS, ROOT_LEVELS, Level, validate_code
from gridgov.areas.models import Area, GeoRevision
from gridgov.areas.selectors import area_subtree, subtree_q
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core import revisions
from gridgov.core.errors import Code, Conflict, ValidationFailed

# Revision of the area rows (see core.revisions).
AREAS = "areas"


def current_geo_revision() -> int:
    row = GeoRevision.objects.filter(pk=1).values_list("revision", flat=True).first()
    return int(row or 0)


def _bump_geo_revision() -> None:
    """Give the boundaries a new revision token in the current transaction.

    The token is random rather than a counter: after a rollback or a restored backup a counter
    would repeat a number that an in-process index was already built from."""
    token = secrets.randbits(62) or 1
    updated = GeoRevision.objects.filter(pk=1).update(revision=token)
    if not updated:
        GeoRevision.objects.update_or_create(pk=1, defaults={"revision": token})
    transaction.on_commit(geo.locator.invalidate)
    revisions.bump(AREAS)


def _bump_areas_revision() -> None:
    """Mark a change of area rows (names, paths, …) for the processes that keep areas in memory
    (see :mod:`gridgov.core.revisions`); boundary changes call :func:`_bump_geo_revision`,
    which marks both."""
    revisions.bump(AREAS)


def _check_parent(level: int, parent: Area | None) -> None:
    allowed = ALLOWED_PARENTS[level]
    if parent is None:
        if level not in ROOT_LEVELS:
            raise ValidationFailed(
                _("A %(level)s must have a parent area.") % {"level": Level(level).label},
                code=Code.PARENT_REQUIRED,
                fields={"parent": _("Required.")},
            )
        return
    if parent.level not in allowed:
        msg = _("A %(level)s cannot be placed under a %(parent)s.") % {
            "level": Level(level).label,
            "parent": Level(parent.level).label,
        }
        raise ValidationFailed(msg, code=Code.WRONG_PARENT_LEVEL, fields={"parent": msg})


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            _("The name is required."), code=Code.NAME_REQUIRED, fields={"name": _("Required.")}
        )
    if len(name) > 100:
        raise ValidationFailed(
            _("The name is too long (at most 100 characters)."),
            fields={"name": _("At most 100 characters.")},
        )
    return name


def _prepare_boundary(
    *, level: int, geometry: Any, parent: Area | None, exclude_pk: int | None
) -> tuple[dict[str, Any], dict[str, float]]:
    geom = geo.parse_boundary(geometry)
    if level == Level.GRID and parent is not None:
        siblings = Area.objects.filter(
            parent=parent, level=Level.GRID, geometry__isnull=False, is_active=True
        )
        if exclude_pk is not None:
            siblings = siblings.exclude(pk=exclude_pk)
        overlaps = geo.find_overlaps(geom, siblings.values_list("code", "name", "geometry"))
        if overlaps:
            raise geo.overlap_error(overlaps)
    return geom.__geo_interface__, geo.bbox_and_center(geom)


def area_create(
    *,
    actor: Any,
    parent: Area | None,
    level: int,
    code: str,
    name: str,
    geometry: Any = None,
) -> Area:
    """Create an area under ``parent``; the code is checked against the national rules."""
    if actor is not None:
        require(actor, Perm.MANAGE_AREA, parent, what="area_create")
    level = Level(level)
    _check_parent(level, parent)
    info = validate_code(code, level, parent.code if parent else None)
    name = _check_name(name)
    boundary: dict[str, Any] | None = None
    box: dict[str, float] = {}
    if geometry is not None:
        boundary, box = _prepare_boundary(
            level=level, geometry=geometry, parent=parent, exclude_pk=None
        )
    with transaction.atomic():
        if Area.objects.filter(code=info.code).exists():
            raise Conflict(
                _("An area with code %(code)s already exists.") % {"code": info.code},
                code=Code.DUPLICATE_CODE,
                fields={"code": _("Already in use.")},
            )
        area = Area(
            code=info.code,
            name=name,
            level=level,
            kind=info.kind,
            parent=parent,
            depth=(parent.depth + 1) if parent else 0,
            geometry=boundary,
            path="",
            **box,
        )
        try:
            area.save()
        except IntegrityError as exc:  # a concurrent create of the same code
            raise Conflict(
                _("An area with code %(code)s already exists.") % {"code": info.code},
                code=Code.DUPLICATE_CODE,
            ) from exc
        area.path = f"{parent.path if parent else ''}{area.pk}/"
        Area.objects.filter(pk=area.pk).update(path=area.path)
        if boundary is not None:
            _bump_geo_revision()
        audit_record(
            event=Event.AREA_CREATED,
            actor=actor,
            actor_name="" if actor else "system",
            target=area,
            area=area,
            detail={"code": area.code, "level": int(level)},
        )
    return area


def _check_version(area: Area, version: int | None) -> None:
    if version is not None and version != area.version:
        raise Conflict(
            _("This area was changed by someone else meanwhile; reload and try again."),
            code=Code.STALE_VERSION,
        )


def area_update(
    *,
    actor: Any,
    area: Area,
    name: str | None = None,
    is_active: bool | None = None,
    version: int | None = None,
) -> Area:
    """Rename or (de)activate an area. ``version`` guards against overwriting a concurrent edit."""
    if actor is not None:
        require(actor, Perm.MANAGE_AREA, area, what="area_update")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _check_name(name)
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    with transaction.atomic():
        current = Area.objects.select_for_update().get(pk=area.pk)
        _check_version(current, version)
        before = {k: getattr(current, k) for k in changes}
        for k, v in changes.items():
            setattr(current, k, v)
        current.version += 1
        current.save()
        if "is_active" in changes and before["is_active"] != changes["is_active"]:
            _bump_geo_revision()
        else:
            _bump_areas_revision()
        audit_record(
            event=Event.AREA_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=current,
            area=current,
            detail={"before": before, "after": changes},
        )
    return current


def area_set_boundary(*, actor: Any, area: Area, geometry: Any, version: int | None = None) -> Area:
    """Set or replace an area's boundary (GeoJSON). Grids may not overlap their siblings."""
    if actor is not None:
        require(actor, Perm.MANAGE_AREA, area, what="area_set_boundary")
    boundary, box = _prepare_boundary(
        level=area.level, geometry=geometry, parent=area.parent, exclude_pk=area.pk
    )
    with transaction.atomic():
        current = Area.objects.select_for_update().get(pk=area.pk)
        _check_version(current, version)
        current.geometry = boundary
        for k, v in box.items():
            setattr(current, k, v)
        current.version += 1
        current.save()
        _bump_geo_revision()
        audit_record(
            event=Event.BOUNDARY_CHANGED,
            actor=actor,
            actor_name="" if actor else "system",
            target=current,
            area=current,
        )
    return current


def area_move(
    *,
    actor: Any,
    area: Area,
    new_parent: Area,
    new_code: str | None = None,
    version: int | None = None,
) -> Area:
    """Move ``area`` and its subtree under ``new_parent``.

    Codes carry their parent's prefix, so a move to a parent with another code needs
    ``new_code`` (checked against the national rules under the new parent); the codes of the
    whole subtree are re-prefixed with it. Cycles, wrong levels, code clashes and, for a grid,
    an overlap with its new sibling grids are refused.
    """
    if actor is not None:
        require(actor, Perm.MANAGE_AREA, area.parent or area, what="area_move")
        require(actor, Perm.MANAGE_AREA, new_parent, what="area_move")
    if new_parent.pk == area.pk or new_parent.path.startswith(area.path):
        raise ValidationFailed(
            _("An area cannot be moved under itself or one of its descendants."),
            code=Code.CYCLE,
            fields={"parent": _("Would create a cycle.")},
        )
    _check_parent(area.level, new_parent)
    code = validate_code(new_code or area.code, area.level, new_parent.code).code
    if area.level == Level.GRID and area.geometry is not None:
        siblings = Area.objects.filter(
            parent=new_parent, level=Level.GRID, geometry__isnull=False, is_active=True
        ).exclude(pk=area.pk)
        overlaps = geo.find_overlaps(
            geo.parse_boundary(area.geometry), siblings.values_list("code", "name", "geometry")
        )
        if overlaps:
            raise geo.overlap_error(overlaps)
    with transaction.atomic():
        current = Area.objects.select_for_update().get(pk=area.pk)
        _check_version(current, version)
        target = Area.objects.select_for_update().get(pk=new_parent.pk)
        if target.path.startswith(current.path):
            raise ValidationFailed(
                _("An area cannot be moved under itself or one of its descendants."),
                code=Code.CYCLE,
            )
        old_code, old_path = current.code, current.path
        new_path = f"{target.path}{current.pk}/"
        subtree = area_subtree(area=current)
        if code != old_code:
            clashes = sorted(
                Area.objects.filter(
                    code__in=[
                        code + c[len(old_code) :] for c in subtree.values_list("code", flat=True)
                    ]
                )
                .exclude(pk__in=subtree.values("pk"))
                .values_list("code", flat=True)
            )
            if clashes:
                raise Conflict(
                    _("An area with code %(code)s already exists.") % {"code": clashes[0]},
                    code=Code.DUPLICATE_CODE,
                    fields={"code": _("Already in use.")},
                )
        old_parent_id = current.parent_id
        depth_delta = target.depth + 1 - current.depth
        subtree.update(
            path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
            code=Concat(Value(code), Substr("code", len(old_code) + 1)),
            depth=F("depth") + depth_delta,
        )
        _move_denormalised_paths(old_path, new_path)
        Area.objects.filter(pk=current.pk).update(parent=target, version=F("version") + 1)
        current.refresh_from_db()
        if subtree.filter(geometry__isnull=False).exists():
            _bump_geo_revision()
        else:
            _bump_areas_revision()
        audit_record(
            event=Event.AREA_MOVED,
            actor=actor,
            actor_name="" if actor else "system",
            target=current,
            area=current,
            detail={
                "from_parent": old_parent_id,
                "to_parent": target.pk,
                "from_code": old_code,
                "to_code": code,
            },
        )
    return current


def _move_denormalised_paths(old_path: str, new_path: str) -> None:
    """Re-path rows of other apps that copy an area path for index-friendly scoping.

    Every area-scoped model (:class:`gridgov.kernel.scoped.PathScoped` and its subclass
    ``AreaScoped``: cases, rosters, party …) names its copied fields in ``area_path_fields`` (any
    other model that copies a path may name its fields too); the installed models are walked,
    so a new capability takes part by subclassing the base — no list to keep here, and the area
    layer stays free of imports from above it.
    """
    from django.apps import apps

    for model in apps.get_models():
        for field in getattr(model, "area_path_fields", ()):
            model._default_manager.filter(subtree_q(old_path, field=field)).update(
                **{field: Concat(Value(new_path), Substr(field, Length(Value(old_path)) + 1))}
            )
    for hook in AREA_MOVE_HOOKS:
        hook(old_path=old_path, new_path=new_path)


# What else follows an area move, in its transaction, beyond the copied paths: e.g. the kernel's
# counters move the moved subtree's current stock from the old ancestors to the new ones. Apps
# above the area layer append here in their ``AppConfig.ready`` (called with keyword arguments
# ``old_path`` and ``new_path``), so this layer imports nothing from them.
AREA_MOVE_HOOKS: list[Any] = []


# The bulk imports live in their own module; they are services like the ones above.
from gridgov.areas.services.imports import (  # noqa: E402
    BoundaryImportResult,
    BoundaryItem,
    DivisionImportResult,
    DivisionRow,
    ImportCounts,
    area_import_boundaries,
    area_import_divisions,
)

__all__ = [
    "BoundaryImportResult",
    "BoundaryItem",
    "DivisionImportResult",
    "DivisionRow",
    "ImportCounts",
    "area_create",
    "area_import_boundaries",
    "area_import_divisions",
    "area_move",
    "area_set_boundary",
    "area_update",
    "current_geo_revision",
]
