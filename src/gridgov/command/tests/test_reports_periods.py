"""Report periods: the bounds of the period containing a day, the last finished period, a
period in the future refused, the running period covered up to today."""

from __future__ import annotations

from datetime import date

import pytest

from gridgov.command.reports import periods
from gridgov.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("period", "day", "start", "end"),
    [
        ("day", date(2026, 3, 5), date(2026, 3, 5), date(2026, 3, 5)),
        # Wednesday 31 December 2025: its week runs Monday 29 Dec to Sunday 4 Jan 2026.
        ("week", date(2025, 12, 31), date(2025, 12, 29), date(2026, 1, 4)),
        ("week", date(2026, 1, 4), date(2025, 12, 29), date(2026, 1, 4)),
        ("week", date(2026, 1, 5), date(2026, 1, 5), date(2026, 1, 11)),
        ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),
        ("month", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 2, 14), date(2026, 1, 1), date(2026, 3, 31)),
        ("quarter", date(2026, 8, 31), date(2026, 7, 1), date(2026, 9, 30)),
        ("quarter", date(2026, 12, 1), date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 6, 30), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_bounds(period: str, day: date, start: date, end: date) -> None:
    assert periods.bounds(period, day) == (start, end)


def test_last_finished_is_the_period_before_today() -> None:
    today = date(2026, 1, 1)  # a Thursday
    assert periods.last_finished("day", today) == (date(2025, 12, 31), date(2025, 12, 31))
    assert periods.last_finished("week", today) == (date(2025, 12, 22), date(2025, 12, 28))
    assert periods.last_finished("month", today) == (date(2025, 12, 1), date(2025, 12, 31))
    assert periods.last_finished("quarter", today) == (date(2025, 10, 1), date(2025, 12, 31))
    assert periods.last_finished("year", today) == (date(2025, 1, 1), date(2025, 12, 31))


def test_a_period_that_has_not_started_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        periods.resolve("month", date(2026, 4, 1), today=date(2026, 3, 31))
    assert err.value.code == "period_in_future"
    assert err.value.status == 400
    assert "date" in err.value.fields


def test_the_running_period_is_covered_up_to_today() -> None:
    span = periods.resolve("month", date(2026, 3, 2), today=date(2026, 3, 18))
    assert (span.start, span.end, span.date_to) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        date(2026, 3, 18),
    )
    assert span.running and not span.complete
    # Today's own daily report is still running too.
    assert periods.resolve("day", date(2026, 3, 18), today=date(2026, 3, 18)).running


def test_a_finished_period_is_complete() -> None:
    span = periods.resolve("week", date(2026, 3, 11), today=date(2026, 3, 16))
    assert (span.start, span.date_to) == (date(2026, 3, 9), date(2026, 3, 15))
    assert span.complete


def test_an_unknown_period_and_a_day_out_of_range_are_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        periods.bounds("fortnight", date(2026, 1, 1))
    assert "period" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        periods.resolve("day", date(1800, 1, 1), today=date(2026, 1, 1))
    assert err.value.code == "date_out_of_range"
