"""Grid boundaries from a GeoJSON FeatureCollection, for the grids of one community.

Each feature is matched to a grid by ``properties.code`` (the 15-digit GB/T 30428.1 grid code)
or else by ``properties.name`` among the community's grids; with ``create`` a feature that
matches nothing becomes a new grid (it then needs both). The whole file is checked as it will
stand afterwards — every polygon valid and inside China, no overlap beyond the tolerance with
the grids the file leaves alone nor between two features of the file — and every problem is
reported with its feature number (from 1). Only a file without problems is written, through
:func:`gridgov.areas.services.area_import_boundaries`, all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from gridgov.accounts.roles import Perm
from gridgov.accounts.scoping import require
from gridgov.areas import geo
from gridgov.areas.codes import Level, validate_code
from gridgov.areas.importers import ImportFailed
from gridgov.areas.models import Area
from gridgov.areas.services import BoundaryImportResult, BoundaryItem, area_import_boundaries
from gridgov.core.errors import DomainError, ValidationFailed

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class GridFeature:
    number: int  # position in the file, from 1
    code: str
    name: str
    geometry: Any


def _prop_text(value: Any) -> str | None:
    """A property as text (codes may come as JSON numbers); None if it is not text-like."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def _feature_problem(number: int, reason: str) -> str:
    return _("Feature %(n)d: %(reason)s") % {"n": number, "reason": reason}


def read_feature_collection(data: str | bytes) -> list[GridFeature]:
    """The features of a GeoJSON FeatureCollection, or :class:`ImportFailed`."""
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise ImportFailed([_("The file is not UTF-8 text.")]) from exc
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [
                _("The file is not valid JSON (line %(line)d, column %(col)d: %(error)s).")
                % {"line": exc.lineno, "col": exc.colno, "error": exc.msg}
            ]
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ImportFailed([_("The file is not a GeoJSON FeatureCollection.")])
    raw = doc.get("features")
    if not isinstance(raw, list):
        raise ImportFailed([_("The FeatureCollection has no list of features.")])
    if not raw:
        raise ImportFailed([_("The FeatureCollection has no features.")])
    features: list[GridFeature] = []
    problems: list[str] = []
    for number, feat in enumerate(raw, start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(_feature_problem(number, _("not a GeoJSON Feature.")))
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.append(_feature_problem(number, _("its properties are not an object.")))
            continue
        code, name = _prop_text(props.get("code")), _prop_text(props.get("name"))
        if code is None or name is None:
            problems.append(_feature_problem(number, _("code and name must be text.")))
            continue
        features.append(GridFeature(number, code, name, feat.get("geometry")))
    if problems:
        raise ImportFailed(problems)
    return features


def read_feature_file(path: Path) -> list[GridFeature]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFailed(
                [_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // 2**20}]
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(
            [_("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}]
        ) from exc
    return read_feature_collection(data)


def _label(area: Area) -> str:
    return f"{area.name}（{area.code}）"


def plan_grid_import(
    *, community: Area, features: list[GridFeature], create: bool = False
) -> list[BoundaryItem]:
    """Match features to the community's grids and check the whole file; the items for
    :func:`area_import_boundaries`, or :class:`ImportFailed` listing every problem."""
    if community.level != Level.COMMUNITY:
        raise ImportFailed([_("Grids are imported under a village or community.")])
    grids = list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code"))
    by_code = {g.code: g for g in grids}
    by_name: dict[str, list[Area]] = {}
    for g in grids:
        by_name.setdefault(g.name, []).append(g)
    problems: list[str] = []
    items: list[tuple[GridFeature, BoundaryItem, BaseGeometry]] = []
    claimed: dict[str, int] = {}  # grid code -> feature number
    for feat in features:
        item = _match(feat, community, by_code, by_name, create, problems)
        if item is None:
            continue
        key = item.area.code if item.area is not None else item.code
        if key in claimed:
            problems.append(
                _feature_problem(
                    feat.number,
                    _("grid %(code)s was already given by feature %(other)d.")
                    % {"code": key, "other": claimed[key]},
                )
            )
            continue
        claimed[key] = feat.number
        try:
            geom = geo.parse_boundary(feat.geometry)
        except DomainError as exc:
            problems.append(_feature_problem(feat.number, exc.message))
            continue
        items.append((feat, item, geom))
    problems.extend(_overlap_problems(community, items, set(claimed)))
    if problems:
        raise ImportFailed(problems)
    return [item for _f, item, _g in items]


def _match(
    feat: GridFeature,
    community: Area,
    by_code: dict[str, Area],
    by_name: dict[str, list[Area]],
    create: bool,
    problems: list[str],
) -> BoundaryItem | None:
    def fail(reason: str) -> None:
        problems.append(_feature_problem(feat.number, reason))

    if feat.code:
        try:
            code = validate_code(feat.code, Level.GRID, community.code).code
        except ValidationFailed as exc:
            fail(exc.message)
            return None
        if code in by_code:
            return BoundaryItem(geometry=feat.geometry, area=by_code[code])
        if not create:
            fail(
                _("%(community)s has no grid with code %(code)s (use --create to add it).")
                % {"community": community.name, "code": code}
            )
            return None
        if not feat.name:
            fail(_("a new grid needs properties.name."))
            return None
        if len(feat.name) > 100:
            fail(_("the name is too long (at most 100 characters)."))
            return None
        return BoundaryItem(geometry=feat.geometry, code=code, name=feat.name)
    if not feat.name:
        fail(_("properties.code or properties.name is needed to find its grid."))
        return None
    found = by_name.get(feat.name, [])
    if len(found) == 1:
        return BoundaryItem(geometry=feat.geometry, area=found[0])
    if len(found) > 1:
        fail(
            _("several grids are named %(name)s (%(codes)s); give properties.code.")
            % {"name": feat.name, "codes": ", ".join(g.code for g in found)}
        )
    elif create:
        fail(_("a new grid needs properties.code (15 digits)."))
    else:
        fail(
            _("%(community)s has no grid named %(name)s.")
            % {"community": community.name, "name": feat.name}
        )
    return None


def _overlap_problems(
    community: Area,
    items: list[tuple[GridFeature, BoundaryItem, BaseGeometry]],
    claimed: set[str],
) -> list[str]:
    """Overlaps as the grids will stand: with siblings the file leaves alone, and between
    features of the file."""
    problems: list[str] = []
    others = list(
        Area.objects.filter(
            parent=community, level=Level.GRID, geometry__isnull=False, is_active=True
        )
        .exclude(code__in=claimed)
        .values_list("code", "name", "geometry")
    )
    for feat, _item, geom in items:
        for o in geo.find_overlaps(geom, others):
            problems.append(
                _feature_problem(
                    feat.number,
                    _("overlaps grid %(grid)s by %(m2)s m².")
                    % {"grid": f"{o.name}（{o.code}）", "m2": f"{o.m2:g}"},
                )
            )
    pairs = geo.find_overlaps_among([g for _f, _i, g in items])
    for i, j, m2 in pairs:
        fi, item_i, _g = items[i]
        fj = items[j][0]
        other = _label(item_i.area) if item_i.area else f"{item_i.name}（{item_i.code}）"
        problems.append(
            _feature_problem(
                fj.number,
                _("overlaps feature %(other)d, %(grid)s, by %(m2)s m².")
                % {"other": fi.number, "grid": other, "m2": f"{m2:g}"},
            )
        )
    return problems


def import_grid_file(
    *,
    actor: Any,
    community: Area,
    data: str | bytes,
    create: bool = False,
    dry_run: bool = False,
) -> BoundaryImportResult:
    """Read, check and write a GeoJSON file of grid boundaries (for the CLI and uploads)."""
    if actor is not None:  # before reading the community's grids into any message
        require(actor, Perm.MANAGE_AREA, community, what="area_import_boundaries")
    features = read_feature_collection(data)
    items = plan_grid_import(community=community, features=features, create=create)
    return area_import_boundaries(actor=actor, community=community, items=items, dry_run=dry_run)
