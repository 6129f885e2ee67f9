"""Maintained indicators: each counter moved by its event, on the case's area and every
ancestor, on the local day of the event; rates with empty denominators; the rebuild command
equals the maintained figures. Cases go through the real intake and lifecycle services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from gridgov.cases.indicators import COUNTERS, indicators_for, rates
from gridgov.cases.models import CaseStat
from gridgov.cases.states import Rating
from gridgov.cases.tests.ops_builders import DAY0, SH, T0, World, all_stats, stat
from gridgov.cases.tests.ops_builders import world as world  # the fixture
from gridgov.core.errors import NotFound

H = timedelta(hours=1)


def _only(counts: dict[str, int], **expected: int) -> bool:
    """``counts`` has exactly ``expected`` and zeros elsewhere."""
    return counts == {**dict.fromkeys(COUNTERS, 0), **expected}


def _closed_case(w: World, *, at: datetime = T0) -> Any:
    case = w.report(at=at)
    w.accept(case, at + H)
    w.dispatch(case, at + 2 * H)
    w.sign(case, at + 3 * H)
    w.reply(case, at + 4 * H)
    w.verify(case, at + 5 * H)
    return case


def test_report_counts_reported_on_the_area_and_every_ancestor(world: World) -> None:
    world.report()
    t = world.tree
    for area in (t.grid1, t.community, t.street, t.county, t.city, t.province):
        assert _only(stat(area), reported=1, reported_patrol=1), area
    assert _only(stat(t.grid2))
    assert _only(stat(t.town))


def test_accept_counts_accepted(world: World) -> None:
    case = world.report()
    world.accept(case, T0 + H)
    assert _only(stat(world.tree.street), reported=1, reported_patrol=1, accepted=1)


def test_sign_in_time_counts_signed_on_time(world: World) -> None:
    case = world.report()
    world.accept(case, T0 + H)
    world.dispatch(case, T0 + H)
    world.sign(case, T0 + 2 * H)
    assert stat(world.tree.grid1)["signed"] == 1
    assert stat(world.tree.grid1)["signed_on_time"] == 1


def test_late_sign_counts_signed_but_not_on_time(world: World) -> None:
    case = world.report()
    world.accept(case, T0 + H)
    world.dispatch(case, T0 + H)
    late = T0 + timedelta(days=2)  # 4 working hours allowed
    world.sign(case, late)
    counts = stat(world.tree.county, late.date())
    assert (counts["signed"], counts["signed_on_time"]) == (1, 0)


def test_reply_and_failed_verification_count_replied_and_reworked(world: World) -> None:
    case = world.report()
    world.accept(case, T0 + H)
    world.dispatch(case, T0 + H)
    world.sign(case, T0 + H)
    world.reply(case, T0 + 2 * H)
    world.verify(case, T0 + 3 * H, passed=False)
    counts = stat(world.tree.community)
    assert (counts["replied"], counts["reworked"], counts["closed"]) == (1, 1, 0)


def test_verify_pass_counts_the_closure(world: World) -> None:
    _closed_case(world)
    counts = stat(world.tree.county)
    assert counts["closed"] == 1
    assert counts["closed_on_time"] == 1
    assert counts["closed_grid"] == 1
    assert counts["handle_seconds"] == 4 * 3600  # accepted at +1 h, closed at +5 h
    assert counts["closed_on_spot"] == 0


def test_late_closure_is_not_on_time(world: World) -> None:
    case = world.report()
    world.accept(case, T0)
    world.dispatch(case, T0)
    world.sign(case, T0)
    world.reply(case, T0 + timedelta(days=7))  # 2 working days allowed
    world.verify(case, T0 + timedelta(days=7, hours=1))
    counts = stat(world.tree.grid1, DAY0 + timedelta(days=7))
    assert (counts["closed"], counts["closed_on_time"]) == (1, 0)


@pytest.mark.parametrize(
    ("rating", "field"),
    [(Rating.SATISFIED, "satisfied"), (Rating.BASIC, "basic"), (Rating.UNSATISFIED, "unsatisfied")],
)
def test_rating_counts_rated_and_its_kind(world: World, rating: str, field: str) -> None:
    case = _closed_case(world)
    world.rate(case, T0 + 6 * H, rating)
    counts = stat(world.tree.street)
    assert counts["rated"] == 1
    assert counts[field] == 1
    assert sum(counts[f] for f in ("satisfied", "basic", "unsatisfied")) == 1


def test_reopen_moves_no_counter(world: World) -> None:
    case = _closed_case(world)
    before = stat(world.tree.county)
    world.reopen(case, T0 + 6 * H)
    assert stat(world.tree.county) == before


def test_on_spot_case_counts_the_whole_chain(world: World) -> None:
    world.report(at=datetime.now(SH), on_spot=True)  # the chain's entries are timed now
    counts = {
        c: sum(r[c] for r in CaseStat.objects.filter(area=world.tree.county).values(c))
        for c in COUNTERS
    }
    assert counts["reported"] == counts["accepted"] == counts["closed"] == 1
    assert counts["closed_on_time"] == counts["closed_on_spot"] == counts["closed_grid"] == 1
    assert counts["signed"] == counts["signed_on_time"] == counts["replied"] == 1


def test_day_is_the_local_date(world: World) -> None:
    # 23:30 on 3 March in Beijing is 15:30 UTC the same day; 00:30 on 4 March is 16:30 UTC on 3.
    world.report(at=datetime(2025, 3, 4, 0, 30, tzinfo=SH))
    assert stat(world.tree.grid1, date(2025, 3, 4))["reported"] == 1
    assert stat(world.tree.grid1, date(2025, 3, 3))["reported"] == 0


def test_counts_add_up_on_one_row(world: World) -> None:
    world.report()
    world.report(at=T0 + H)
    world.report(grid="grid3")
    assert stat(world.tree.grid1)["reported"] == 2
    assert stat(world.tree.county)["reported"] == 3
    assert CaseStat.objects.filter(area=world.tree.county).count() == 1


# --- Rates -------------------------------------------------------------------------------------


def test_rates_of_nothing_are_none() -> None:
    assert set(rates(dict.fromkeys(COUNTERS, 0)).values()) == {None}


def test_rates_are_the_documented_ratios() -> None:
    counts = {
        **dict.fromkeys(COUNTERS, 0),
        "accepted": 10,
        "closed": 8,
        "closed_on_time": 6,
        "signed": 5,
        "signed_on_time": 4,
        "replied": 10,
        "reworked": 1,
        "rated": 4,
        "satisfied": 2,
        "basic": 1,
        "unsatisfied": 1,
        "handle_seconds": 800,
        "closed_grid": 4,
        "closed_county": 2,
    }
    r = rates(counts)
    assert r["closed_rate"] == 0.8
    assert r["closed_on_time_rate"] == 0.75
    assert r["signed_on_time_rate"] == 0.8
    assert r["rework_rate"] == 0.1
    assert r["satisfaction_rate"] == 0.75
    assert r["avg_handle_seconds"] == 100
    assert r["share_grid"] == 0.5
    assert r["share_county"] == 0.25
    assert r["share_street"] == 0


def test_indicators_for_sums_the_period(world: World) -> None:
    _closed_case(world)
    _closed_case(world, at=T0 + timedelta(days=1))
    world.report(at=T0 + timedelta(days=40))  # outside
    result = indicators_for(
        actor=world.dispatcher, area=world.tree.street, date_from=DAY0, date_to=date(2025, 3, 31)
    )
    assert result["counts"]["accepted"] == 2
    assert result["counts"]["closed"] == 2
    assert result["counts"]["reported"] == 2
    assert result["rates"]["closed_rate"] == 1.0
    assert result["rates"]["satisfaction_rate"] is None


def test_indicators_for_refuses_outside_the_jurisdiction(world: World, make_user: Any) -> None:
    staff = make_user("ops_staff", ("community_staff", world.tree.village))
    with pytest.raises(NotFound):
        indicators_for(actor=staff, area=world.tree.street, date_from=DAY0, date_to=DAY0)


# --- Rebuild -----------------------------------------------------------------------------------


def test_rebuild_equals_the_maintained_figures(world: World) -> None:
    a = _closed_case(world)
    world.rate(a, T0 + 6 * H, Rating.BASIC)
    world.reopen(a, T0 + timedelta(days=1))
    b = _closed_case(world, at=T0 + timedelta(days=2))
    world.rate(b, T0 + timedelta(days=3), Rating.UNSATISFIED)
    world.report(grid="grid3", at=datetime.now(SH), on_spot=True)
    c = world.report(at=T0 + timedelta(days=1))
    world.accept(c, T0 + timedelta(days=1, hours=1))
    maintained = all_stats()
    CaseStat.objects.all().delete()
    call_command("rebuild_case_stats", verbosity=0)
    assert all_stats() == maintained


def test_rebuild_of_a_period_repairs_only_those_days(world: World) -> None:
    _closed_case(world)
    _closed_case(world, at=T0 + timedelta(days=1))
    maintained = all_stats()
    CaseStat.objects.filter(day=DAY0).update(closed=99)
    CaseStat.objects.filter(day=DAY0 + timedelta(days=1)).delete()
    call_command("rebuild_case_stats", "--from", "2025-03-04", "--to", "2025-03-04", verbosity=0)
    repaired = all_stats()
    assert {k: v for k, v in repaired.items() if k[1] != DAY0} == {
        k: v for k, v in maintained.items() if k[1] != DAY0
    }
    assert all(v["closed"] == 99 for k, v in repaired.items() if k[1] == DAY0)
