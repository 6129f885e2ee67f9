"""Which cases a user may see, and in which they hold a permission: the one scoping rule for
cases, used by every list, count and single-case read (web, API, exports) and by the guards.

* An **area role** (grid worker, community staff, dispatcher, leader …) covers the cases in the
  subtrees of the areas where it is granted, by the case's copied ``area_path``
  (:mod:`gridgov.accounts.scoping`).
* A **department role** (职能部门 handler, :data:`~gridgov.accounts.roles.DEPARTMENT_ROLES`)
  covers only the cases its department holds or has held — the rows of
  :class:`~gridgov.cases.models.CaseDepartment`, written whenever a case is assigned to a
  department — never the whole area its grant names.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q

from gridgov.accounts import scoping
from gridgov.accounts.roles import DEPARTMENT_ROLES, Perm, perms_for
from gridgov.areas.selectors import PATH_END, subtrees_q
from gridgov.cases.models import Case, CaseDepartment

_DEPT_CACHE = "_gridgov_case_view_depts"


def area_paths(user: Any, perm: str = Perm.CASE_VIEW) -> list[str]:
    """Root paths of the subtrees where ``user`` holds ``perm`` through an area role."""
    return scoping.jurisdiction_paths(user, perm, area_roles_only=True)


def department_ids(user: Any, perm: str = Perm.CASE_VIEW) -> list[int]:
    """Active departments in which ``user`` holds a department role with ``perm`` (cached on
    the user object per permission)."""
    cache: dict[str, list[int]] | None = getattr(user, _DEPT_CACHE, None)
    if cache is None:
        cache = {}
        setattr(user, _DEPT_CACHE, cache)
    if perm not in cache:
        roles = [str(r) for r in DEPARTMENT_ROLES if perm in perms_for(r)]
        ids: list[int] = []
        if roles and getattr(user, "is_authenticated", False) and user.is_active:
            ids = sorted(
                set(
                    user.grants.filter(
                        role__in=roles,
                        department__isnull=False,
                        department__is_active=True,
                        area__is_active=True,
                    ).values_list("department_id", flat=True)
                )
            )
        cache[perm] = ids
    return cache[perm]


def held_q(department_ids: list[int]) -> Q:
    """Cases these departments hold or have held."""
    return Q(
        pk__in=CaseDepartment.objects.filter(department_id__in=department_ids).values("case_id")
    )


def _ranges_q(paths: list[str]) -> Q:
    """The subtrees as plain ranges of ``area_path``, no planner hint: counted together with a
    status or unit, SQLite then reads the two-column index (``case_status_path``) by both."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(area_path__gte=p, area_path__lt=p[:-1] + PATH_END)
    return q


def case_q(
    user: Any, perm: str = Perm.CASE_VIEW, *, use_index: bool = True, counting: bool = False
) -> Q:
    """The cases in which ``user`` holds ``perm`` (``use_index``: see
    :func:`gridgov.areas.selectors.subtree_q`; ``counting``: for a count together with a
    status, see :func:`_ranges_q`)."""
    if scoping.is_global(user):
        return Q()
    q: Q | None = None
    paths = area_paths(user, perm)
    if paths and counting and connection.vendor == "sqlite":
        q = _ranges_q(paths)
    elif paths:
        q = subtrees_q(paths, field="area_path", use_index=use_index)
    depts = department_ids(user, perm)
    if depts:
        q = held_q(depts) if q is None else q | held_q(depts)
    return q if q is not None else Q(pk__in=[])


def allows(user: Any, perm: str, case: Case) -> bool:
    """Does ``user`` hold ``perm`` for this one case? By its area: :func:`scoping.can_path`, the
    rule of :func:`scoping.can`, over area roles; else by its departments."""
    if scoping.can_path(user, perm, case.area_path, area_roles_only=True):
        return True
    depts = department_ids(user, perm)
    if not depts or case.pk is None:
        return False
    if case.assigned_department_id in depts:
        return True
    return CaseDepartment.objects.filter(case_id=case.pk, department_id__in=depts).exists()
