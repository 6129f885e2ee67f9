"""Web pages for signing in and out, one's own password, and (for administrators) users and
their role grants. Thin adapters: every change is one call into :mod:`.services`, every read
goes through :mod:`.selectors` and the scoping layer."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from gridgov.accounts import scoping, selectors, services
from gridgov.accounts.forms import (
    GrantForm,
    LoginForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreateForm,
    UserSearchForm,
)
from gridgov.accounts.models import RoleGrant, User
from gridgov.accounts.roles import Perm
from gridgov.areas.models import Area
from gridgov.areas.selectors import area_get_for, area_list_for
from gridgov.core.errors import DomainError, NotFound
from gridgov.core.views import add_domain_error, domain_errors, safe_next

PAGE_SIZE = 50


# --- Signing in and out ----------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in by user name or mobile number. Every failure gets the same message (the
    service audits each attempt); an address over its limit gets 429 with Retry-After."""
    default_next = resolve_url(settings.LOGIN_REDIRECT_URL)
    if request.user.is_authenticated:
        return redirect(safe_next(request, default_next))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            return redirect(safe_next(request, default_next))
        error = getattr(request, "gridgov_auth_error", None)
        form.add_error(
            None,
            error.message
            if isinstance(error, DomainError)
            else _("Wrong user name / mobile number or password."),
        )
        retry_after = getattr(error, "retry_after", None)
    else:
        retry_after = None
    status = 429 if retry_after else 400 if request.method == "POST" else 200
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": safe_next(request, ""), "title": _("Sign in")},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.auth_logout(user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=user, user=user, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc, rename=_PASSWORD_FIELD)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "title": _("Change my password")},
        status=400 if request.method == "POST" else 200,
    )


# --- Users and role grants (administrators) --------------------------------------------------


# The services name the password field "password"; the forms ask for it as new_password1.
_PASSWORD_FIELD = {"password": "new_password1"}


def _require_user_admin(request: HttpRequest) -> None:
    from django.core.exceptions import PermissionDenied

    if not scoping.has_perm_anywhere(request.user, Perm.MANAGE_USERS):
        raise PermissionDenied(_("You do not have permission to manage users."))


def _managed_user(request: HttpRequest, pk: int) -> User:
    """The account ``pk`` if the request's user manages users and this one is in reach
    (403 without the permission anywhere, 404 outside the jurisdiction)."""
    _require_user_admin(request)
    return selectors.user_get(actor=request.user, pk=pk)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    search = UserSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    visible_grants = scoping.scope(
        RoleGrant.objects.select_related("area").order_by("area__code", "role"),
        request.user,
        Perm.VIEW_STAFF,
        path_field="area__path",
    )
    users = selectors.user_list(actor=request.user, search=q).prefetch_related(
        Prefetch("grants", queryset=visible_grants, to_attr="visible_grants")
    )
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {"search": search, "page_obj": page, "title": _("Users")},
    )


@sensitive_post_parameters("new_password1", "new_password2")
@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["new_password1"],
                display_name=data["display_name"],
                mobile=data["mobile"] or None,
                email=data["email"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, rename=_PASSWORD_FIELD)
        else:
            messages.success(
                request, _("User %(name)s created. Now grant a role.") % {"name": user}
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": _("New user")},
        status=400 if request.method == "POST" else 200,
    )


def _render_user_detail(
    request: HttpRequest,
    target: User,
    *,
    grant_form: GrantForm | None = None,
    password_form: SetPasswordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.user
    grants = list(selectors.grants_for_user(actor=actor, user=target))
    manageable = {g.pk for g in grants if scoping.can(actor, Perm.MANAGE_USERS, g.area)}
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "grants": grants,
            "manageable": manageable,
            "grant_form": grant_form or GrantForm(actor),
            "password_form": password_form or SetPasswordForm(),
            "is_self": target.pk == actor.pk,
            "title": str(target),
        },
        status=status,
    )


@login_required
@domain_errors
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_user(request, pk)
    return _render_user_detail(request, target)


def _grant_area(request: HttpRequest, form: GrantForm) -> Area | None:
    """The area chosen on the grant form, looked up inside the actor's jurisdiction."""
    codes = form.area_codes()
    if codes:
        area = (
            area_list_for(actor=request.user, perm=Perm.MANAGE_USERS).filter(code__in=codes).first()
        )
        if area is None:
            form.add_error("area_code", _("No area with this code in your jurisdiction."))
        return area
    try:
        return area_get_for(
            actor=request.user, pk=form.cleaned_data["area"], perm=Perm.MANAGE_USERS
        )
    except NotFound as exc:
        form.add_error("area", exc.message)
        return None


@require_POST
@login_required
@domain_errors
def user_grant(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_user(request, pk)
    form = GrantForm(request.user, request.POST)
    if form.is_valid():
        area = _grant_area(request, form)
        if area is not None:
            try:
                grant = services.role_grant(
                    actor=request.user,
                    user=target,
                    role=form.cleaned_data["role"],
                    area=area,
                    department=form.cleaned_data["department"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Granted %(role)s at %(area)s.")
                    % {"role": grant.get_role_display(), "area": area.name},
                )
                return redirect("accounts:user_detail", pk=target.pk)
    return _render_user_detail(request, target, grant_form=form, status=400)


@require_POST
@login_required
@domain_errors
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_user_admin(request)
    grant = selectors.grant_get(actor=request.user, pk=pk)
    services.role_revoke(actor=request.user, grant=grant)
    messages.success(
        request,
        _("Revoked %(role)s at %(area)s.")
        % {"role": grant.get_role_display(), "area": grant.area.name},
    )
    return redirect("accounts:user_detail", pk=grant.user_id)


@require_POST
@login_required
@domain_errors
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_user(request, pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, _("The account is unlocked."))
    return redirect("accounts:user_detail", pk=target.pk)


@sensitive_post_parameters("new_password1", "new_password2")
@require_POST
@login_required
@domain_errors
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_user(request, pk)
    form = SetPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=target, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            add_domain_error(form, exc, rename=_PASSWORD_FIELD)
        else:
            messages.success(request, _("The new password is set."))
            return redirect("accounts:user_detail", pk=target.pk)
    return _render_user_detail(request, target, password_form=form, status=400)


@require_POST
@login_required
@domain_errors
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) an account."""
    target = _managed_user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_update(actor=request.user, user=target, is_active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The account is active again.") if active else _("The account is deactivated."),
        )
    return redirect("accounts:user_detail", pk=target.pk)
