"""Screening (摸排) reads: rounds, coverage by community and street, a grid worker's returns.

Scoping: a round is seen by whoever sees the round's area (``mediation.view`` there) *or* sees
one of its returns — a community's staff see the rounds their street opened, counted over their
own grids only. Coverage is always counted over the returns the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.core.errors import NotFound
from gridgov.kernel.scoped import not_found, visible
from gridgov.mediation.models import (
    Dispute,
    ScreeningEvent,
    ScreeningPlan,
    ScreeningReturn,
    ScreeningRound,
)


def returns_visible(user: Any, action: str = "view") -> QuerySet[ScreeningReturn]:
    return visible(ScreeningReturn.objects.all(), user, action)


def round_list(user: Any, *, area: Area | None = None) -> QuerySet[ScreeningRound]:
    """Rounds the user sees (newest first), optionally only those of returns under ``area``."""
    seen = returns_visible(user)
    if area is not None:
        from gridgov.areas.selectors import subtree_q

        seen = seen.filter(subtree_q(area.path, field="area_path"))
        return ScreeningRound.objects.filter(pk__in=seen.values("round_id")).select_related("area")
    direct = visible(ScreeningRound.objects.all(), user)
    return (
        ScreeningRound.objects.filter(
            Q(pk__in=direct.values("pk")) | Q(pk__in=seen.values("round_id"))
        )
        .select_related("area")
        .order_by("-starts_on", "id")
    )


def round_get(user: Any, pk: Any) -> ScreeningRound:
    """One round the user sees (see the module docstring); NotFound otherwise."""
    try:
        return round_list(user).get(pk=pk)
    except (ScreeningRound.DoesNotExist, ValueError, TypeError):
        raise not_found(ScreeningRound) from None


def return_get(user: Any, pk: Any, action: str = "view") -> ScreeningReturn:
    ret: ScreeningReturn = ScreeningReturn.objects.get_visible(user, action, pk)
    return ret


def my_returns(user: Any, *, pending_only: bool = False) -> QuerySet[ScreeningReturn]:
    """The returns of the grids where ``user`` files returns (``mediation.report``), the
    pending ones first, then the newest rounds."""
    qs = returns_visible(user, Perm.MEDIATION_REPORT).select_related("round", "area", "filed_by")
    if pending_only:
        qs = qs.filter(filed_at__isnull=True)
    return qs.annotate(dispute_count=Count("disputes")).order_by(
        "-round__starts_on", "filed_at", "area__code"
    )


@dataclass
class CoverageRow:
    """How the grids of one community (or street, or the whole round) stand."""

    area: Area | None
    grids: int = 0
    filed: int = 0
    nothing_found: int = 0
    with_disputes: int = 0
    disputes: int = 0
    pending: int = 0
    late: int = 0  # filed after the due date
    overdue: int = 0  # still pending after the due date

    @property
    def rate(self) -> int:
        """Percentage of grids filed (rounded down)."""
        return self.filed * 100 // self.grids if self.grids else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "grids": self.grids,
            "filed": self.filed,
            "nothing_found": self.nothing_found,
            "with_disputes": self.with_disputes,
            "disputes": self.disputes,
            "pending": self.pending,
            "late": self.late,
            "overdue": self.overdue,
            "rate": self.rate,
        }


@dataclass
class Coverage:
    round: ScreeningRound
    total: CoverageRow
    streets: list[CoverageRow] = field(default_factory=list)
    communities: list[CoverageRow] = field(default_factory=list)
    # The grids still owing their return (and those filed late): who to chase.
    missing: list[ScreeningReturn] = field(default_factory=list)
    late: list[ScreeningReturn] = field(default_factory=list)


def _ancestor_at(path: str, depth_ids: dict[int, Area], level: int) -> Area | None:
    for part in path.rstrip("/").split("/"):
        a = depth_ids.get(int(part))
        if a is not None and a.level == level:
            return a
    return None


def round_coverage(user: Any, round_: ScreeningRound, *, today: date | None = None) -> Coverage:
    """Coverage of a round over the returns ``user`` sees: the total, per street and per
    community — grids, filed, nothing found, with disputes (and how many disputes), pending,
    filed late, and still pending after the due date."""
    today = today or timezone.localdate()
    overdue = today > round_.due_on
    rows = list(
        returns_visible(user)
        .filter(round=round_)
        .select_related("area", "filed_by")
        .annotate(n_disputes=Count("disputes"))
        .order_by("area__code")
    )
    ancestor_ids = {int(p) for r in rows for p in r.area_path.rstrip("/").split("/")}
    ancestors = Area.objects.filter(
        pk__in=ancestor_ids, level__in=(Level.TOWN, Level.COMMUNITY)
    ).in_bulk()
    total = CoverageRow(area=round_.area)
    by_street: dict[int, CoverageRow] = {}
    by_community: dict[int, CoverageRow] = {}
    missing: list[ScreeningReturn] = []
    late: list[ScreeningReturn] = []
    for r in rows:
        targets = [total]
        for level, bucket in ((Level.TOWN, by_street), (Level.COMMUNITY, by_community)):
            a = _ancestor_at(r.area_path, ancestors, level)
            if a is not None:
                targets.append(bucket.setdefault(a.pk, CoverageRow(area=a)))
        for row in targets:
            row.grids += 1
            if r.filed_at is None:
                row.pending += 1
                row.overdue += int(overdue)
            else:
                row.filed += 1
                row.late += int(r.late)
                if r.nothing_found:
                    row.nothing_found += 1
                else:
                    row.with_disputes += 1
                row.disputes += r.n_disputes
        if r.filed_at is None:
            missing.append(r)
        elif r.late:
            late.append(r)
    code = lambda row: row.area.code if row.area else ""  # noqa: E731
    return Coverage(
        round=round_,
        total=total,
        streets=sorted(by_street.values(), key=code),
        communities=sorted(by_community.values(), key=code),
        missing=missing,
        late=late,
    )


def round_disputes(user: Any, round_: ScreeningRound) -> QuerySet[Dispute]:
    """The disputes registered by the round's returns that the user sees (a sensitive one only
    with the right to see it: the register's own scope)."""
    from gridgov.mediation.disputes.selectors import dispute_list

    return dispute_list(user).filter(screening_return__round=round_).order_by("area_path", "pk")


def return_disputes(user: Any, ret: ScreeningReturn) -> QuerySet[Dispute]:
    """The disputes a return registered that the user sees (sensitive ones need the right)."""
    from gridgov.mediation.disputes.selectors import dispute_list

    return dispute_list(user).filter(screening_return=ret).order_by("pk")


def round_events(round_: ScreeningRound) -> QuerySet[ScreeningEvent]:
    return ScreeningEvent.objects.filter(round=round_).order_by("at", "id")


def plan_list(user: Any) -> QuerySet[ScreeningPlan]:
    """The screening plans of the areas the user may plan for (``mediation.manage``)."""
    return visible(ScreeningPlan.objects.select_related("area"), user, Perm.MEDIATION_MANAGE)


def plan_areas(user: Any) -> QuerySet[Area]:
    """The areas the user may give a plan: counties, streets and communities in their
    ``mediation.manage`` jurisdiction."""
    from gridgov.mediation.screening.services import PLAN_LEVELS

    return (
        scoping.visible_areas(user, Perm.MEDIATION_MANAGE)
        .filter(level__in=PLAN_LEVELS, is_active=True)
        .order_by("code")
    )


def plan_area_get(user: Any, pk: Any) -> Area:
    area = plan_areas(user).filter(pk=pk).first() if isinstance(pk, int) else None
    if area is None:
        raise NotFound(not_found(Area).message)
    return area
