"""Bulk writes to the area tree: official division data and boundary files (all or nothing,
one transaction, one audit summary). Parsing lives in :mod:`gridgov.areas.importers`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from gridgov.accounts.roles import Perm
from gridgov.accounts.scoping import require
from gridgov.areas import geo
from gridgov.areas.codes import Level, validate_code
from gridgov.areas.models import Area
from gridgov.areas.services import (
    _bump_areas_revision,
    _bump_geo_revision,
    _check_name,
    _check_parent,
    area_create,
    area_move,
)
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record
from gridgov.core.errors import Code, Conflict, ValidationFailed

# --- Bulk imports: official division data and boundary files --------------------------------

_CHUNK = 500
_DIVISION_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN, Level.COMMUNITY)


@dataclass(frozen=True)
class DivisionRow:
    """One unit of official division data: native code, name, level and its parent's code."""

    code: str
    name: str
    level: int
    parent_code: str | None = None


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class DivisionImportResult:
    counts: dict[int, ImportCounts] = field(default_factory=dict)  # by level, top level first
    root: Area | None = None  # the area of the first row (the topmost unit)


def _areas_by_code(codes: Iterable[str]) -> dict[str, Area]:
    wanted = sorted(set(codes))
    found: dict[str, Area] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update({a.code: a for a in Area.objects.filter(code__in=chunk).defer("geometry")})
    return found


def _check_division_rows(rows: Sequence[DivisionRow]) -> list[tuple[DivisionRow, str]]:
    """Validate codes, names and levels; return the rows with their kind."""
    checked: list[tuple[DivisionRow, str]] = []
    seen: set[str] = set()
    for row in rows:
        if row.level not in _DIVISION_LEVELS:
            raise ValidationFailed(
                _("Division data holds provinces down to villages, not %(level)s.")
                % {"level": Level(row.level).label},
                code=Code.WRONG_LEVEL,
            )
        info = validate_code(row.code, row.level, row.parent_code)
        if info.code != row.code:
            raise ValidationFailed(
                _("The code “%(code)s” is not in its native form “%(native)s”.")
                % {"code": row.code, "native": info.code},
                code=Code.INVALID_CODE,
            )
        row = replace(row, name=_check_name(row.name))
        if row.code in seen:
            raise ValidationFailed(
                _("The code %(code)s appears twice in the data.") % {"code": row.code},
                code=Code.DUPLICATE_CODE,
            )
        seen.add(row.code)
        checked.append((row, info.kind))
    return checked


def _require_division_import(
    actor: Any, rows: Sequence[DivisionRow], existing: dict[str, Area]
) -> None:
    """The actor must manage each area that changes, or the parent a new subtree hangs from
    (nothing but the whole tree, i.e. a superuser, for a new root)."""
    codes = {r.code for r in rows}
    for row in rows:
        if row.code in existing:
            require(actor, Perm.MANAGE_AREA, existing[row.code], what="area_import_divisions")
        elif row.parent_code not in codes:
            parent = existing.get(row.parent_code or "")
            require(actor, Perm.MANAGE_AREA, parent, what="area_import_divisions")


def _fill_pks(areas: Sequence[Area]) -> None:
    """Primary keys after bulk_create on databases that do not return them."""
    missing = [a for a in areas if a.pk is None]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        pks = dict(Area.objects.filter(code__in=[a.code for a in chunk]).values_list("code", "pk"))
        for a in chunk:
            a.pk = pks[a.code]


def _set_new_paths(level: int) -> None:
    """Paths of the rows just inserted at ``level`` (path ""), in one UPDATE: parent's path,
    own id, separator."""
    parent_path = Area.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
    Area.objects.filter(level=level, path="").update(
        path=Concat(
            Coalesce(Subquery(parent_path), Value("")),
            Cast("pk", output_field=CharField()),
            Value("/"),
            output_field=CharField(),
        )
    )


def area_import_divisions(
    *, actor: Any, rows: Sequence[DivisionRow], source: str = "", dry_run: bool = False
) -> DivisionImportResult:
    """Create or rename areas from official division data (province … village), matched by
    code: a re-run renames what changed and never duplicates. A row's parent is another row or
    an area already in the tree; the first row is the topmost unit (the result's ``root``). A root already in the tree
    (a county-only installation) is hung under its imported parent. All or nothing, one
    summary audit entry. ``dry_run`` counts what would change and writes nothing."""
    if not rows:
        raise ValidationFailed(_("There is nothing to import."), code=Code.EMPTY_IMPORT)
    checked = _check_division_rows(rows)
    codes = {r.code for r in rows}
    existing = _areas_by_code(codes | {r.parent_code for r in rows if r.parent_code} - codes)
    for row in rows:
        if row.parent_code and row.parent_code not in codes and row.parent_code not in existing:
            raise ValidationFailed(
                _("The parent %(parent)s of %(code)s is neither in the data nor in the tree.")
                % {"parent": row.parent_code, "code": row.code},
                code=Code.PARENT_MISSING,
            )
    if actor is not None:
        _require_division_import(actor, rows, existing)
    result = DivisionImportResult(
        counts={lvl: ImportCounts() for lvl in sorted({r.level for r in rows})}
    )
    now = timezone.now()
    with transaction.atomic():
        by_code = dict(existing)
        for level in result.counts:
            counts = result.counts[level]
            new: list[Area] = []
            renamed: list[Area] = []
            for row, kind in checked:
                if row.level != level:
                    continue
                parent = by_code[row.parent_code] if row.parent_code else None
                _check_parent(level, parent)
                area = existing.get(row.code)
                if area is None:
                    area = Area(
                        code=row.code,
                        name=row.name,
                        level=level,
                        kind=kind,
                        parent=parent,
                        depth=parent.depth + 1 if parent else 0,
                        path="",
                    )
                    new.append(area)
                    counts.created += 1
                else:
                    if area.level != level:
                        raise Conflict(
                            _("%(code)s exists at another level.") % {"code": row.code},
                            code=Code.LEVEL_MISMATCH,
                        )
                    changed = False
                    if parent is not None and area.parent_id != parent.pk:
                        if area.parent_id is not None:
                            raise Conflict(
                                _("%(code)s already hangs under another parent.")
                                % {"code": row.code},
                                code=Code.PARENT_MISMATCH,
                            )
                        area = area_move(actor=actor, area=area, new_parent=parent)
                        changed = True
                    if area.name != row.name:
                        area.name = row.name
                        area.version += 1
                        area.updated_at = now
                        renamed.append(area)
                        changed = True
                    if changed:
                        counts.updated += 1
                    else:
                        counts.unchanged += 1
                by_code[row.code] = area
            if new:
                try:
                    Area.objects.bulk_create(new, batch_size=_CHUNK)
                except IntegrityError as exc:  # a concurrent import of the same codes
                    raise Conflict(
                        _("Some of these areas were created meanwhile; run the import again."),
                        code=Code.DUPLICATE_CODE,
                    ) from exc
                _fill_pks(new)
                _set_new_paths(level)
                for a in new:
                    a.path = f"{a.parent.path if a.parent else ''}{a.pk}/"
            if renamed:
                Area.objects.bulk_update(
                    renamed, ["name", "version", "updated_at"], batch_size=_CHUNK
                )
            _bump_areas_revision()
        result.root = by_code[rows[0].code]
        audit_record(
            event=Event.DIVISIONS_IMPORTED,
            actor=actor,
            actor_name="" if actor else "system",
            target=result.root,
            area=result.root,
            detail={
                "source": source[:200],
                "counts": {
                    Level(lvl).name.lower(): [c.created, c.updated, c.unchanged]
                    for lvl, c in result.counts.items()
                },
            },
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


@dataclass(frozen=True)
class BoundaryItem:
    """One boundary of an import: for an existing grid ``area``, or for a new grid
    (``area=None``) with ``code`` and ``name``."""

    geometry: Any
    area: Area | None = None
    code: str = ""
    name: str = ""


@dataclass
class BoundaryImportResult:
    created: list[Area] = field(default_factory=list)
    updated: list[Area] = field(default_factory=list)
    unchanged: list[Area] = field(default_factory=list)


def _item_label(item: BoundaryItem) -> str:
    if item.area is not None:
        return f"{item.area.name}（{item.area.code}）"
    return f"{item.name}（{item.code}）"


def area_import_boundaries(
    *,
    actor: Any,
    community: Area,
    items: Sequence[BoundaryItem],
    dry_run: bool = False,
) -> BoundaryImportResult:
    """Set the boundaries of many grids of one community at once, creating the new ones.

    The set is checked as a whole, as it will stand afterwards: each boundary against the
    sibling grids the import leaves alone and against the other boundaries of the import (so a
    file may rearrange boundaries between grids). All or nothing; the boundary revision moves
    once. Callers wanting per-item messages check first (see :mod:`gridgov.areas.importers`).
    """
    if actor is not None:
        require(actor, Perm.MANAGE_AREA, community, what="area_import_boundaries")
    if community.level != Level.COMMUNITY:
        raise ValidationFailed(
            _("Grids are imported under a village or community."), code=Code.WRONG_PARENT_LEVEL
        )
    geoms = []
    seen: set[str] = set()
    for item in items:
        if item.area is not None:
            if item.area.parent_id != community.pk or item.area.level != Level.GRID:
                raise ValidationFailed(
                    _("%(area)s is not a grid of %(community)s.")
                    % {"area": _item_label(item), "community": community.name},
                    code=Code.WRONG_PARENT,
                )
            key = item.area.code
        else:
            key = validate_code(item.code, Level.GRID, community.code).code
            _check_name(item.name)
        if key in seen:
            raise ValidationFailed(
                _("The grid %(code)s appears twice.") % {"code": key}, code=Code.DUPLICATE_CODE
            )
        seen.add(key)
        geoms.append(geo.parse_boundary(item.geometry))
    others = list(
        Area.objects.filter(
            parent=community, level=Level.GRID, geometry__isnull=False, is_active=True
        )
        .exclude(code__in=seen)
        .values_list("code", "name", "geometry")
    )
    for geom in geoms:
        overlaps = geo.find_overlaps(geom, others)
        if overlaps:
            raise geo.overlap_error(overlaps)
    for i, j, m2 in geo.find_overlaps_among(geoms):
        raise ValidationFailed(
            _("The boundaries of %(a)s and %(b)s overlap by %(m2)s m².")
            % {"a": _item_label(items[i]), "b": _item_label(items[j]), "m2": f"{m2:g}"},
            code=Code.OVERLAP,
        )
    result = BoundaryImportResult()
    with transaction.atomic():
        for item, geom in zip(items, geoms, strict=True):
            if item.area is None:
                area = area_create(
                    actor=actor,
                    parent=community,
                    level=Level.GRID,
                    code=item.code,
                    name=item.name,
                )
                result.created.append(area)
            else:
                area = Area.objects.select_for_update().get(pk=item.area.pk)
                if area.geometry is not None and shape(area.geometry).equals_exact(geom, 0.0):
                    result.unchanged.append(area)
                    continue
                area.version += 1
                result.updated.append(area)
            area.geometry = geom.__geo_interface__
            for k, v in geo.bbox_and_center(geom).items():
                setattr(area, k, v)
            area.save()
            audit_record(
                event=Event.BOUNDARY_CHANGED,
                actor=actor,
                actor_name="" if actor else "system",
                target=area,
                area=area,
                detail={"import": True},
            )
        if result.created or result.updated:
            _bump_geo_revision()
        if dry_run:
            transaction.set_rollback(True)
    return result
