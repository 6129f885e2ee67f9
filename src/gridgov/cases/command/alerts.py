"""cases: command-centre alert rules (see :mod:`gridgov.command.registry` and
:mod:`gridgov.command.alerts.services`, which runs them every two minutes).

=========================== ======= ===================================================== ======
rule                        level   finds                                                 reads
=========================== ======= ===================================================== ======
``cases.overdue_long``      red     a case past its sign-for or handling deadline by more  [1]
                                    than ``GRIDGOV_ALERT_OVERDUE_DAYS`` working days
``cases.overdue_stock``     orange  a street or community with at least                   [2]
                                    ``GRIDGOV_ALERT_OVERDUE_STOCK`` overdue cases
``cases.repeat``            orange  the same category reported in one grid at least        [3]
                                    ``GRIDGOV_ALERT_REPEAT_COUNT`` times in the last 7 days
``cases.spike``             orange  a street's or community's intake today at least        [4]
                                    ``GRIDGOV_ALERT_SPIKE_FACTOR`` × the mean of the same
                                    weekday in the last 4 weeks, and at least
                                    ``GRIDGOV_ALERT_SPIKE_MIN`` cases
=========================== ======= ===================================================== ======

[1] Two index ranges, oldest deadline first: ``case_sign_due`` (assigned cases by sign-for
    deadline) and ``case_handle_due`` (cases in progress by handling deadline), each at most
    ``GRIDGOV_ALERT_MAX_HITS`` rows (default 500). Beyond that cap the newer ones wait until
    older ones end; the area rule [2] still counts them.
[2] The kernel's stock counters (``StockCount``, kind ``cases``, key ``overdue``) of the active
    streets and communities, by the counter's unique index (kind, area, key).
[3] The cases reported in the last 7 days (index ``case_reported``), grouped by grid and
    category — one week of intake, never the whole table. Fingerprint: grid, category and the
    ISO week of the run, so a new week starts a new alert.
[4] The maintained daily flows (``CaseStat.reported``) of the active streets and communities:
    today's row, then for those at or above the minimum the rows of the same weekday 7, 14, 21
    and 28 days before (index (area, day)).

Titles hold case numbers, category and area names — never a reporter, a phone number or a
case's free-text title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.roles import Perm
from gridgov.areas.codes import Level
from gridgov.areas.models import Area
from gridgov.cases.models import Case, CaseStat, Category
from gridgov.cases.states import Status
from gridgov.command.alerts.conf import value
from gridgov.command.registry import AlertHit, AlertRule, register_alert_rule
from gridgov.kernel.counters.models import StockCount
from gridgov.workcal.selectors import is_workday, work_timezone

CHUNK = 500
# The levels an area rule looks at: streets (towns) and communities (villages).
WATCHED_LEVELS = (Level.TOWN, Level.COMMUNITY)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _case_url(pk: int) -> str:
    return reverse("cases:detail", args=[pk])


def _watched_areas() -> dict[int, str]:
    """{id: name} of the active streets and communities (index on level)."""
    return dict(
        Area.objects.filter(level__in=WATCHED_LEVELS, is_active=True).values_list("pk", "name")
    )


# --- Overdue beyond a threshold ---------------------------------------------------------------


def working_days_before(moment: datetime, days: int) -> datetime:
    """The same local time of day ``days`` working days before ``moment`` (a deadline earlier
    than that is overdue by more than ``days`` working days). Looks back at most a year."""
    tz = work_timezone()
    local = moment.astimezone(tz)
    day = local.date()
    counted = 0
    for _step in range(366):
        if counted >= days:
            break
        day -= timedelta(days=1)
        if is_workday(day):
            counted += 1
    return datetime.combine(day, local.time(), tzinfo=tz)


def overdue_long_rows(now: datetime, limit: int) -> list[dict[str, Any]]:
    """The cases overdue by more than the threshold, oldest deadline first, at most ``limit``
    (one range of each partial deadline index)."""
    cutoff = working_days_before(now, value("GRIDGOV_ALERT_OVERDUE_DAYS"))
    fields = ("pk", "number", "area_id", "category__name")
    signing = (
        Case.objects.filter(status=Status.ASSIGNED, sign_due_at__lt=cutoff)
        .order_by("sign_due_at")
        .values(*fields, due=F("sign_due_at"))[:limit]
    )
    handling = (
        Case.objects.filter(status=Status.IN_PROGRESS, handle_due_at__lt=cutoff)
        .order_by("handle_due_at")
        .values(*fields, due=F("handle_due_at"))[:limit]
    )
    rows = sorted([*signing, *handling], key=lambda r: (r["due"], r["pk"]))
    return rows[:limit]


def check_overdue_long(now: datetime) -> Iterable[AlertHit]:
    days = value("GRIDGOV_ALERT_OVERDUE_DAYS")
    for row in overdue_long_rows(now, value("GRIDGOV_ALERT_MAX_HITS")):
        yield AlertHit(
            area_id=row["area_id"],
            fingerprint=f"case:{row['pk']}",
            title=_("Overdue more than %(days)s working days: %(number)s %(category)s")
            % {"days": days, "number": row["number"], "category": row["category__name"]},
            level="red",
            detail={"due_at": row["due"].isoformat(), "url": _case_url(row["pk"])},
            item_kind="case",
            item_id=row["pk"],
        )


# --- Overdue stock of an area ---------------------------------------------------------------------


def check_overdue_stock(now: datetime) -> Iterable[AlertHit]:
    threshold = max(1, value("GRIDGOV_ALERT_OVERDUE_STOCK"))
    areas = _watched_areas()
    for ids in _chunks(sorted(areas)):
        rows = StockCount.objects.filter(
            kind="cases", area_id__in=ids, key="overdue", value__gte=threshold
        ).values_list("area_id", "value")
        for area_id, count in rows:
            yield AlertHit(
                area_id=area_id,
                fingerprint=f"area:{area_id}",
                title=_("%(area)s has %(count)s overdue cases")
                % {"area": areas[area_id], "count": count},
                level="orange",
                detail={
                    "overdue": count,
                    "threshold": threshold,
                    "url": f"{reverse('cases:list')}?area={area_id}",
                },
            )


# --- Repeat complaints ---------------------------------------------------------------------------


def repeat_rows(now: datetime, minimum: int, limit: int) -> list[dict[str, Any]]:
    """(area, category, count) reported at least ``minimum`` times in the 7 days before ``now``,
    most first (one week of the ``case_reported`` index, grouped)."""
    since = now - timedelta(days=7)
    rows: Any = (
        Case.objects.filter(reported_at__gte=since, reported_at__lte=now, outside_grids=False)
        .values("area_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .order_by("-n", "area_id", "category_id")[:limit]
    )
    return [dict(r) for r in rows]


def check_repeat(now: datetime) -> Iterable[AlertHit]:
    minimum = max(2, value("GRIDGOV_ALERT_REPEAT_COUNT"))
    rows = repeat_rows(now, minimum, value("GRIDGOV_ALERT_MAX_HITS"))
    if not rows:
        return
    names = dict(Area.objects.filter(pk__in={r["area_id"] for r in rows}).values_list("pk", "name"))
    cats = dict(
        Category.objects.filter(pk__in={r["category_id"] for r in rows}).values_list("pk", "name")
    )
    year, week, _day = now.astimezone(work_timezone()).isocalendar()
    for r in rows:
        yield AlertHit(
            area_id=r["area_id"],
            fingerprint=f"{r['area_id']}:{r['category_id']}:{year}-W{week:02d}",
            title=_("Repeat complaints: %(category)s in %(area)s, %(count)s times in 7 days")
            % {
                "category": cats.get(r["category_id"], ""),
                "area": names.get(r["area_id"], ""),
                "count": r["n"],
            },
            level="orange",
            detail={
                "count": r["n"],
                "category_id": r["category_id"],
                "url": f"{reverse('cases:list')}?area={r['area_id']}",
            },
        )


# --- Unusual spikes ------------------------------------------------------------------------------


def spike_rows(today: date, factor: float, minimum: int) -> list[dict[str, Any]]:
    """Streets and communities whose intake ``today`` is at least ``minimum`` and at least
    ``factor`` × the mean of the same weekday in the 4 weeks before."""
    areas = _watched_areas()
    todays: dict[int, int] = {}
    for ids in _chunks(sorted(areas)):
        todays.update(
            CaseStat.objects.filter(area_id__in=ids, day=today, reported__gte=minimum).values_list(
                "area_id", "reported"
            )
        )
    if not todays:
        return []
    past_days = [today - timedelta(days=7 * k) for k in range(1, 5)]
    past: dict[int, int] = dict.fromkeys(todays, 0)
    for ids in _chunks(sorted(todays)):
        for area_id, n in CaseStat.objects.filter(area_id__in=ids, day__in=past_days).values_list(
            "area_id", "reported"
        ):
            past[area_id] += n
    out = []
    for area_id, n in sorted(todays.items()):
        mean = past[area_id] / len(past_days)
        if n >= factor * mean:
            out.append({"area_id": area_id, "name": areas[area_id], "today": n, "mean": mean})
    return out


def check_spike(now: datetime) -> Iterable[AlertHit]:
    today = now.astimezone(work_timezone()).date()
    factor = max(1.0, float(value("GRIDGOV_ALERT_SPIKE_FACTOR")))
    minimum = max(1, value("GRIDGOV_ALERT_SPIKE_MIN"))
    for r in spike_rows(today, factor, minimum):
        yield AlertHit(
            area_id=r["area_id"],
            fingerprint=f"{r['area_id']}:{today.isoformat()}",
            title=_("Unusual spike: %(area)s received %(count)s cases today (usually %(mean)s)")
            % {"area": r["name"], "count": r["today"], "mean": f"{r['mean']:.1f}"},
            level="orange",
            detail={
                "today": r["today"],
                "mean": round(r["mean"], 2),
                "url": f"{reverse('cases:list')}?area={r['area_id']}",
            },
        )


register_alert_rule(
    AlertRule(
        key="cases.overdue_long",
        title=gettext_lazy("Long-overdue cases"),
        perm=Perm.CASE_VIEW,
        check=check_overdue_long,
        order=10,
    )
)
register_alert_rule(
    AlertRule(
        key="cases.overdue_stock",
        title=gettext_lazy("Many overdue cases in one area"),
        perm=Perm.CASE_VIEW,
        check=check_overdue_stock,
        order=20,
    )
)
register_alert_rule(
    AlertRule(
        key="cases.repeat",
        title=gettext_lazy("Repeat complaints"),
        perm=Perm.CASE_VIEW,
        check=check_repeat,
        order=30,
    )
)
register_alert_rule(
    AlertRule(
        key="cases.spike",
        title=gettext_lazy("Unusual spikes"),
        perm=Perm.CASE_VIEW,
        check=check_spike,
        order=40,
    )
)
