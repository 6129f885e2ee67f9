"""/api/v1/auth, /me, /users, /grants, /departments, and the API's own plumbing (errors, docs,
token and session authentication)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.services import department_create, token_issue, user_create
from gridgov.areas.models import Area
from gridgov.audit.models import AuditEntry, Event
from gridgov.conftest import TEST_PASSWORD

STRONG = "Fengcheng#2026"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(user: Any) -> dict[str, str]:
    _token, raw = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def call(client: Any, method: str, url: str, user: Any = None, body: Any = None, **kw: Any) -> Any:
    headers = bearer(user) if user is not None else {}
    if body is not None:
        kw["data"] = body if isinstance(body, str) else json.dumps(body)
        kw["content_type"] = "application/json"
    return getattr(client, method)(url, **kw, **headers)


def user_row(user: User) -> dict[str, Any]:
    return User.objects.filter(pk=user.pk).values().get()


@pytest.fixture
def admin(tree, make_user):
    return make_user("admin", ("admin", tree.street))


@pytest.fixture
def inside(tree, make_user):
    return make_user("inside", ("resident", tree.grid1), mobile="13800001234", display_name="张三")


@pytest.fixture
def outside(tree, make_user):
    return make_user("outside", ("resident", tree.grid3), mobile="13900005678")


# --- Tokens -----------------------------------------------------------------------------------


def test_token_by_username_then_use_it(client, tree, inside):
    r = call(
        client,
        "post",
        "/api/v1/auth/token",
        body={"username": "inside", "password": TEST_PASSWORD, "name": "app"},
    )
    assert r.status_code == 201
    data = r.json()
    assert data["token"].startswith("gg_") and data["name"] == "app" and data["token_id"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert me.status_code == 200
    assert me.json()["username"] == "inside" and me.json()["auth"] == "token"


def test_token_by_mobile_number(client, tree, inside):
    body = {"username": "13800001234", "password": TEST_PASSWORD}
    r = call(client, "post", "/api/v1/auth/token", body=body)
    assert r.status_code == 201
    assert ApiToken.objects.get(pk=r.json()["token_id"]).user == inside


def test_wrong_password_is_401_and_audited(client, tree, inside):
    body = {"username": "inside", "password": "wrong"}
    r = call(client, "post", "/api/v1/auth/token", body=body)
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()
    entry = AuditEntry.objects.get(event=Event.LOGIN_FAILED)
    assert entry.detail == {"reason": "bad_password", "channel": "api"}
    assert "wrong" not in json.dumps(entry.detail)


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, tree, inside):
    wrong = call(client, "post", "/api/v1/auth/token", body={"username": "inside", "password": "x"})
    unknown = call(
        client, "post", "/api/v1/auth/token", body={"username": "ghost", "password": "x"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@override_settings(GRIDGOV_LOCKOUT_THRESHOLD=5, GRIDGOV_LOCKOUT_MINUTES=15)
def test_five_api_failures_lock_the_account_without_saying_so(client, tree, inside):
    bad = {"username": "inside", "password": "wrong"}
    answers = [call(client, "post", "/api/v1/auth/token", body=bad) for _ in range(5)]
    good = call(
        client, "post", "/api/v1/auth/token", body={"username": "inside", "password": TEST_PASSWORD}
    )
    ghost = call(client, "post", "/api/v1/auth/token", body={"username": "ghost", "password": "x"})
    for r in [*answers, good, ghost]:
        assert r.status_code == 401
        assert r.json() == answers[0].json()
        assert r.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()
    inside.refresh_from_db()
    assert inside.is_locked
    lockout = AuditEntry.objects.get(event=Event.LOCKOUT, target_id=str(inside.pk))
    assert lockout.detail["channel"] == "api"
    failed = AuditEntry.objects.filter(event=Event.LOGIN_FAILED, target_id=str(inside.pk))
    assert failed.count() == 6
    assert {e.detail["channel"] for e in failed} == {"api"}


@pytest.mark.parametrize("body", ['{"username": "x"', '{"username": "x"}', "[]"])
def test_token_request_must_be_well_formed(client, tree, body):
    r = call(client, "post", "/api/v1/auth/token", body=body)
    assert r.status_code in (400, 422)
    assert r.json()["code"] in ("malformed_json", "validation_failed")


def test_token_list_shows_own_tokens_without_secrets(client, tree, inside, outside):
    own, raw = token_issue(user=inside, name="phone")
    token_issue(user=outside)
    r = client.get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [t["id"] for t in items] == [own.pk]
    assert items[0]["name"] == "phone" and items[0]["is_active"] is True
    assert raw not in r.content.decode() and own.digest not in r.content.decode()
    assert set(items[0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "is_active",
    }


def test_revoke_own_token_then_it_no_longer_works(client, tree, inside):
    token, raw = token_issue(user=inside)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    r = client.delete(f"/api/v1/auth/tokens/{token.pk}", **auth)
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get("/api/v1/me", **auth)
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"
    assert AuditEntry.objects.filter(event=Event.TOKEN_REJECTED, detail__reason="revoked").exists()


def test_revoking_twice_is_409(client, tree, inside):
    token, _raw = token_issue(user=inside)
    call(client, "delete", f"/api/v1/auth/tokens/{token.pk}", inside)
    r = call(client, "delete", f"/api/v1/auth/tokens/{token.pk}", inside)
    assert r.status_code == 409 and r.json()["code"] == "already_revoked"


def test_someone_elses_token_is_404_for_a_non_admin(client, tree, inside, make_user):
    other = make_user("neighbour", ("resident", tree.grid1))
    token, _raw = token_issue(user=other)
    r = call(client, "delete", f"/api/v1/auth/tokens/{token.pk}", inside)
    assert r.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_revokes_a_token_of_a_user_in_jurisdiction(client, tree, admin, inside, outside):
    token_in, _ = token_issue(user=inside)
    token_out, _ = token_issue(user=outside)
    assert call(client, "delete", f"/api/v1/auth/tokens/{token_in.pk}", admin).status_code == 200
    assert call(client, "delete", f"/api/v1/auth/tokens/{token_out.pk}", admin).status_code == 404
    token_out.refresh_from_db()
    assert token_out.revoked_at is None
    assert AuditEntry.objects.filter(event=Event.TOKEN_REVOKED, actor=admin).count() == 1


@pytest.mark.parametrize("header", ["Bearer gg_forged", "Bearer not-even-a-token", "Bearer "])
def test_forged_tokens_are_401(client, tree, header):
    r = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert r.status_code == 401
    assert r.json()["code"] in ("invalid_token", "unauthenticated")
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(client, tree, inside):
    token, raw = token_issue(user=inside)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_token_of_a_deactivated_user_is_401(client, tree, inside):
    _token, raw = token_issue(user=inside)
    User.objects.filter(pk=inside.pk).update(is_active=False)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(client, tree, inside):
    client.force_login(inside)
    assert client.get("/api/v1/me").status_code == 200
    r = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer gg_forged")
    assert r.status_code == 401


def test_anonymous_is_401_json(client, tree):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthenticated" and r.json()["message"]


# --- Session (browser) ------------------------------------------------------------------------


def test_session_works_and_me_sets_the_csrf_cookie(tree, inside):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(inside)
    r = browser.get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["auth"] == "session"
    assert browser.cookies["csrftoken"].value


def test_session_writes_need_the_csrf_header(tree, admin):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    browser.get("/api/v1/me")
    csrf = browser.cookies["csrftoken"].value
    body = json.dumps({"username": "newbie", "password": STRONG})
    r = browser.post("/api/v1/users", body, content_type="application/json")
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed"
    assert not User.objects.filter(username="newbie").exists()
    r = browser.post("/api/v1/users", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 201
    assert User.objects.filter(username="newbie").exists()


def test_token_writes_need_no_csrf(tree, admin):
    browser = Client(enforce_csrf_checks=True)
    body = json.dumps({"username": "newbie", "password": STRONG})
    r = browser.post("/api/v1/users", body, content_type="application/json", **bearer(admin))
    assert r.status_code == 201


def test_anonymous_write_is_401_not_a_csrf_error(tree):
    browser = Client(enforce_csrf_checks=True)
    r = browser.post("/api/v1/users", "{}", content_type="application/json")
    assert r.status_code == 401


# --- Me ---------------------------------------------------------------------------------------


def test_me_lists_roles_and_permissions_per_area(client, tree, make_user):
    dept = department_create(actor=None, name="城管中队", kind="urban_management", area=tree.county)
    user = make_user(
        "multi",
        ("grid_worker", tree.grid1),
        ("dept_handler", tree.street),
        department=dept,
        mobile="13712345678",
        display_name="李四",
    )
    d = call(client, "get", "/api/v1/me", user).json()
    assert d["username"] == "multi" and d["display_name"] == "李四"
    assert d["mobile"] == "137****5678"
    assert d["is_superuser"] is False
    roles = {g["role"]: g for g in d["roles"]}
    assert roles["dept_handler"]["department"]["name"] == "城管中队"
    assert roles["grid_worker"]["area"]["code"] == tree.grid1.code
    assert roles["grid_worker"]["area"]["level"] == 6 and roles["grid_worker"]["area"]["name"]
    perms = {p["area"]["code"]: p["perms"] for p in d["permissions"]}
    assert perms == {
        tree.street.code: ["area.view", "case.handle", "case.view"],
        tree.grid1.code: [
            "area.view",
            "case.check",
            "case.handle",
            "case.report",
            "case.verify",
            "case.view",
            "mediation.report",
            "mediation.view",
            "party.view",
            "roster.edit",
            "roster.export",
            "roster.sensitive",
            "roster.view",
            "staff.view",
        ],
    }


def test_me_never_shows_the_full_mobile(client, tree, inside):
    r = call(client, "get", "/api/v1/me", inside)
    assert "13800001234" not in r.content.decode()


# --- Users ------------------------------------------------------------------------------------


def test_user_list_is_scoped_and_masks_mobiles(client, tree, admin, inside, outside):
    r = call(client, "get", "/api/v1/users", admin)
    assert r.status_code == 200
    names = [u["username"] for u in r.json()["items"]]
    assert "inside" in names and "outside" not in names
    row = next(u for u in r.json()["items"] if u["username"] == "inside")
    assert row["mobile"] == "138****1234"
    assert "13800001234" not in r.content.decode()


def test_user_list_search_and_pages(client, tree, admin, inside):
    r = call(client, "get", "/api/v1/users?q=张", admin)
    assert [u["username"] for u in r.json()["items"]] == ["inside"]
    r = call(client, "get", "/api/v1/users?page_size=1&page=2", admin)
    assert r.json()["count"] == 2 and r.json()["pages"] == 2


def test_user_list_query_count_does_not_grow(client, tree, admin, make_user):
    def queries() -> int:
        auth = bearer(admin)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/users", **auth).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(5):
        make_user(f"u{i}", ("resident", tree.grid1))
    assert queries() == before


def test_user_list_needs_users_manage(client, tree, inside):
    r = call(client, "get", "/api/v1/users", inside)
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"


def test_create_user(client, tree, admin):
    body = {"username": "wang", "password": STRONG, "display_name": "王五", "mobile": "13600001111"}
    r = call(client, "post", "/api/v1/users", admin, body)
    assert r.status_code == 201
    d = r.json()
    assert d["username"] == "wang" and d["mobile"] == "136****1111" and d["grants"] == []
    assert User.objects.get(username="wang").check_password(STRONG)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "wang", "password": "weak"}, 400, "weak_password"),
        ({"username": "wang", "password": "alllowercase"}, 400, "weak_password"),
        ({"username": "12345", "password": STRONG}, 400, "validation_failed"),
        ({"username": "wang", "password": STRONG, "mobile": "12345"}, 400, "invalid_mobile"),
        ({"username": "inside", "password": STRONG}, 409, "duplicate_username"),
        ({"username": "13800001234", "password": STRONG}, 400, "validation_failed"),
        ({"password": STRONG}, 422, "validation_failed"),
    ],
)
def test_create_user_refuses_bad_input(client, tree, admin, inside, body, status, code):
    before = User.objects.count()
    r = call(client, "post", "/api/v1/users", admin, body)
    assert r.status_code == status
    assert r.json()["code"] == code
    assert User.objects.count() == before


def test_user_detail_shows_grants(client, tree, admin, inside):
    r = call(client, "get", f"/api/v1/users/{inside.pk}", admin)
    assert r.status_code == 200
    d = r.json()
    assert d["mobile"] == "138****1234"
    assert [(g["role"], g["area"]["code"]) for g in d["grants"]] == [("resident", tree.grid1.code)]


def test_user_outside_is_404_not_403(client, tree, admin, outside):
    r = call(client, "get", f"/api/v1/users/{outside.pk}", admin)
    missing = call(client, "get", "/api/v1/users/999999", admin)
    assert r.status_code == missing.status_code == 404
    assert r.json() == missing.json()


def test_update_user(client, tree, admin, inside):
    body = {"display_name": "张三丰", "mobile": "13811112222"}
    r = call(client, "patch", f"/api/v1/users/{inside.pk}", admin, body)
    assert r.status_code == 200
    assert r.json()["display_name"] == "张三丰" and r.json()["mobile"] == "138****2222"
    inside.refresh_from_db()
    assert inside.mobile == "13811112222" and inside.email == ""


def test_update_user_refuses_a_taken_mobile(client, tree, admin, inside, make_user):
    make_user("other", ("resident", tree.grid2), mobile="13711112222")
    before = user_row(inside)
    r = call(client, "patch", f"/api/v1/users/{inside.pk}", admin, {"mobile": "13711112222"})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_mobile"
    assert user_row(inside) == before


def test_set_password(client, tree, admin, inside):
    r = call(client, "post", f"/api/v1/users/{inside.pk}/password", admin, {"password": STRONG})
    assert r.status_code == 204
    login = call(
        client, "post", "/api/v1/auth/token", body={"username": "inside", "password": STRONG}
    )
    assert login.status_code == 201


def test_weak_password_is_refused_and_changes_nothing(client, tree, admin, inside):
    before = user_row(inside)
    r = call(client, "post", f"/api/v1/users/{inside.pk}/password", admin, {"password": "password"})
    assert r.status_code == 400 and r.json()["code"] == "weak_password"
    assert "password" in r.json()["fields"]
    assert user_row(inside) == before


def test_unlock(client, tree, admin, inside):
    User.objects.filter(pk=inside.pk).update(locked_until=timezone.now() + timedelta(minutes=5))
    r = call(client, "post", f"/api/v1/users/{inside.pk}/unlock", admin)
    assert r.status_code == 200 and r.json()["is_locked"] is False
    inside.refresh_from_db()
    assert not inside.is_locked


# --- Grants -----------------------------------------------------------------------------------


def test_grant_and_revoke_a_role(client, tree, admin, inside):
    body = {"role": "grid_worker", "area_id": tree.grid1.pk}
    r = call(client, "post", f"/api/v1/users/{inside.pk}/grants", admin, body)
    assert r.status_code == 201
    grant_id = r.json()["id"]
    assert r.json()["role"] == "grid_worker" and r.json()["area"]["code"] == tree.grid1.code
    r = call(client, "delete", f"/api/v1/grants/{grant_id}", admin)
    assert r.status_code == 204
    assert not RoleGrant.objects.filter(pk=grant_id).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"role": "grid_worker", "area": "street"}, 400, "wrong_level"),
        ({"role": "resident", "area": "grid1"}, 409, "duplicate_grant"),
        ({"role": "dept_handler", "area": "street"}, 400, "department_required"),
        ({"role": "pope", "area": "grid1"}, 422, "validation_failed"),
        ({"role": "resident", "area": "grid3"}, 404, "not_found"),
    ],
)
def test_bad_grants_are_refused(client, tree, admin, inside, body, status, code):
    before = list(RoleGrant.objects.values())
    payload = {"role": body["role"], "area_id": getattr(tree, body["area"]).pk}
    r = call(client, "post", f"/api/v1/users/{inside.pk}/grants", admin, payload)
    assert r.status_code == status
    assert r.json()["code"] == code
    assert list(RoleGrant.objects.values()) == before


def test_grant_a_department_handler(client, tree, admin, inside):
    dept = department_create(actor=None, name="城管中队", kind="urban_management", area=tree.street)
    body = {"role": "dept_handler", "area_id": tree.street.pk, "department_id": dept.pk}
    r = call(client, "post", f"/api/v1/users/{inside.pk}/grants", admin, body)
    assert r.status_code == 201
    assert r.json()["department"] == {"id": dept.pk, "name": "城管中队", "kind": "urban_management"}


def test_revoking_a_grant_outside_is_404(client, tree, admin, outside):
    grant = outside.grants.get()
    r = call(client, "delete", f"/api/v1/grants/{grant.pk}", admin)
    assert r.status_code == 404
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


# --- Departments ------------------------------------------------------------------------------


def test_department_list_is_scoped(client, tree, inside):
    department_create(actor=None, name="区城管局", kind="urban_management", area=tree.county)
    department_create(actor=None, name="金沙镇司法所", kind="justice", area=tree.town)
    r = call(client, "get", "/api/v1/departments", inside)
    assert r.status_code == 200
    assert [d["name"] for d in r.json()["items"]] == ["区城管局"]
    assert r.json()["items"][0]["area"]["code"] == tree.county.code


def test_create_department(client, tree, admin):
    body = {"name": "凤鸣司法所", "kind": "justice", "area_id": tree.street.pk}
    r = call(client, "post", "/api/v1/departments", admin, body)
    assert r.status_code == 201
    assert r.json()["kind_label"] and r.json()["area"]["id"] == tree.street.pk
    again = call(client, "post", "/api/v1/departments", admin, body)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_department"
    assert Department.objects.count() == 1


def test_create_department_refuses_an_unknown_kind(client, tree, admin):
    body = {"name": "x", "kind": "ministry_of_magic", "area_id": tree.street.pk}
    r = call(client, "post", "/api/v1/departments", admin, body)
    assert r.status_code == 422
    assert not Department.objects.exists()


# --- API plumbing -----------------------------------------------------------------------------


def test_openapi_document_is_served(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/auth/token" in paths and "/api/v1/areas/{area_id}" in paths
    assert all("{path}" not in p for p in paths)


def test_docs_page_loads_swagger_from_bundled_static_files(client, db):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"https?://", html)
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_unknown_endpoints_are_json_404(client, db):
    r = client.get("/api/v1/no/such/thing")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_user_create_through_service_is_visible_to_admins(client, tree, admin):
    """An account without roles is visible to administrators so it can get its first grant."""
    fresh = user_create(actor=None, username="fresh", password=STRONG)
    assert call(client, "get", f"/api/v1/users/{fresh.pk}", admin).status_code == 200


def test_department_list_query_count_does_not_grow(client, tree, inside):
    def queries() -> int:
        auth = bearer(inside)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/departments", **auth).status_code == 200
        return len(ctx.captured_queries)

    department_create(actor=None, name="d0", kind="other", area=tree.county)
    before = queries()
    for i in range(1, 6):
        department_create(actor=None, name=f"d{i}", kind="other", area=tree.street)
    assert queries() == before


def test_unexpected_errors_are_json_500(client, tree, inside, monkeypatch):
    from gridgov.accounts import api as accounts_api

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(accounts_api.selectors, "tokens_for_user", boom)
    r = call(client, "get", "/api/v1/auth/tokens", inside)
    assert r.status_code == 500
    assert r.json()["code"] == "server_error"
    assert "boom" not in r.content.decode()


def test_a_superuser_sees_every_area(client, tree, make_user):
    root = make_user("root", is_superuser=True)
    r = call(client, "get", "/api/v1/areas?page_size=200", root)
    assert r.json()["count"] == Area.objects.count()
    assert call(client, "get", "/api/v1/me", root).json()["is_superuser"] is True
