"""Shared test builders: a small area tree and users holding roles at its nodes.

Tree (codes follow the national rules)::

    640000 宁夏 (province)
    └─ 6401 银川市 (city)
       └─ 640110 凤城区 (county, 106.0–106.6 E, 38.3–38.9 N)
          ├─ 640110001 凤鸣街道 (town, street)
          │  └─ 640110001001 凤鸣社区 (community)
          │     ├─ 640110001001001 网格一 (grid, 106.20–106.21 E, 38.50–38.51 N)
          │     └─ 640110001001002 网格二 (grid, 106.21–106.22 E, 38.50–38.51 N)
          └─ 640110100 金沙镇 (town)
             └─ 640110100201 金沙村 (community, villagers)
                └─ 640110100201001 金沙村网格 (grid, 106.30–106.31 E, 38.60–38.61 N)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

TEST_PASSWORD = "Test-Passw0rd!"
T = TypeVar("T")


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at its cheapest, for the tests run in this process: the same algorithm, code and
    hash format as production (``identify_hasher`` still says "argon2"), but a hash or a check
    costs well under a millisecond instead of ~0.25 s of CPU and 100 MB. Child processes (``gridgov
    serve`` in the storm tests, the README commands, scripts/fuzz-api.sh) keep the real cost."""

    time_cost = 1
    memory_cost = 8  # KiB: the least Argon2 accepts with one lane
    parallelism = 1


TEST_PASSWORD_HASHERS = [
    "gridgov.conftest.FastArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Any:
    """Every test session hashes with :class:`FastArgon2PasswordHasher` (a test's own
    ``settings.PASSWORD_HASHERS`` still wins for that test). Imported by tests/conftest.py."""
    from django.test.utils import override_settings

    fast = override_settings(PASSWORD_HASHERS=TEST_PASSWORD_HASHERS)
    fast.enable()  # setting_changed: Django drops its cached hashers
    yield
    fast.disable()


def square(x0: float, y0: float, size: float = 0.01) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
        ],
    }


@pytest.fixture(autouse=True, scope="session")
def _field_key() -> None:
    """A field key for the session when the data folder has none (gridgov makes one only after
    asking the database, which tests without the ``db`` fixture may not do)."""
    from cryptography.fernet import Fernet
    from django.conf import settings

    if not settings.GRIDGOV_FIELD_KEY:
        settings.GRIDGOV_FIELD_KEY = Fernet.generate_key().decode("ascii")


@pytest.fixture(autouse=True)
def _fresh_grid_locator() -> Any:
    """Each test starts with an empty in-process grid index, working-day table and sign-in
    throttle (test databases roll back, and with them boundaries and calendars)."""
    from django.core.cache import caches

    from gridgov.areas import geo
    from gridgov.core import revisions
    from gridgov.workcal import selectors as workcal

    geo.locator.reset()
    workcal.cache.reset()
    revisions.reset_caches()
    caches["login"].clear()  # sign-in throttling counts per address (all tests: 127.0.0.1)
    yield
    geo.locator.reset()
    workcal.cache.reset()
    revisions.reset_caches()


@dataclass
class Tree:
    province: Any
    city: Any
    county: Any
    street: Any
    community: Any
    grid1: Any
    grid2: Any
    town: Any
    village: Any
    grid3: Any


def build_tree() -> Tree:
    """The tree above, made through the services (the ``tree`` fixture; also for fixtures of a
    wider scope, see :func:`kept_for_scope`)."""
    from gridgov.areas.codes import Level
    from gridgov.areas.services import area_create

    def mk(parent: Any, level: int, code: str, name: str, geometry: Any = None) -> Any:
        return area_create(
            actor=None, parent=parent, level=level, code=code, name=name, geometry=geometry
        )

    province = mk(None, Level.PROVINCE, "64", "宁夏回族自治区")
    city = mk(province, Level.CITY, "6401", "银川市")
    county = mk(city, Level.COUNTY, "640110", "凤城区", square(106.0, 38.3, 0.6))
    street = mk(county, Level.TOWN, "640110001", "凤鸣街道")
    community = mk(street, Level.COMMUNITY, "640110001001", "凤鸣社区")
    grid1 = mk(community, Level.GRID, "640110001001001", "网格一", square(106.20, 38.50))
    grid2 = mk(community, Level.GRID, "640110001001002", "网格二", square(106.21, 38.50))
    town = mk(county, Level.TOWN, "640110100", "金沙镇")
    village = mk(town, Level.COMMUNITY, "640110100201", "金沙村")
    grid3 = mk(village, Level.GRID, "640110100201001", "金沙村网格", square(106.30, 38.60))
    return Tree(province, city, county, street, community, grid1, grid2, town, village, grid3)


@pytest.fixture
def tree(db: Any) -> Tree:
    return build_tree()


def user_builder() -> Callable[..., Any]:
    """The ``make_user`` fixture's builder (also for fixtures of a wider scope)."""
    from gridgov.accounts.models import User
    from gridgov.accounts.services import role_grant

    cache: dict[str, str] = {}

    def build(
        username: str, *grants: tuple[str, Any], department: Any = None, **fields: Any
    ) -> Any:
        if "hash" not in cache:
            probe = User()
            probe.set_password(TEST_PASSWORD)
            cache["hash"] = probe.password
        user = User.objects.create(username=username, password=cache["hash"], **fields)
        for role, area in grants:
            role_grant(
                actor=None,
                user=user,
                role=role,
                area=area,
                department=department if role == "dept_handler" else None,
            )
        return user

    return build


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """make_user("alice", ("grid_worker", tree.grid1), ...) → a user holding those roles.

    The password hash is computed once and reused, so tests stay fast with Argon2.
    """
    return user_builder()


def kept_for_scope(django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    """For a module- or class-scoped fixture: ``build()``'s rows stay for every test of that
    scope and are rolled back at its end (Django's ``setUpTestData``)::

        @pytest.fixture(scope="module")
        def _rows(django_db_setup, django_db_blocker):
            yield from kept_for_scope(django_db_blocker, build_tree)

    An outer transaction is opened around the tests' own (pytest-django's ``db`` fixture then
    rolls each test back to a savepoint inside it), so every test sees exactly the rows made
    by ``build``, never another test's. The Python objects are shared: hand each test a
    ``copy.deepcopy`` of them when a test may change one in place.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            made = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
