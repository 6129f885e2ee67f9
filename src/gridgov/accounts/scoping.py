"""The one jurisdiction-scoping layer.

A user may see and act on what lies in the subtrees of the areas where they hold a role whose
permissions include the one asked for. Every page, API endpoint, export and search narrows its
querysets through :func:`scope` and checks single objects through :func:`require`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from gridgov.accounts.roles import DEPARTMENT_ROLES, Perm, perms_for
from gridgov.areas.models import Area
from gridgov.areas.selectors import minimal_paths, subtrees_q
from gridgov.core.errors import PermissionDenied

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_gridgov_grants"


def _grants(user: Any) -> list[tuple[str, str]]:
    """(role, area path) pairs of the user's grants, cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            cached = []
        else:
            cached = list(
                user.grants.filter(area__is_active=True).values_list("role", "area__path")
            )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the cached grants (after a grant or revoke on this user object)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_global(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def roles(user: Any) -> set[str]:
    return {role for role, _p in _grants(user)}


def jurisdiction_paths(
    user: Any, perm: str = Perm.VIEW_AREA, *, area_roles_only: bool = False
) -> list[str]:
    """Root paths of the subtrees where ``user`` holds ``perm``.

    ``area_roles_only`` leaves out department roles (:data:`DEPARTMENT_ROLES`), whose grant names
    an area but which cover, for models with a rule of their own (cases), only what their
    department holds."""
    return minimal_paths(
        p
        for role, p in _grants(user)
        if perm in perms_for(role) and not (area_roles_only and role in DEPARTMENT_ROLES)
    )


def has_perm_anywhere(user: Any, perm: str) -> bool:
    return is_global(user) or bool(jurisdiction_paths(user, perm))


def can(user: Any, perm: str, area: Area | None) -> bool:
    """May ``user`` exercise ``perm`` at ``area`` (or, with ``area=None``, at the tree root)?"""
    if is_global(user):
        return True
    if area is None:
        return False
    return can_path(user, perm, area.path)


def can_path(user: Any, perm: str, path: str, *, area_roles_only: bool = False) -> bool:
    """:func:`can` for a row by its copied area path (``area_path`` of an area-scoped model):
    the single-object form of :func:`scope_q`."""
    if is_global(user):
        return True
    if not path:
        return False
    roots = jurisdiction_paths(user, perm, area_roles_only=area_roles_only)
    return any(path.startswith(p) for p in roots)


def scope(
    qs: QuerySet[M],
    user: Any,
    perm: str = Perm.VIEW_AREA,
    *,
    path_field: str = "path",
    use_index: bool = True,
) -> QuerySet[M]:
    """Narrow ``qs`` to rows whose ``path_field`` lies in the user's jurisdiction for ``perm``.

    For models that hang off an area, pass ``path_field="area__path"``. ``use_index=False``
    for large time-ordered lists (see :func:`gridgov.areas.selectors.subtree_q`).
    """
    if is_global(user):
        return qs
    paths = jurisdiction_paths(user, perm)
    if not paths:
        return qs.none()
    return qs.filter(subtrees_q(paths, field=path_field, use_index=use_index))


def scope_q(
    user: Any, perm: str = Perm.VIEW_AREA, *, path_field: str = "path", use_index: bool = True
) -> Q:
    if is_global(user):
        return Q()
    paths = jurisdiction_paths(user, perm)
    return subtrees_q(paths, field=path_field, use_index=use_index) if paths else Q(pk__in=[])


def visible_areas(user: Any, perm: str = Perm.VIEW_AREA) -> QuerySet[Area]:
    return scope(Area.objects.all(), user, perm)


def jurisdiction_roots(user: Any, perm: str = Perm.VIEW_AREA) -> list[Area]:
    """The top areas of a user's jurisdiction, in code order (the roots for a superuser).

    Codes, not paths: a path is a chain of row ids, so "1/10/" sorts before "1/9/" and the
    grids 五…八 came before 一…四."""
    if is_global(user):
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    paths = jurisdiction_paths(user, perm)
    return list(Area.objects.filter(path__in=paths).order_by("code"))


def require(user: Any, perm: str, area: Area | None, *, what: str = "") -> None:
    """Raise :class:`PermissionDenied` (and write it to the audit log) unless :func:`can`."""
    if can(user, perm, area):
        return
    from gridgov.audit.models import Event
    from gridgov.audit.services import audit_record

    audit_record(
        event=Event.PERMISSION_DENIED,
        actor=user,
        target=area,
        area=area,
        detail={"perm": perm, "what": what},
    )
    raise PermissionDenied(_("You do not have permission to do this in this area."))


def require_unless_system(actor: Any, perm: str, area: Area | None, *, what: str = "") -> None:
    """:func:`require` for a person; ``actor=None`` is the system itself (demo, imports, data
    migrations) and passes."""
    if actor is not None:
        require(actor, perm, area, what=what)
