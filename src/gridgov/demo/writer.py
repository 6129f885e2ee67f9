"""Writing a demo :class:`~gridgov.demo.generator.Plan`: through the services (the default
demo), or in bulk for benchmark-sized builds. Called by :func:`gridgov.demo.generator.build_demo`
inside its transaction; ``actor=None`` everywhere (the system)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db.models import CharField, Model, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from gridgov.accounts.models import Department, RoleGrant, User
from gridgov.accounts.services import (
    department_create,
    role_grant,
    user_create,
    user_set_back_office,
)
from gridgov.areas import geo
from gridgov.areas.codes import Level, validate_code
from gridgov.areas.models import Area
from gridgov.areas.services import _bump_geo_revision, area_create
from gridgov.audit.models import Event
from gridgov.audit.services import audit_record

if TYPE_CHECKING:
    from gridgov.demo.generator import BuildResult, Plan

BATCH = 500


def _demo_password() -> str:
    from gridgov.demo.generator import DEMO_PASSWORD

    return DEMO_PASSWORD


def _reuse_roots(plan: Plan, by_code: dict[str, Area], result: BuildResult) -> None:
    """Province and city: reuse existing ones (say, imported real divisions), else create."""
    for spec in plan.areas:
        if spec.level > Level.CITY:
            continue
        existing = Area.objects.filter(code=spec.code).first()
        if existing is None:
            parent = by_code[spec.parent] if spec.parent else None
            existing = area_create(
                actor=None, parent=parent, level=spec.level, code=spec.code, name=spec.name
            )
            result.areas += 1
        by_code[spec.code] = existing


def areas_with_services(plan: Plan, result: BuildResult) -> dict[str, Area]:
    by_code: dict[str, Area] = {}
    _reuse_roots(plan, by_code, result)
    for spec in plan.areas:
        if spec.level <= Level.CITY:
            continue
        by_code[spec.code] = area_create(
            actor=None,
            parent=by_code[spec.parent] if spec.parent else None,
            level=spec.level,
            code=spec.code,
            name=spec.name,
            geometry=spec.geometry,
        )
        result.areas += 1
        result.grids += spec.level == Level.GRID
    return by_code


def _fill_pks(objs: Sequence[Model], model: type[Model], key: str) -> None:
    """Primary keys after bulk_create, for databases that do not return them."""
    missing = [o for o in objs if o.pk is None]
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        pks = dict(
            model._default_manager.filter(
                **{f"{key}__in": [getattr(o, key) for o in chunk]}
            ).values_list(key, "pk")
        )
        for o in chunk:
            o.pk = pks[getattr(o, key)]


def areas_bulk(plan: Plan, result: BuildResult) -> dict[str, Area]:
    """Insert towns, communities and grids level by level: codes validated, boundaries parsed,
    path/depth/kind/bounding box as :func:`~gridgov.areas.services.area_create` sets them. Grid
    polygons are not checked against their siblings here: the layout tiles them by construction
    (and the tests check it)."""
    by_code: dict[str, Area] = {}
    _reuse_roots(plan, by_code, result)
    created: list[Area] = []
    for level in (Level.COUNTY, Level.TOWN, Level.COMMUNITY, Level.GRID):
        objs = []
        for spec in plan.areas:
            if spec.level != level:
                continue
            parent = by_code[spec.parent] if spec.parent else None
            info = validate_code(spec.code, level, parent.code if parent else None)
            boundary: dict[str, Any] | None = None
            box: dict[str, float] = {}
            if spec.geometry is not None:
                geom = geo.parse_boundary(spec.geometry)
                boundary, box = geom.__geo_interface__, geo.bbox_and_center(geom)
            objs.append(
                Area(
                    code=info.code,
                    name=spec.name,
                    level=level,
                    kind=info.kind,
                    parent=parent,
                    depth=parent.depth + 1 if parent else 0,
                    path="",
                    geometry=boundary,
                    **box,
                )
            )
        Area.objects.bulk_create(objs, batch_size=BATCH)
        _fill_pks(objs, Area, "code")
        # path = parent's path + own id + "/", for the whole level in one UPDATE.
        parent_path = Area.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
        Area.objects.filter(level=level, path="").update(
            path=Concat(Subquery(parent_path), Cast("pk", CharField()), Value("/"))
        )
        paths = dict(Area.objects.filter(level=level).values_list("pk", "path"))
        for area in objs:
            area.path = paths[area.pk]
        by_code.update({a.code: a for a in objs})
        created.extend(objs)
    _bump_geo_revision()
    counties = [a for a in created if a.level == Level.COUNTY]
    for county in counties:
        audit_record(
            event=Event.AREA_CREATED,
            actor=None,
            actor_name="system",
            target=county,
            area=county,
            detail={
                "bulk": True,
                "areas": sum(1 for a in created if a.path.startswith(county.path)),
            },
        )
    result.areas += len(created)
    result.grids += sum(1 for a in created if a.level == Level.GRID)
    return by_code


def departments(plan: Plan, by_code: dict[str, Area], result: BuildResult) -> dict[str, Department]:
    found = {}
    for spec in plan.departments:
        found[spec.name] = department_create(
            actor=None, name=spec.name, kind=spec.kind, area=by_code[spec.area]
        )
        result.departments += 1
    return found


def named_accounts(
    plan: Plan, by_code: dict[str, Area], depts: dict[str, Department], result: BuildResult
) -> None:
    """One account per role, created and granted through the services."""
    for spec in plan.accounts:
        user = user_create(
            actor=None,
            username=spec.username,
            password=_demo_password(),
            display_name=spec.display_name,
            mobile=spec.mobile,
        )
        if spec.superuser:
            user_set_back_office(actor=None, user=user, is_staff=True, is_superuser=True)
        role_grant(
            actor=None,
            user=user,
            role=spec.role,
            area=by_code[spec.area],
            department=depts[spec.department] if spec.department else None,
        )
        result.users += 1


def grid_workers_with_services(plan: Plan, by_code: dict[str, Area], result: BuildResult) -> None:
    """One grid worker per grid. The password hash is computed once and reused (Argon2 takes
    about 0.2 s a hash); the user row is written directly, audited, and granted by the service."""
    hashed = make_password(_demo_password())
    now = timezone.now()
    for spec in plan.grid_workers:
        user = User.objects.create(
            username=spec.username,
            password=hashed,
            display_name=spec.display_name,
            mobile=spec.mobile,
            password_changed_at=now,
        )
        audit_record(event=Event.USER_CREATED, actor=None, actor_name="system", target=user)
        role_grant(actor=None, user=user, role=spec.role, area=by_code[spec.area])
        result.users += 1


def grid_workers_bulk(plan: Plan, by_code: dict[str, Area], result: BuildResult) -> None:
    hashed = make_password(_demo_password())
    now = timezone.now()
    users = [
        User(
            username=spec.username,
            password=hashed,
            display_name=spec.display_name,
            mobile=spec.mobile,
            password_changed_at=now,
        )
        for spec in plan.grid_workers
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    _fill_pks(users, User, "username")
    grants = [
        RoleGrant(user=user, role=spec.role, area=by_code[spec.area], granted_at=now)
        for user, spec in zip(users, plan.grid_workers, strict=True)
    ]
    RoleGrant.objects.bulk_create(grants, batch_size=BATCH)
    from gridgov.cases import checkers

    checkers.changed()  # bulk_create sends no signals: intake must see the new grid workers
    detail = {"bulk": True, "count": len(users), "role": "grid_worker"}
    audit_record(event=Event.USER_CREATED, actor=None, actor_name="system", detail=detail)
    audit_record(event=Event.ROLE_GRANTED, actor=None, actor_name="system", detail=detail)
    result.users += len(users)
