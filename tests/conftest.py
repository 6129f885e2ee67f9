"""Fixtures for the tests in tests/ (the journeys have their own conftest)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridgov.conftest import _fast_password_hashing  # noqa: F401  (autouse, session)
from tests.live import LiveGridgov


@pytest.fixture(autouse=True, scope="session")
def _field_key() -> None:
    """A field key for the session when the data folder has none (gridgov makes one only after
    asking the database, which tests without the ``db`` fixture may not do)."""
    from cryptography.fernet import Fernet
    from django.conf import settings

    if not settings.GRIDGOV_FIELD_KEY:
        settings.GRIDGOV_FIELD_KEY = Fernet.generate_key().decode("ascii")


@pytest.fixture(autouse=True)
def _fresh_sign_in_throttle() -> None:
    """Every test starts with no failed sign-ins counted (src/gridgov/conftest.py does the same
    for the tests beside the code; all tests sign in from 127.0.0.1 and the journeys' live
    server shares this process's memory cache)."""
    from django.core.cache import caches

    caches["login"].clear()


@pytest.fixture(scope="session")
def live_gridgov() -> Iterator[LiveGridgov]:
    """A real ``gridgov serve`` with the demo district, shared by the storm and race tests
    (see tests/live.py). A test that kills it starts it again; the next test finds it up."""
    with tempfile.TemporaryDirectory(prefix="gridgov-live-") as root:
        live = LiveGridgov(Path(root))
        try:
            live.build()
            yield live
        finally:
            live.close()


@pytest.fixture
def live(live_gridgov: LiveGridgov) -> LiveGridgov:
    live_gridgov.start()  # up again if an earlier test left it down
    return live_gridgov
