"""Back office for cases: the category tree is edited here (through
:mod:`gridgov.cases.services.categories`: permission check, field checks, audit entry); cases
and their timelines are read-only (every change is an action of the lifecycle services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas.admin import ServiceAdminMixin, copy_into
from gridgov.cases import visibility
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.services import categories as services
from gridgov.core.errors import ValidationFailed


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "parent",
            "code",
            "name",
            "description",
            "default_level",
            "default_department_kind",
            "check_limit",
            "check_unit",
            "sign_limit",
            "sign_unit",
            "handle_limit",
            "handle_unit",
            "priority",
            "extra_fields",
            "is_active",
            "sort",
        ]

    def clean_extra_fields(self) -> Any:
        try:
            return services.clean_extra_fields(self.cleaned_data.get("extra_fields"))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = (
        "code",
        "name",
        "parent",
        "default_level",
        "default_department_kind",
        "sign_limit",
        "sign_unit",
        "handle_limit",
        "handle_unit",
        "priority",
        "is_active",
    )
    list_filter = ("is_active", "default_level", "parent")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("code",)

    def _may(self, request: HttpRequest) -> bool:
        return scoping.has_perm_anywhere(request.user, Perm.MANAGE_CONFIG)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases refer to categories: deactivate instead

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> Any:
        return ("code", "parent") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        data = dict(form.cleaned_data)
        editable = {k: data[k] for k in services.EDITABLE if k in data}
        if not change:
            editable.pop("name", None)
            created = services.category_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                parent=data.get("parent"),
                **editable,
            )
            copy_into(obj, created)
            return
        current = Category.objects.get(pk=obj.pk)
        changed = {k: v for k, v in editable.items() if k in form.changed_data}
        if changed.get("is_active") is False:
            changed.pop("is_active")
            current = services.category_deactivate(actor=request.user, category=current)
        if changed:
            current = services.category_update(actor=request.user, category=current, **changed)
        copy_into(obj, current)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited: every change of a case is a lifecycle action with its timeline."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "action", "actor_name", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "status", "category", "area", "reported_at")
    list_filter = ("status", "source")
    search_fields = ("=number", "=external_id")
    list_select_related = ("category", "area")
    show_full_result_count = False
    exclude = ("reporter_phone_enc", "reporter_name")
    readonly_fields = ("masked_reporter",)
    inlines = [CaseEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        qs = super().get_queryset(request)
        return qs.filter(visibility.case_q(request.user, Perm.CASE_VIEW))

    @admin.display(description=_("reporter's name"))
    def masked_reporter(self, obj: Case) -> str:
        from gridgov.core.crypto import mask_name

        return mask_name(obj.reporter_name)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "at", "action", "actor_name", "from_status", "to_status")
    list_filter = ("action",)
    search_fields = ("=case__number",)
    list_select_related = ("case",)
    show_full_result_count = False
    raw_id_fields = ("case",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CaseEvent]:
        qs = super().get_queryset(request)
        return qs.filter(
            case__in=Case.objects.filter(visibility.case_q(request.user, Perm.CASE_VIEW))
        )
