"""Builders shared by the indicator, supervision and statistics tests: cases made and moved
through the real services (intake's case_report, the lifecycle), at fixed times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases.models import Case, CaseStat, Category
from gridgov.cases.states import Rating, Source

SH = ZoneInfo("Asia/Shanghai")
# Monday 3 March 2025, 10:00 in Beijing: a working day.
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=SH)
DAY0 = date(2025, 3, 3)

# A point inside each test grid (see gridgov/conftest.py).
POINTS = {"grid1": (106.205, 38.505), "grid2": (106.215, 38.505), "grid3": (106.305, 38.605)}


@dataclass
class World:
    tree: Any
    category: Category
    worker: Any  # grid worker of grid1
    worker3: Any  # grid worker of grid3 (金沙镇)
    dispatcher: Any  # dispatcher of the county (triage, verify, supervise, stats)

    def report(self, *, at: datetime = T0, grid: str = "grid1", on_spot: bool = False) -> Case:
        from gridgov.cases.services.intake import case_report

        lon, lat = POINTS[grid]
        actor = self.worker3 if grid == "grid3" else self.worker
        result = case_report(
            actor=actor,
            source=Source.PATROL,
            category=self.category,
            title="路边垃圾堆放",
            lon=lon,
            lat=lat,
            reported_at=at,
            resolved_on_spot=on_spot,
            on_spot_reply="已清理" if on_spot else "",
        )
        return result.case

    def handler(self, case: Case) -> Any:
        return self.worker3 if case.area_id == self.tree.grid3.pk else self.worker

    def accept(self, case: Case, at: datetime) -> Case:
        from gridgov.cases.services.lifecycle import case_accept

        return case_accept(actor=self.dispatcher, case=case, version=case.version, now=at)

    def dispatch(self, case: Case, at: datetime) -> Case:
        from gridgov.cases.services.lifecycle import case_dispatch

        return case_dispatch(
            actor=self.dispatcher, case=case, version=case.version, to_area=case.area, now=at
        )

    def sign(self, case: Case, at: datetime) -> Case:
        from gridgov.cases.services.lifecycle import case_sign

        return case_sign(actor=self.handler(case), case=case, version=case.version, now=at)

    def reply(self, case: Case, at: datetime) -> Case:
        from gridgov.cases.services.lifecycle import case_reply

        return case_reply(
            actor=self.handler(case), case=case, version=case.version, reply="已处理", now=at
        )

    def verify(self, case: Case, at: datetime, *, passed: bool = True) -> Case:
        from gridgov.cases.services.lifecycle import case_verify

        return case_verify(
            actor=self.dispatcher,
            case=case,
            version=case.version,
            passed=passed,
            note="" if passed else "未清理干净",
            now=at,
        )

    def rate(self, case: Case, at: datetime, rating: str = Rating.SATISFIED) -> Case:
        from gridgov.cases.services.lifecycle import case_rate

        return case_rate(
            actor=self.dispatcher,
            case=case,
            version=case.version,
            rating=rating,
            callback=True,
            now=at,
        )

    def reopen(self, case: Case, at: datetime) -> Case:
        from gridgov.cases.services.lifecycle import case_reopen

        return case_reopen(
            actor=self.dispatcher, case=case, version=case.version, reason="群众反映未解决", now=at
        )


def stat(area: Any, day: date = DAY0) -> dict[str, int]:
    """The counters of ``area`` on ``day`` (all zero when there is no row)."""
    from gridgov.cases.indicators import COUNTERS

    row = CaseStat.objects.filter(area=area, day=day).values(*COUNTERS).first()
    return dict(row) if row else dict.fromkeys(COUNTERS, 0)


def all_stats() -> dict[tuple[int, date], dict[str, int]]:
    from gridgov.cases.indicators import COUNTERS

    return {
        (r["area_id"], r["day"]): {c: r[c] for c in COUNTERS}
        for r in CaseStat.objects.values("area_id", "day", *COUNTERS)
    }


@pytest.fixture
def world(tree: Any, make_user: Any) -> World:
    category = Category.objects.create(
        code="T01",
        name="暴露垃圾",
        sign_limit=4,
        sign_unit="hours",
        handle_limit=2,
        handle_unit="days",
    )
    return World(
        tree=tree,
        category=category,
        worker=make_user("ops_worker", ("grid_worker", tree.grid1)),
        worker3=make_user("ops_worker3", ("grid_worker", tree.grid3)),
        dispatcher=make_user("ops_dispatcher", ("dispatcher", tree.county)),
    )
