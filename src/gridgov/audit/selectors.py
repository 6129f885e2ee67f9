"""Reads of the audit log, scoped to the reader's jurisdiction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.audit.models import AuditEntry

USER_TARGET = "accounts.user"


def audit_scope_q(actor: Any) -> Q:
    """Which entries ``actor`` may read.

    The rule, kept deliberately simple:

    * a superuser reads everything;
    * anyone else holding ``audit.view`` reads the entries

      - whose ``area_path`` lies in a subtree where they hold ``audit.view``
        (area changes, role grants and revokes there, refusals in that area), and
      - about a user (``target_type == "accounts.user"``) who holds at least one role inside
        those subtrees (their sign-ins, lockouts, password changes, grants elsewhere);

    * everyone else reads nothing.

    Entries with neither an area nor a user target (failed logins of unknown names, audit
    pruning) are for superusers only.
    """
    if scoping.is_global(actor):
        return Q()
    paths = scoping.jurisdiction_paths(actor, Perm.VIEW_AUDIT)
    if not paths:
        return Q(pk__in=[])
    from gridgov.accounts.models import RoleGrant

    users_inside = (
        RoleGrant.objects.filter(scoping.scope_q(actor, Perm.VIEW_AUDIT, path_field="area__path"))
        .annotate(uid=Cast("user_id", output_field=CharField()))
        .values("uid")
    )
    in_area = scoping.scope_q(actor, Perm.VIEW_AUDIT, path_field="area_path")
    about_user = Q(target_type=USER_TARGET, target_id__in=users_inside)
    return in_area | about_user


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_list(
    *,
    actor: Any,
    event: str = "",
    actor_name: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    ip: str = "",
) -> QuerySet[AuditEntry]:
    """Audit entries ``actor`` may read, newest first, filtered. Dates are local calendar days,
    both ends included; ``actor_name`` matches a part of the recorded user name."""
    qs = AuditEntry.objects.filter(audit_scope_q(actor))
    if event:
        qs = qs.filter(event=event)
    if actor_name:
        qs = qs.filter(actor_name__icontains=actor_name.strip())
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    if ip:
        qs = qs.filter(ip=ip.strip())
    return qs.order_by("-at", "-id")
