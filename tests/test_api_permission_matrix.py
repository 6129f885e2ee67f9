"""The API permission matrix: every role (and anonymous) × every endpoint × a target inside or
outside the caller's jurisdiction, through a bearer token and through a browser session.

Expected answers are derived from ``ROLE_PERMS``:

* anonymous → 401;
* endpoints that look their target up first (``sees``: the cases) → 404 for a caller who may
  not see it: one who holds ``sees`` nowhere, or whose jurisdiction does not reach the target
  (a case you may not see does not exist for you, whatever you would have done with it);
* a caller who holds the endpoint's permission nowhere → 403 (``denied``; audited);
* a caller who holds it, but the target lies outside their jurisdiction → 404 (no leak), or
  ``outside`` where the target is no object of the caller's jurisdiction (a reported point);
* otherwise the endpoint's success status.

A refused call must change nothing in the database; an allowed write must change something.
Every cell is called with a bearer token; write endpoints also through a browser session (with
its CSRF header) — reads take the same path through both and would only double the runtime.
To cover a new endpoint, add one ``Endpoint(...)`` line to ``ENDPOINTS``;
``test_every_api_operation_is_in_the_matrix`` fails until you do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from PIL import Image

from gridgov import conftest as _fixtures
from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.roles import ROLE_LEVELS, ROLE_PERMS, Perm, Role
from gridgov.accounts.services import department_create, token_issue
from gridgov.areas import geo
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.cases.importers import hotline
from gridgov.cases.models import Case, CaseAttachment, CaseEvent, Category
from gridgov.cases.services import intake
from gridgov.conftest import square
from gridgov.notifications.models import Notification
from gridgov.workcal import selectors as workcal
from gridgov.workcal.models import CalendarDay, CalendarRevision, CalendarYear

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
    url: str  # formatted with the target context (see ``world``)
    # None: any signed-in user (reads are scoped by area.view); a tuple: any one of them.
    perm: str | tuple[str, ...] | None = None
    ok: int = 200
    body: Callable[[Ctx], dict[str, Any]] | None = None
    targets: tuple[str, ...] = (IN, OUT)
    denied: int = 403  # answer to a caller holding ``perm`` nowhere
    writes: bool = field(default=False)
    sees: str | None = None  # the target is looked up first, by this permission (see above)
    outside: int = 404  # answer to a holder of ``perm`` whose jurisdiction misses the target
    multipart: bool = False  # ``body`` is sent as multipart/form-data (files)
    # Run with the caller (None: anonymous) before the call; returns additions to the context.
    prepare: Callable[[Any, str], Ctx] | None = None


def _w(**kw: Any) -> dict[str, Any]:
    return {"writes": True, **kw}


M_AREA, M_USERS = Perm.MANAGE_AREA.value, Perm.MANAGE_USERS.value
C_VIEW, C_REPORT, C_HANDLE = Perm.CASE_VIEW.value, Perm.CASE_REPORT.value, Perm.CASE_HANDLE.value
C_TRIAGE, C_SUPERVISE = Perm.CASE_TRIAGE.value, Perm.CASE_SUPERVISE.value
C_IMPORT, STATS, CONFIG = Perm.CASE_IMPORT.value, Perm.VIEW_STATS.value, Perm.MANAGE_CONFIG.value
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _photos(c: Ctx) -> dict[str, Any]:
    return {"files": [SimpleUploadedFile("p.png", PNG, content_type="image/png")]}


def _hotline(c: Ctx) -> dict[str, Any]:
    # The template's example row lies in grid 1: the one importer (a dispatcher) imports it.
    xlsx = SimpleUploadedFile("12345.xlsx", hotline.build_template(), content_type=XLSX)
    return {"file": xlsx, "mode": "valid"}


def _own_notification(user: Any, side: str) -> Ctx:
    """An unread notification of the caller: IN is their own; OUT stays another user's."""
    if user is None:
        return {}
    n = Notification.objects.create(recipient=user, kind="case.assigned", title="新工单")
    return {"notification": n.pk} if side == IN else {}


def _const(**values: Any) -> Callable[[Any, str], Ctx]:
    return lambda user, side: values


def _report(source: str) -> Callable[[Ctx], dict[str, Any]]:
    return lambda c: {
        "source": source,
        "category": c["category"],
        "title": "路灯不亮",
        "lon": c["lon"],
        "lat": c["lat"],
    }


_YEAR = {
    "holidays": [{"start": "2026-10-01", "end": "2026-10-07", "name": "国庆节"}],
    "workdays": [{"date": "2026-10-10", "name": "国庆节"}],
}

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
    # Cases. The public channel (source resident) takes a report at any point from anyone
    # signed in; a staff channel (patrol) needs case.report where the point lies — outside, a
    # 403 (audited): the point is the caller's own input, nothing about it is disclosed.
    Endpoint("case_report", "post", "/api/v1/cases/report", None, 201, _report("resident"), outside=201, **_w()),
    Endpoint("case_report_patrol", "post", "/api/v1/cases/report", C_REPORT, 201, _report("patrol"), outside=403, **_w()),
    # Without case.view anywhere the list is the caller's own reports (the area filter then
    # does not apply): 200 with nothing of anyone else's.
    Endpoint("case_list", "get", "/api/v1/cases/?area={area}", C_VIEW, denied=200),
    Endpoint("case_queues", "get", "/api/v1/cases/queues", targets=(NONE,)),
    Endpoint("case_detail", "get", "/api/v1/cases/{case}", sees=C_VIEW),
    Endpoint("case_timeline", "get", "/api/v1/cases/{case}/timeline", sees=C_VIEW),
    Endpoint("case_duplicates", "get", "/api/v1/cases/{case}/duplicates", sees=C_VIEW),
    Endpoint("case_proposal", "get", "/api/v1/cases/{case}/proposal", C_TRIAGE, sees=C_VIEW),
    Endpoint("case_photos", "post", "/api/v1/cases/{case}/photos", (C_REPORT, C_HANDLE), 201, _photos, sees=C_VIEW, multipart=True, **_w()),
    Endpoint("case_urge", "post", "/api/v1/cases/{case}/actions/{action}", C_SUPERVISE, prepare=_const(action="urge"), body=lambda c: {"version": c["version"], "message": "请尽快办理"}, sees=C_VIEW, **_w()),
    Endpoint("case_accept", "post", "/api/v1/cases/{case}/actions/{action}", C_TRIAGE, prepare=_const(action="accept"), body=lambda c: {"version": c["version"]}, sees=C_VIEW, **_w()),
    Endpoint("hotline_import", "post", "/api/v1/cases/import/hotline", C_IMPORT, body=_hotline, targets=(NONE,), multipart=True, **_w()),
    Endpoint("hotline_template", "get", "/api/v1/cases/import/hotline/template", C_IMPORT, targets=(NONE,)),
    Endpoint("category_list", "get", "/api/v1/cases/categories", targets=(NONE,)),
    Endpoint("category_create", "post", "/api/v1/cases/categories", CONFIG, 201, lambda c: {"code": "Z9", "name": "新类别"}, targets=(NONE,), **_w()),
    Endpoint("category_update", "patch", "/api/v1/cases/categories/{category}", CONFIG, body=lambda c: {"name": "改名"}, targets=(NONE,), **_w()),
    Endpoint("stats_indicators", "get", "/api/v1/stats/indicators?area={area}", STATS),
    Endpoint("stats_series", "get", "/api/v1/stats/series?area={area}", STATS),
    Endpoint("stats_breakdown", "get", "/api/v1/stats/breakdown?area={area}", STATS),
    # Everyone's own inbox: another user's notification is 404 (OUT).
    Endpoint("notification_list", "get", "/api/v1/notifications/", targets=(NONE,)),
    Endpoint("notification_count", "get", "/api/v1/notifications/unread-count", targets=(NONE,)),
    Endpoint("notification_read_all", "post", "/api/v1/notifications/read-all", targets=(NONE,), prepare=_own_notification, **_w()),
    Endpoint("notification_read", "post", "/api/v1/notifications/{notification}/read", prepare=_own_notification, **_w()),
    # The official holiday schedule is public to every signed-in client; entering it is not.
    Endpoint("calendar_years", "get", "/api/v1/calendar/years", targets=(NONE,)),
    Endpoint("calendar_year", "get", "/api/v1/calendar/years/{year}", targets=(NONE,)),
    Endpoint("calendar_year_put", "put", "/api/v1/calendar/years/{year}", CONFIG, body=lambda c: _YEAR, targets=(NONE,), **_w()),
    Endpoint("calendar_deadline", "get", "/api/v1/calendar/deadline?amount=3&unit=days", targets=(NONE,)),
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
    held = ROLE_PERMS[role]
    if ep.sees is not None and (ep.sees not in held or side == OUT):
        return 404
    perms = (ep.perm,) if isinstance(ep.perm, str) else ep.perm
    if perms is not None and not any(p in held for p in perms):
        return ep.denied
    if side == OUT:
        return ep.outside
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
    (None, "case_report", IN, 401),
    (Role.RESIDENT, "case_report", OUT, 201),
    (Role.RESIDENT, "case_detail", IN, 404),
    (Role.RESIDENT, "case_urge", IN, 404),
    (Role.GRID_WORKER, "case_detail", IN, 200),
    (Role.GRID_WORKER, "case_detail", OUT, 404),
    (Role.GRID_WORKER, "case_urge", IN, 403),
    (Role.GRID_WORKER, "case_urge", OUT, 404),
    (Role.DEPT_HANDLER, "case_report_patrol", IN, 403),
    (Role.BUILDING_CHIEF, "case_report_patrol", OUT, 403),
    (Role.LEADER, "case_urge", IN, 200),
    (Role.LEADER, "case_photos", IN, 403),
    (Role.DISPATCHER, "case_accept", OUT, 404),
    (Role.DISPATCHER, "hotline_import", NONE, 200),
    (Role.COMMUNITY_STAFF, "stats_indicators", OUT, 404),
    (Role.GRID_WORKER, "stats_indicators", IN, 403),
    (Role.RESIDENT, "notification_read", OUT, 404),
    (Role.ADMIN, "calendar_year_put", NONE, 200),
    (Role.DISPATCHER, "category_create", NONE, 403),
]


def cases() -> list[Any]:
    out = []
    for role in ACTORS:
        for ep in ENDPOINTS:
            for side in ep.targets:
                modes = ("token", "session") if ep.writes else ("token",)
                for mode in modes if role else ("none",):
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
    # test resets while PostgreSQL's id sequences move on: start every test from scratch. The
    # working-day table likewise (by calendar revision).
    geo.locator.reset()
    workcal.cache.reset()


@pytest.fixture(scope="module")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media(settings, _media_dir):
    settings.MEDIA_ROOT = str(_media_dir)


@pytest.fixture
def world(tree, make_user) -> dict[str, Ctx]:
    """Two target people, one inside (a resident of grid 1, locked out) and one outside (a
    resident of the 金沙村 grid), with a token each; and the context of each side. The cases and
    notifications are added by :func:`targets_of` only where an endpoint needs them."""
    dept = department_create(actor=None, name="区城管局", kind="urban_management", area=tree.county)
    locked = timezone.now() + timedelta(minutes=10)
    t_in = make_user("target_in", ("resident", tree.grid1), locked_until=locked)
    t_out = make_user("target_out", ("resident", tree.grid3), locked_until=locked)
    token_in, _ = token_issue(user=t_in)
    token_out, _ = token_issue(user=t_out)
    leaf = Category.objects.get(code="0101")  # 暴露垃圾: no extra fields
    common = {"dept": dept, "category": leaf.pk, "year": 2026}
    return {
        IN: {
            **common,
            "area": tree.grid1.pk,
            "parent": tree.community.pk,
            "user": t_in.pk,
            "grant": t_in.grants.get().pk,
            "token": token_in.pk,
            "target": t_in,
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
            "target": t_out,
            "lon": 106.305,
            "lat": 38.605,
            "new_code": "640110100201002",
            "smaller": square(106.301, 38.601, 0.005),
        },
        NONE: common,
    }


POINTS = {IN: (106.205, 38.505), OUT: (106.305, 38.605)}


def targets_of(ep: Endpoint, side: str, ctx: Ctx) -> Ctx:
    """An anonymous report in the side's grid, and a notification of the side's target person,
    for the endpoints that act on them (made only there: a report costs time in every cell)."""
    extra: Ctx = {}
    if "{case}" in ep.url or ep.name in ("case_list", "case_queues"):
        lon, lat = POINTS[side if side != NONE else IN]
        case = intake.case_report(
            actor=None,
            source="resident",
            anonymous=True,
            category=ctx["category"],
            title="垃圾未清运",
            lon=lon,
            lat=lat,
        ).case
        extra.update(case=case.pk, version=case.version)
    if "{notification}" in ep.url and side != NONE:
        n = Notification.objects.create(recipient=ctx["target"], kind="case.assigned", title="新")
        extra["notification"] = n.pk
    return extra


def db_state() -> dict[str, Any]:
    """Every row of the tables the API writes, minus bookkeeping that reads may touch.

    The calendar's thousands of days are summed up by their count and the calendar revision,
    which every calendar change replaces in the same transaction."""
    volatile = {User: {"last_login"}, ApiToken: {"last_used_at"}}
    state: dict[str, Any] = {}
    models = (Area, User, RoleGrant, Department, ApiToken, Case, CaseEvent, CaseAttachment)
    for model in (*models, Category, CalendarYear, Notification):
        names = [f.attname for f in model._meta.concrete_fields]
        names = [n for n in names if n not in volatile.get(model, set())]
        state[model.__name__] = list(model.objects.order_by("pk").values_list(*names))
    state["CalendarDay"] = CalendarDay.objects.count()
    state["CalendarRevision"] = list(CalendarRevision.objects.values_list("revision", flat=True))
    return state


# One client for the whole module: building its handler (middleware, WhiteNoise's file scan) is
# the slowest part of a request in tests. Its cookies are cleared before every use.
_CLIENT = Client(enforce_csrf_checks=True)


def caller(role: str | None, mode: str, tree: Any, make_user: Any, world: dict[str, Ctx]) -> Any:
    """A test client signed in as a holder of ``role`` (token or session), or anonymous; its
    request headers; and the user (None when anonymous)."""
    client = _CLIENT
    client.cookies.clear()
    if role is None:
        return client, {}, None
    area = getattr(tree, home_of(role))
    dept = world[NONE]["dept"] if role == Role.DEPT_HANDLER else None
    user = make_user("actor", (role, area), department=dept)
    if mode == "token":
        _token, raw = token_issue(user=user)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}, user
    client.force_login(user)
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    return client, {"HTTP_X_CSRFTOKEN": csrf}, user


def run(role, ep, side, mode, tree, make_user, world):
    client, headers, user = caller(role, mode, tree, make_user, world)
    ctx = world[side]
    ctx = {**ctx, **targets_of(ep, side, ctx)}
    if ep.prepare is not None:
        ctx = {**ctx, **ep.prepare(user, side)}
    url = ep.url.format(**ctx)
    kwargs: dict[str, Any] = dict(headers)
    if ep.body is not None and ep.multipart:
        kwargs.update(data=ep.body(ctx))
    elif ep.body is not None:
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
