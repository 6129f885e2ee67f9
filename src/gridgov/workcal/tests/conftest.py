"""Fixtures of the calendar tests: a fresh in-process day table per test (test databases roll
back, and with them the calendar revision)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    """at(2024, 9, 30, 10) → 2024-09-30 10:00 Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _fresh_day_table() -> Any:
    from gridgov.workcal import selectors

    selectors.cache.reset()
    yield
    selectors.cache.reset()


@pytest.fixture
def cal_admin(tree: Any, make_user: Any) -> Any:
    return make_user("cal_admin", ("admin", tree.county))


@pytest.fixture
def dispatcher(tree: Any, make_user: Any) -> Any:
    return make_user("dispatcher", ("dispatcher", tree.county))
