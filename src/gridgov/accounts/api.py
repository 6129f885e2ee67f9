"""/api/v1/auth, /me, /users, /grants, /departments.

User administration needs ``users.manage``: without it anywhere the answer is 403; with it, a
user outside the actor's jurisdiction is 404, as if the account did not exist. Mobile numbers
are always masked. Every write goes through :mod:`gridgov.accounts.services`.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import codes_4xx

from gridgov.accounts import scoping, selectors, services
from gridgov.accounts.models import ApiToken, Department, DepartmentKind, RoleGrant, User
from gridgov.accounts.roles import Perm, Role, perms_for
from gridgov.areas.api import AreaRef, ErrorOut
from gridgov.areas.selectors import area_get_for
from gridgov.core.errors import NotFound
from gridgov.core.pagination import paged
from gridgov.core.params import DbId
from gridgov.core.pii import mask_mobile

router = Router()

AUTH = ["auth"]
USERS = ["users"]


# --- Schemas ----------------------------------------------------------------------------------


class TokenIn(Schema):
    username: str = Field(max_length=150, description="User name or mobile number")
    password: str = Field(max_length=4096)
    name: str = Field("", max_length=100, description="A label for the token, e.g. the app")


class TokenOut(Schema):
    token: str = Field(description="Shown once; send as `Authorization: Bearer <token>`.")
    token_id: int
    name: str
    expires_at: datetime


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters, to tell tokens apart")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class DepartmentRef(Schema):
    id: int
    name: str
    kind: str


class DepartmentOut(DepartmentRef):
    kind_label: str
    area: AreaRef
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Department) -> str:
        return str(obj.get_kind_display())


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    area: AreaRef
    department: DepartmentRef | None
    granted_at: datetime

    @staticmethod
    def resolve_role_label(obj: RoleGrant) -> str:
        return str(obj.get_role_display())


class AreaPerms(Schema):
    area: AreaRef
    perms: list[str]


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    mobile: str = Field(description="Masked, e.g. 138****1234")
    is_superuser: bool
    auth: str = Field(description="How this request was authenticated: token or session")
    roles: list[GrantOut]
    permissions: list[AreaPerms] = Field(description="What you may do, per area (and below)")


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    mobile: str = Field(description="Masked, e.g. 138****1234")
    is_active: bool
    is_locked: bool
    last_login: datetime | None

    @staticmethod
    def resolve_mobile(obj: User | dict[str, Any]) -> str:
        if isinstance(obj, dict):  # built by _user_detail(), already masked
            return str(obj["mobile"])
        return mask_mobile(obj.mobile)


class UserDetail(UserOut):
    email: str
    locked_until: datetime | None
    date_joined: datetime
    password_changed_at: datetime | None
    grants: list[GrantOut] = Field(description="The grants you may see")


class UserCreateIn(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    display_name: str = Field("", max_length=50)
    mobile: str | None = Field(None, max_length=20)
    email: str = Field("", max_length=254)


class UserPatchIn(Schema):
    display_name: str | None = Field(None, max_length=50)
    mobile: str | None = Field(None, max_length=20, description="Empty string removes it")
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class PasswordIn(Schema):
    password: str = Field(max_length=4096)


class GrantIn(Schema):
    role: Role
    area_id: DbId
    department_id: DbId | None = Field(None, description="Required for department handlers")


class DepartmentIn(Schema):
    name: str = Field(max_length=100)
    kind: DepartmentKind
    area_id: DbId = Field(description="The area whose subtree the department serves")


# --- Helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    """The authenticated user (set by the API's auth classes)."""
    return getattr(request, "auth", None)


def _require_anywhere(actor: Any, perm: str, what: str) -> None:
    """403 (audited) unless the actor holds ``perm`` somewhere."""
    if not scoping.has_perm_anywhere(actor, perm):
        scoping.require(actor, perm, None, what=what)


def _user(request: HttpRequest, user_id: int, what: str) -> User:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_USERS, what)
    return selectors.user_get(actor=actor, pk=user_id)


def _user_detail(actor: Any, user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "mobile": mask_mobile(user.mobile),
        "is_active": user.is_active,
        "is_locked": user.is_locked,
        "last_login": user.last_login,
        "email": user.email,
        "locked_until": user.locked_until,
        "date_joined": user.date_joined,
        "password_changed_at": user.password_changed_at,
        "grants": list(selectors.grants_for_user(actor=actor, user=user)),
    }


# --- Authentication ---------------------------------------------------------------------------


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, codes_4xx: ErrorOut},
    tags=AUTH,
    summary="Sign in and get an API token",
)
def token_create(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, Any]]:
    """Every failure answers 401 `invalid_credentials` with the same message, whether the
    account is unknown, the password wrong, or the account inactive or locked. Failed
    sign-ins count per client address, web and API together: over the limit the address
    gets 429 `too_many_attempts` with `Retry-After` (seconds) until its window ends."""
    user = services.auth_login(
        login=payload.username,
        password=payload.password,
        channel="api",
        address=request.META.get("REMOTE_ADDR"),
    )
    token, raw = services.token_issue(user=user, name=payload.name.strip())
    return 201, {
        "token": raw,
        "token_id": token.pk,
        "name": token.name,
        "expires_at": token.expires_at,
    }


@router.get(
    "/auth/tokens",
    response={200: list[TokenInfo], codes_4xx: ErrorOut},
    tags=AUTH,
    summary="Your API tokens",
)
@paged
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return selectors.tokens_for_user(user=_actor(request))


@router.delete(
    "/auth/tokens/{token_id}",
    response={200: TokenInfo, codes_4xx: ErrorOut},
    tags=AUTH,
    summary="Revoke an API token",
)
def token_delete(request: HttpRequest, token_id: int) -> ApiToken:
    """Your own token, or (with users.manage over all the owner's areas) someone else's."""
    actor = _actor(request)
    token = selectors.token_get_for(actor=actor, pk=token_id)
    return services.token_revoke(actor=actor, token=token)


@router.get("/me", response={200: MeOut, codes_4xx: ErrorOut}, tags=AUTH, summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    """Your account, roles and permissions per area. With a browser session this also sets
    the `csrftoken` cookie to send back as `X-CSRFToken` on writes."""
    user: User = _actor(request)
    by_token = getattr(request, "gridgov_auth", "") == "token"
    if not by_token:
        get_token(request)
    grants = list(user.grants.select_related("area", "department").order_by("area__code", "role"))
    per_area: dict[int, dict[str, Any]] = {}
    for g in grants:
        entry = per_area.setdefault(g.area_id, {"area": g.area, "perms": set()})
        entry["perms"] |= perms_for(g.role)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "mobile": mask_mobile(user.mobile),
        "is_superuser": user.is_superuser,
        "auth": "token" if by_token else "session",
        "roles": grants,
        "permissions": [
            {"area": e["area"], "perms": sorted(e["perms"])} for e in per_area.values()
        ],
    }


# --- Users and grants (users.manage) ----------------------------------------------------------


@router.get("/users", response={200: list[UserOut], codes_4xx: ErrorOut}, tags=USERS)
@paged
def user_list(request: HttpRequest, q: str = "") -> QuerySet[User]:
    """Users holding a role in your jurisdiction (and accounts with no role yet). `q` matches
    the user name or display name, or a whole mobile number."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_USERS, "user_list")
    return selectors.user_list(actor=actor, search=q[:100])


@router.post("/users", response={201: UserDetail, codes_4xx: ErrorOut}, tags=USERS)
def user_create(request: HttpRequest, payload: UserCreateIn) -> tuple[int, dict[str, Any]]:
    """Create an account; then grant it roles with `POST /users/{id}/grants`."""
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_USERS, "user_create")
    user = services.user_create(
        actor=actor,
        username=payload.username,
        password=payload.password,
        display_name=payload.display_name,
        mobile=payload.mobile,
        email=payload.email,
    )
    return 201, _user_detail(actor, user)


@router.get("/users/{user_id}", response={200: UserDetail, codes_4xx: ErrorOut}, tags=USERS)
def user_detail(request: HttpRequest, user_id: int) -> dict[str, Any]:
    return _user_detail(_actor(request), _user(request, user_id, "user_detail"))


@router.patch("/users/{user_id}", response={200: UserDetail, codes_4xx: ErrorOut}, tags=USERS)
def user_update(request: HttpRequest, user_id: int, payload: UserPatchIn) -> dict[str, Any]:
    actor = _actor(request)
    user = _user(request, user_id, "user_update")
    user = services.user_update(actor=actor, user=user, **payload.dict(exclude_unset=True))
    return _user_detail(actor, user)


@router.post("/users/{user_id}/password", response={204: None, codes_4xx: ErrorOut}, tags=USERS)
def user_password(request: HttpRequest, user_id: int, payload: PasswordIn) -> tuple[int, None]:
    """Set a new password (your own, or as an administrator). Every API token of the user is
    revoked, including the one that made this request if it was theirs."""
    user = _user(request, user_id, "user_set_password")
    services.user_set_password(actor=_actor(request), user=user, password=payload.password)
    return 204, None


@router.post("/users/{user_id}/unlock", response={200: UserDetail, codes_4xx: ErrorOut}, tags=USERS)
def user_unlock(request: HttpRequest, user_id: int) -> dict[str, Any]:
    actor = _actor(request)
    user = _user(request, user_id, "user_unlock")
    return _user_detail(actor, services.user_unlock(actor=actor, user=user))


@router.post("/users/{user_id}/grants", response={201: GrantOut, codes_4xx: ErrorOut}, tags=USERS)
def grant_create(request: HttpRequest, user_id: int, payload: GrantIn) -> tuple[int, RoleGrant]:
    """Grant a role at an area; you need users.manage over that area."""
    actor = _actor(request)
    user = _user(request, user_id, "role_grant")
    area = area_get_for(actor=actor, pk=payload.area_id)
    department = None
    if payload.department_id is not None:
        department = selectors.department_list(actor=actor).filter(pk=payload.department_id).first()
        if department is None:
            raise NotFound(
                _("Not found, or outside your jurisdiction."),
                fields={"department_id": _("Unknown department.")},
            )
    grant = services.role_grant(
        actor=actor, user=user, role=payload.role, area=area, department=department
    )
    return 201, grant


@router.delete("/grants/{grant_id}", response={204: None, codes_4xx: ErrorOut}, tags=USERS)
def grant_delete(request: HttpRequest, grant_id: int) -> tuple[int, None]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_USERS, "role_revoke")
    grant = selectors.grant_get(actor=actor, pk=grant_id)
    services.role_revoke(actor=actor, grant=grant)
    return 204, None


@router.get("/departments", response={200: list[DepartmentOut], codes_4xx: ErrorOut}, tags=USERS)
@paged
def department_list(request: HttpRequest, q: str = "") -> QuerySet[Department]:
    """Departments serving an area you can see, or one of its ancestors."""
    qs = selectors.department_list(actor=_actor(request))
    q = q.strip()[:100]
    return qs.filter(Q(name__icontains=q)) if q else qs


@router.post("/departments", response={201: DepartmentOut, codes_4xx: ErrorOut}, tags=USERS)
def department_create(request: HttpRequest, payload: DepartmentIn) -> tuple[int, Department]:
    actor = _actor(request)
    _require_anywhere(actor, Perm.MANAGE_USERS, "department_create")
    area = area_get_for(actor=actor, pk=payload.area_id)
    dept = services.department_create(actor=actor, name=payload.name, kind=payload.kind, area=area)
    return 201, dept
