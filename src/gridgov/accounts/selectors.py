"""Reads of users, grants and departments, always through the scoping layer."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from gridgov.accounts import scoping
from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.core.errors import NotFound


def user_list(*, actor: Any, perm: str = Perm.MANAGE_USERS, search: str = "") -> QuerySet[User]:
    """Users holding at least one role inside the actor's jurisdiction for ``perm``.

    A user with no role at all is visible only to global administrators (superusers) and to
    administrators over any area, so newly created accounts can receive their first grant.
    """
    grants_inside = RoleGrant.objects.filter(
        scoping.scope_q(actor, perm, path_field="area__path"), user=OuterRef("pk")
    )
    any_grant = RoleGrant.objects.filter(user=OuterRef("pk"))
    qs = User.objects.all()
    if not scoping.is_global(actor):
        cond = Q(Exists(grants_inside))
        if perm == Perm.MANAGE_USERS and scoping.has_perm_anywhere(actor, Perm.MANAGE_USERS):
            cond |= ~Q(Exists(any_grant))
        qs = qs.filter(cond)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(mobile=search)
        )
    return qs.order_by("username")


def user_get(*, actor: Any, pk: int, perm: str = Perm.MANAGE_USERS) -> User:
    user = user_list(actor=actor, perm=perm).filter(pk=pk).first()
    if user is None:
        raise NotFound(_not_found())
    return user


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("Not found, or outside your jurisdiction.")


def grants_for_user(*, actor: Any, user: User) -> QuerySet[RoleGrant]:
    """The user's grants that the actor may see (inside the actor's VIEW_STAFF jurisdiction)."""
    qs = RoleGrant.objects.filter(user=user).select_related("area", "department")
    return scoping.scope(qs, actor, Perm.VIEW_STAFF, path_field="area__path").order_by(
        "area__path", "role"
    )


def grant_get(*, actor: Any, pk: int) -> RoleGrant:
    qs = scoping.scope(
        RoleGrant.objects.select_related("area", "user", "department"),
        actor,
        Perm.MANAGE_USERS,
        path_field="area__path",
    )
    grant = qs.filter(pk=pk).first()
    if grant is None:
        raise NotFound(_not_found())
    return grant


def staff_of_area(*, actor: Any, area: Area, include_subtree: bool = False) -> QuerySet[RoleGrant]:
    """Role grants held at ``area`` (or anywhere in its subtree), if the actor may view staff."""
    if not scoping.can(actor, Perm.VIEW_STAFF, area):
        return RoleGrant.objects.none()
    from gridgov.areas.selectors import subtree_q

    qs = RoleGrant.objects.select_related("user", "area", "department")
    qs = (
        qs.filter(subtree_q(area.path, field="area__path"))
        if include_subtree
        else qs.filter(area=area)
    )
    return qs.order_by("area__code", "role", "user__username")


def department_list(*, actor: Any) -> QuerySet[Department]:
    """Departments serving an area the actor can see, or serving an ancestor of one."""
    if scoping.is_global(actor):
        return Department.objects.select_related("area").order_by("name")
    paths = scoping.jurisdiction_paths(actor, Perm.VIEW_AREA)
    inside = scoping.scope_q(actor, Perm.VIEW_AREA, path_field="area__path")
    ancestor_ids = {int(p) for path in paths for p in path.split("/") if p}
    return (
        Department.objects.filter(inside | Q(area_id__in=ancestor_ids))
        .select_related("area")
        .order_by("name")
    )


def tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_get_for(*, actor: Any, pk: int) -> ApiToken:
    """One API token: the actor's own, or one whose owner the actor manages (MANAGE_USERS).
    Anything else is NotFound, so token ids of other people are not revealed."""
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is not None and token.user_id == getattr(actor, "pk", None):
        return token
    if (
        token is not None
        and scoping.has_perm_anywhere(actor, Perm.MANAGE_USERS)
        and user_list(actor=actor).filter(pk=token.user_id).exists()
    ):
        return token
    raise NotFound(_not_found())
