"""Back office for Open311 clients: create one (the key is shown once, in the confirmation
message), see prefixes and last use, deactivate keys. Changes go through
:mod:`gridgov.open311.services` (permission check + audit entry)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.admin import ServiceAdminMixin, copy_into
from gridgov.core.errors import DomainError
from gridgov.open311 import services
from gridgov.open311.models import Open311Client, Open311Request


class Open311ClientForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ("name", "area")


@admin.register(Open311Client)
class Open311ClientAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = Open311ClientForm
    list_display = ("name", "prefix", "area", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix")
    autocomplete_fields = ("area",)
    list_select_related = ("area",)
    readonly_fields = ("prefix", "is_active", "created_by", "created_at", "last_used_at")
    actions = ["deactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Open311Client]:
        return scoping.scope(
            super().get_queryset(request),
            request.user,
            Perm.MANAGE_CONFIG,
            path_field="area__path",
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("name", "area")
        return ("name", "prefix", "area", "is_active", "created_by", "created_at", "last_used_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("name", "area", *self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A client is created or deactivated, never edited (no service for that).
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created, raw = services.client_create(
            actor=request.user, name=data["name"], area=data.get("area")
        )
        copy_into(obj, created)
        messages.warning(
            request,
            _("The API key of %(name)s is %(key)s — copy it now; it is not shown again.")
            % {"name": created.name, "key": raw},
        )

    @admin.action(description=gettext_lazy("Deactivate the selected clients' keys"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        done = 0
        for client in queryset.filter(is_active=True).select_related("area"):
            try:
                services.client_deactivate(actor=request.user, client=client)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            done += 1
        message = ngettext("%(n)d client key deactivated.", "%(n)d client keys deactivated.", done)
        self.message_user(request, message % {"n": done}, messages.SUCCESS)


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    """Which client sent which case (read-only; written by the POST requests endpoint)."""

    list_display = ("case", "client", "created_at")
    list_filter = ("client",)
    search_fields = ("case__number",)
    list_select_related = ("case", "client")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Open311Request]:
        return scoping.scope(
            super().get_queryset(request),
            request.user,
            Perm.CASE_VIEW,
            path_field="case__area_path",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
