"""Builders of the report tests: cases of March 2025 made through the real services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gridgov.cases.states import Rating
from gridgov.cases.tests.ops_builders import T0, World

H = timedelta(hours=1)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def march_cases(w: World) -> dict[str, Any]:
    """Three cases in grid 1 and one in grid 3 (金沙镇), in the week of 3 March 2025: one closed
    on time and rated satisfied, one accepted, two only reported."""
    closed = w.report(at=T0)
    w.accept(closed, T0 + H)
    w.dispatch(closed, T0 + 2 * H)
    w.sign(closed, T0 + 3 * H)
    w.reply(closed, T0 + 4 * H)
    w.verify(closed, T0 + 5 * H)
    w.rate(closed, T0 + 6 * H, Rating.SATISFIED)
    accepted = w.report(at=T0 + 24 * H)
    w.accept(accepted, T0 + 25 * H)
    w.report(at=T0 + 26 * H)
    w.report(at=T0 + 27 * H, grid="grid3")
    return {"closed": closed, "accepted": accepted}
