"""The first administrator: one service behind ``gridgov create-admin`` and ``gridgov
createsuperuser`` (interactive or ``--noinput``), so a scripted set-up makes the same account
as the demo's ``admin``: a superuser (Django admin, every area) who also holds the
administrator role at the top of the imported area tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import ROLE_LEVELS, Role
from gridgov.accounts.services import role_grant, user_create, user_set_back_office
from gridgov.areas.models import Area
from gridgov.core.errors import Code, NotFound, ValidationFailed


@dataclass
class AdminCreated:
    user: User
    grants: list[RoleGrant] = field(default_factory=list)


def top_area() -> Area | None:
    """The top of the imported tree: from the single root down while an area has exactly one
    active sub-area (``import-divisions --code 640122`` brings the province and the city as
    ancestors, and the county is what the office runs). ``None`` when there are no areas or
    several roots."""
    roots = list(Area.objects.filter(parent__isnull=True, is_active=True)[:2])
    if len(roots) != 1:
        return None
    area = roots[0]
    _low, high = ROLE_LEVELS[Role.ADMIN]
    while area.level < high:
        children = list(area.children.filter(is_active=True).order_by("code")[:2])
        if len(children) != 1:
            break
        area = children[0]
    return area


def admin_create(
    *,
    username: str,
    password: str,
    area_code: str | None = None,
    display_name: str = "",
    mobile: str | None = None,
    email: str = "",
) -> AdminCreated:
    """Create a superuser with the administrator role at ``area_code`` (default: the top of
    the tree, :func:`top_area`; none when no area has been imported yet). The password rules,
    the audit entries and the role checks are those of the accounts services."""
    area: Area | None = None
    if area_code:
        area = Area.objects.filter(code=area_code.strip()).first()
        if area is None:
            raise NotFound(_("No area with the code %(code)s.") % {"code": area_code})
    else:
        area = top_area()
        if area is None and Area.objects.filter(parent__isnull=True).count() > 1:
            raise ValidationFailed(
                _("The area tree has several top areas; name one with --area."),
                code=Code.REQUIRED,
                fields={"area": _("Required.")},
            )
    with transaction.atomic():
        user = user_create(
            actor=None,
            username=username,
            password=password,
            display_name=display_name,
            mobile=mobile,
            email=email,
        )
        user_set_back_office(actor=None, user=user, is_staff=True, is_superuser=True)
        created = AdminCreated(user=user)
        if area is not None:
            created.grants.append(role_grant(actor=None, user=user, role=Role.ADMIN, area=area))
    return created
