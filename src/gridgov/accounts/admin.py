"""Back-office pages for users, departments, role grants and API tokens.

Changes go through :mod:`gridgov.accounts.services` (permission check + audit entry). What no
service covers yet is read-only here: staff/superuser flags, Django groups and permissions,
editing departments, deleting accounts (deactivate instead), and passwords (set them on the
web user page, which enforces the password rules and audits the change).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts import scoping, selectors, services
from gridgov.accounts.models import ApiToken, Department, RoleGrant, User
from gridgov.accounts.roles import Perm
from gridgov.areas.admin import ServiceAdminMixin, copy_into
from gridgov.core.errors import DomainError


class UserAddForm(BaseUserCreationForm):
    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "mobile")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(ServiceAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = (
        "username",
        "display_name",
        "is_active",
        "is_staff",
        "locked_until",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("display_name", "mobile", "email")}),
        (
            gettext_lazy("Security"),
            {
                "fields": (
                    "is_active",
                    "failed_logins",
                    "locked_until",
                    "password_changed_at",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        (
            gettext_lazy("Back-office permissions"),
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "display_name", "mobile", "password1", "password2"),
            },
        ),
    )
    readonly_fields = (
        "failed_logins",
        "locked_until",
        "password_changed_at",
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    )

    actions = ["unlock"]

    @admin.action(description=gettext_lazy("Unlock the selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.filter(locked_until__isnull=False):
            try:
                services.user_unlock(actor=request.user, user=user)
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(n)d accounts unlocked.") % {"n": done}, messages.SUCCESS)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        if scoping.is_global(request.user):
            return super().get_queryset(request)
        return selectors.user_list(actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                display_name=data.get("display_name") or "",
                mobile=data.get("mobile") or None,
            )
            copy_into(obj, created)
            return
        changed = set(form.changed_data) & {"display_name", "mobile", "email", "is_active"}
        if changed:
            current = User.objects.get(pk=obj.pk)
            updated = services.user_update(
                actor=request.user,
                user=current,
                display_name=(data["display_name"] or "") if "display_name" in changed else None,
                mobile=(data["mobile"] or "") if "mobile" in changed else None,
                email=(data["email"] or "") if "email" in changed else None,
                is_active=data["is_active"] if "is_active" in changed else None,
            )
            copy_into(obj, updated)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Passwords are set on the web user page (rules + audit), not here."""
        messages.info(request, _("Set the new password on the user's page."))
        return HttpResponseRedirect(reverse("accounts:user_detail", args=[int(id)]))


@admin.register(Department)
class DepartmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "area", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "area__name", "area__code")
    autocomplete_fields = ("area",)
    list_select_related = ("area",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return scoping.scope(
            super().get_queryset(request), request.user, Perm.MANAGE_USERS, path_field="area__path"
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "kind", "area") if obj is None else ("name", "kind", "area", "is_active")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # No department_update service yet: existing departments are read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = services.department_create(
            actor=request.user, name=data["name"], kind=data["kind"], area=data["area"]
        )
        copy_into(obj, created)


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ("user", "role", "area", "department")


@admin.register(RoleGrant)
class RoleGrantAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoleGrantForm
    list_display = ("user", "role", "area", "department", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name", "area__code", "area__name")
    autocomplete_fields = ("user", "area", "department")
    list_select_related = ("user", "area", "department", "granted_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleGrant]:
        return scoping.scope(
            super().get_queryset(request), request.user, Perm.MANAGE_USERS, path_field="area__path"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A grant is given or revoked, never edited.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = services.role_grant(
            actor=request.user,
            user=data["user"],
            role=data["role"],
            area=data["area"],
            department=data.get("department"),
        )
        copy_into(obj, created)

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        services.role_revoke(actor=request.user, grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("user", "area"):
            services.role_revoke(actor=request.user, grant=grant)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        qs = super().get_queryset(request)
        if scoping.is_global(request.user):
            return qs
        return qs.filter(user__in=selectors.user_list(actor=request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            services.token_revoke(actor=request.user, token=token)
            done += 1
        self.message_user(request, _("%(n)d tokens revoked.") % {"n": done}, messages.SUCCESS)
