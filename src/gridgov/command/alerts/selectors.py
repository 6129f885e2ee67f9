"""Reads of command-centre alerts, scoped: an alert is seen by holders of COMMAND_VIEW **and**
of its rule's own permission (CASE_VIEW for the cases rules, MEDIATION_VIEW for the disputes
rules) at its area."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import subtree_q
from gridgov.command import registry
from gridgov.command.models import Alert
from gridgov.command.models.alerts import AlertLevel
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import visible

# Red first, then orange, then yellow.
LEVEL_RANK = {AlertLevel.RED.value: 0, AlertLevel.ORANGE.value: 1, AlertLevel.YELLOW.value: 2}


def rule_perm(key: str) -> str:
    """The permission of a rule (COMMAND_VIEW alone for a rule no longer registered)."""
    try:
        return registry.alert_rules.get(key).perm
    except KeyError:
        return Perm.COMMAND_VIEW


def rule_title(key: str) -> str:
    """The rule's title in the active language (its key for a rule no longer registered)."""
    try:
        return str(registry.alert_rules.get(key).title)
    except KeyError:
        return key


def rules_q(actor: Any) -> Q:
    """The alerts whose rule's permission ``actor`` holds at the alert's area."""
    if scoping.is_global(actor):
        return Q()
    by_perm: dict[str, list[str]] = defaultdict(list)
    for rule in registry.alert_rules.all():
        by_perm[rule.perm].append(rule.key)
    known = [key for keys in by_perm.values() for key in keys]
    q = ~Q(rule__in=known)
    for perm, keys in by_perm.items():
        q |= Q(rule__in=keys) & scoping.scope_q(actor, perm, path_field="area_path")
    return q


def alerts_visible(actor: Any) -> QuerySet[Alert]:
    return visible(Alert.objects.all(), actor).filter(rules_q(actor))


def alert_get(*, actor: Any, alert_id: int, for_update: bool = False) -> Alert:
    """One alert ``actor`` may see (NotFound otherwise: as if it did not exist)."""
    qs: Any = Alert.objects.select_related("area", "acknowledged_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    alert: Alert = qs.get_visible(actor, "view", alert_id)
    if not scoping.can_path(actor, rule_perm(alert.rule), alert.area_path):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return alert


def alerts_areas_for(*, actor: Any) -> list[Area]:
    """The top areas of ``actor``'s command-centre jurisdiction."""
    return scoping.jurisdiction_roots(actor, Perm.COMMAND_VIEW)


def alerts_area_get(*, actor: Any, pk: int | None) -> Area:
    """The area ``pk`` if ``actor`` holds COMMAND_VIEW there (NotFound otherwise); without
    ``pk`` the first top area of their jurisdiction."""
    if pk is None:
        roots = alerts_areas_for(actor=actor)
        if not roots:
            raise NotFound(_("Not found, or outside your jurisdiction."))
        return roots[0]
    area = Area.objects.filter(pk=pk).defer("geometry").first()
    if area is None or not scoping.can(actor, Perm.COMMAND_VIEW, area):
        raise NotFound(_("Not found, or outside your jurisdiction."))
    return area


def alert_list(*, actor: Any, area: Area, open_only: bool | None = None) -> QuerySet[Alert]:
    """The alerts of ``area``'s subtree that ``actor`` may see: open ones (``open_only=True``),
    cleared ones (``False``) or all (``None``); red first, then orange, yellow, newest first."""
    qs = alerts_visible(actor).filter(subtree_q(area.path, field="area_path"))
    if open_only is True:
        qs = qs.filter(cleared_at__isnull=True)
    elif open_only is False:
        qs = qs.filter(cleared_at__isnull=False)
    rank = Case(
        *[When(level=level, then=Value(n)) for level, n in LEVEL_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        qs.select_related("area", "acknowledged_by")
        .defer("area__geometry")
        .annotate(level_rank=rank)
        .order_by("level_rank", "-raised_at", "-id")
    )


def alert_as_json(alert: Alert) -> dict[str, Any]:
    """The alert as the API and the screen read it (the JSON contract of issue 18)."""
    return {
        "id": alert.pk,
        "rule": alert.rule,
        "level": alert.level,
        "title": alert.title,
        "area": {"id": alert.area_id, "name": alert.area.name},
        "raised_at": alert.raised_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "cleared_at": alert.cleared_at.isoformat() if alert.cleared_at else None,
        "item_kind": alert.item_kind,
        "item_id": alert.item_id,
        "acknowledged": alert.acknowledged_at is not None,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
    }
