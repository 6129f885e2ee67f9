"""The API permission matrix: every role (and anonymous) × every endpoint × a target inside or
outside the caller's jurisdiction, through a bearer token and through a browser session.

Expected answers are derived from ``ROLE_PERMS``:

* anonymous → 401;
* a caller who holds the endpoint's permission nowhere → 403 (``denied``; audited);
* a caller who holds it, but the target lies outside their jurisdiction → 404 (no leak);
* otherwise the endpoint's success status.

A refused call must change nothing in the database; an allowed write must change something.
To cover a new endpoint, add one ``Endpoint(...)`` line to ``ENDPOINTS``;
``test_every_api_operation_is_in_the_matrix`` fails until you do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from gridgov import conftest as _fixtures
from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.roles import ROLE_LEVELS, ROLE_PERMS, Perm, Role
from gridgov.accounts.services import department_create, token_issue
from gridgov.areas import geo
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import square

# The shared builders live in src/gridgov/conftest.py, which does not reach this folder.
tree = _fixtures.tree
make_user = _fixtures.make_user

STRONG = "Fengcheng#2026"
IN, OUT, NONE = "in", "out", "-"

Ctx = dict[str, Any]


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str  # formatted with the target context (see ``context``)
    perm: str | None = None  # None: any signed-in user (reads are scoped by area.view)
    ok: int = 200
    body: Callable[[Ctx], dict[str, Any]] | None = None
    targets: tuple[str, ...] = (IN, OUT)
    denied: int = 403  # answer to a caller holding ``perm`` nowhere
    writes: bool = field(default=False)


def _w(**kw: Any) -> dict[str, Any]:
    return {"writes": True, **kw}


M_AREA, M_USERS = Perm.MANAGE_AREA.value, Perm.MANAGE_USERS.value

# fmt: off
ENDPOINTS = [
    Endpoint("me", "get", "/api/v1/me", targets=(NONE,)),
    Endpoint("token_list", "get", "/api/v1/auth/tokens", targets=(NONE,)),
    # Someone else's token is 404 for everyone but their administrators.
    Endpoint("token_revoke", "delete", "/api/v1/auth/tokens/{token}", M_USERS, denied=404, **_w()),
    Endpoint("area_list", "get", "/api/v1/areas?under={area}"),
    Endpoint("area_tree", "get", "/api/v1/areas/tree?depth=4", targets=(NONE,)),
    Endpoint("area_detail", "get", "/api/v1/areas/{area}"),
    Endpoint("area_children", "get", "/api/v1/areas/{area}/children"),
    Endpoint("area_geojson", "get", "/api/v1/areas/{area}/geojson"),
    Endpoint("area_locate", "get", "/api/v1/areas/locate?lon={lon}&lat={lat}"),
    Endpoint("area_create", "post", "/api/v1/areas", M_AREA, 201, lambda c: {"parent_id": c["parent"], "level": 6, "code": c["new_code"], "name": "新网格"}, **_w()),
    Endpoint("area_update", "patch", "/api/v1/areas/{area}", M_AREA, body=lambda c: {"name": "改名", "version": 1}, **_w()),
    Endpoint("area_boundary", "put", "/api/v1/areas/{area}/boundary", M_AREA, body=lambda c: {"geometry": c["smaller"], "version": 1}, **_w()),
    Endpoint("area_move", "post", "/api/v1/areas/{area}/move", M_AREA, body=lambda c: {"parent_id": c["parent"], "version": 1}, **_w()),
    Endpoint("user_list", "get", "/api/v1/users", M_USERS, targets=(NONE,)),
    Endpoint("user_create", "post", "/api/v1/users", M_USERS, 201, lambda c: {"username": "newbie", "password": STRONG}, targets=(NONE,), **_w()),
    Endpoint("user_detail", "get", "/api/v1/users/{user}", M_USERS),
    Endpoint("user_update", "patch", "/api/v1/users/{user}", M_USERS, body=lambda c: {"display_name": "改名"}, **_w()),
    Endpoint("user_password", "post", "/api/v1/users/{user}/password", M_USERS, 204, lambda c: {"password": STRONG}, **_w()),
    Endpoint("user_unlock", "post", "/api/v1/users/{user}/unlock", M_USERS, **_w()),
    Endpoint("grant_create", "post", "/api/v1/users/{user}/grants", M_USERS, 201, lambda c: {"role": "grid_worker", "area_id": c["area"]}, **_w()),
    Endpoint("grant_revoke", "delete", "/api/v1/grants/{grant}", M_USERS, 204, **_w()),
    Endpoint("department_list", "get", "/api/v1/departments", targets=(NONE,)),
    Endpoint("department_create", "post", "/api/v1/departments", M_USERS, 201, lambda c: {"name": "新部门", "kind": "justice", "area_id": c["parent"]}, **_w()),
]
# fmt: on
BY_NAME = {e.name: e for e in ENDPOINTS}
PUBLIC = {("post", "/api/v1/auth/token")}  # no authentication by design

# Where each role is granted: the deepest node of the 凤鸣街道 branch its ROLE_LEVELS allow.
# Everything in the 金沙镇 branch is then outside every caller's jurisdiction.
BRANCH = ("grid1", "community", "street")
ACTORS: list[str | None] = [None, *Role.values]


def home_of(role: str) -> str:
    low, high = ROLE_LEVELS[role]
    levels = {"grid1": 6, "community": 5, "street": 4}
    return next(n for n in BRANCH if low <= levels[n] <= high)


def expected(role: str | None, ep: Endpoint, side: str) -> int:
    if role is None:
        return 401
    if ep.perm is not None and ep.perm not in ROLE_PERMS[role]:
        return ep.denied
    if side == OUT:
        return 404
    return ep.ok


# Cells spelled out by hand, so a wrong derivation cannot pass silently.
EXPLICIT = [
    (None, "me", NONE, 401),
    (None, "grant_revoke", IN, 401),
    (Role.RESIDENT, "area_detail", IN, 200),
    (Role.RESIDENT, "area_detail", OUT, 404),
    (Role.RESIDENT, "area_locate", OUT, 404),
    (Role.GRID_WORKER, "area_update", IN, 403),
    (Role.GRID_WORKER, "area_update", OUT, 403),
    (Role.DISPATCHER, "user_list", NONE, 403),
    (Role.LEADER, "token_revoke", IN, 404),
    (Role.DEPT_HANDLER, "department_list", NONE, 200),
    (Role.COMMUNITY_STAFF, "grant_create", IN, 403),
    (Role.ADMIN, "area_update", IN, 200),
    (Role.ADMIN, "area_update", OUT, 404),
    (Role.ADMIN, "area_create", IN, 201),
    (Role.ADMIN, "user_detail", OUT, 404),
    (Role.ADMIN, "user_password", IN, 204),
    (Role.ADMIN, "token_revoke", IN, 200),
    (Role.ADMIN, "grant_revoke", OUT, 404),
]


def cases() -> list[Any]:
    out = []
    for role in ACTORS:
        for ep in ENDPOINTS:
            for side in ep.targets:
                for mode in ("token", "session") if role else ("none",):
                    out.append(
                        pytest.param(role, ep, side, mode, id=f"{role}-{ep.name}-{side}-{mode}")
                    )
    return out


# --- World ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_locator():
    # The point locator caches its index by boundary revision, a counter that a rolled-back
    # test resets while PostgreSQL's id sequences move on: start every test from scratch.
    geo.locator.reset()


@pytest.fixture
def world(tree, make_user) -> dict[str, Ctx]:
    """Two target people, one inside (a resident of grid 1, locked out) and one outside (a
    resident of the 金沙村 grid), with a token each; and the context of each side."""
    dept = department_create(actor=None, name="区城管局", kind="urban_management", area=tree.county)
    locked = timezone.now() + timedelta(minutes=10)
    t_in = make_user("target_in", ("resident", tree.grid1), locked_until=locked)
    t_out = make_user("target_out", ("resident", tree.grid3), locked_until=locked)
    token_in, _ = token_issue(user=t_in)
    token_out, _ = token_issue(user=t_out)
    common = {"dept": dept}
    return {
        IN: {
            **common,
            "area": tree.grid1.pk,
            "parent": tree.community.pk,
            "user": t_in.pk,
            "grant": t_in.grants.get().pk,
            "token": token_in.pk,
            "lon": 106.205,
            "lat": 38.505,
            "new_code": "640110001001003",
            "smaller": square(106.201, 38.501, 0.005),
        },
        OUT: {
            **common,
            "area": tree.grid3.pk,
            "parent": tree.village.pk,
            "user": t_out.pk,
            "grant": t_out.grants.get().pk,
            "token": token_out.pk,
            "lon": 106.305,
            "lat": 38.605,
            "new_code": "640110100201002",
            "smaller": square(106.301, 38.601, 0.005),
        },
        NONE: common,
    }


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of the tables the API writes, minus bookkeeping that reads may touch."""
    volatile = {User: {"last_login"}, ApiToken: {"last_used_at"}}
    state = {}
    for model in (Area, User, RoleGrant, Department, ApiToken):
        names = [f.attname for f in model._meta.concrete_fields]
        names = [n for n in names if n not in volatile.get(model, set())]
        state[model.__name__] = list(model.objects.order_by("pk").values(*names))
    return state


# One client for the whole module: building its handler (middleware, WhiteNoise's file scan) is
# the slowest part of a request in tests. Its cookies are cleared before every use.
_CLIENT = Client(enforce_csrf_checks=True)


def caller(role: str | None, mode: str, tree: Any, make_user: Any, world: dict[str, Ctx]) -> Any:
    """A test client signed in as a holder of ``role`` (token or session), or anonymous."""
    client = _CLIENT
    client.cookies.clear()
    if role is None:
        return client, {}
    area = getattr(tree, home_of(role))
    dept = world[NONE]["dept"] if role == Role.DEPT_HANDLER else None
    user = make_user("actor", (role, area), department=dept)
    if mode == "token":
        _token, raw = token_issue(user=user)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, {"HTTP_X_CSRFTOKEN": csrf}


def run(role, ep, side, mode, tree, make_user, world):
    client, headers = caller(role, mode, tree, make_user, world)
    ctx = world[side]
    url = ep.url.format(**ctx)
    kwargs: dict[str, Any] = dict(headers)
    if ep.body is not None:
        kwargs.update(data=ep.body(ctx), content_type="application/json")
    before = db_state()
    denied_before = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
    response = getattr(client, ep.method)(url, **kwargs)
    return response, before, denied_before


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "ep", "side", "mode"), cases())
def test_matrix(role, ep, side, mode, tree, make_user, world):
    response, before, denied_before = run(role, ep, side, mode, tree, make_user, world)
    want = expected(role, ep, side)
    assert response.status_code == want, response.content[:300]
    if want >= 400:
        body = response.json()
        assert body["code"] and body["message"]
        assert db_state() == before, "a refused call changed the database"
        if want == 403:
            denied = AuditEntry.objects.filter(event=Event.PERMISSION_DENIED).count()
            assert denied == denied_before + 1
        if want == 404:
            assert body["code"] == "not_found"
    elif ep.writes:
        assert db_state() != before, "an allowed write changed nothing"
    else:
        assert db_state() == before, "a read changed the database"


@pytest.mark.parametrize(("role", "name", "side", "status"), EXPLICIT)
def test_explicit_cells(role, name, side, status, tree, make_user, world):
    ep = BY_NAME[name]
    assert expected(role, ep, side) == status  # the derivation agrees with the hand-written cell
    response, _before, _n = run(role, ep, side, "token" if role else "none", tree, make_user, world)
    assert response.status_code == status


def test_every_api_operation_is_in_the_matrix(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    documented = {(m, _template(p)) for p, ops in paths.items() for m in ops}
    public = {(m, _template(p)) for m, p in PUBLIC}
    covered = {(e.method, _template(e.url.split("?")[0])) for e in ENDPOINTS}
    assert documented - public == covered


def _template(url: str) -> str:
    """Normalise path parameters: /users/{user_id} and /users/{user} both become /users/{}."""
    return re.sub(r"\{[^}]*\}", "{}", url)


def test_every_role_has_an_area_in_the_fixture_tree():
    for role in Role.values:
        assert home_of(role) in BRANCH
