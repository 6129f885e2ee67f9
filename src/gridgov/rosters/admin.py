"""Back office for rosters: special-group types are edited here (through
:mod:`gridgov.rosters.services.tags`: MANAGE_CONFIG, checked fact lists, audit entry); the roster
rows themselves are read-only and scoped (changes go through the roster pages, API and imports),
and personal data stays masked — no encrypted column, no clear ID or phone number."""

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
from gridgov.core.errors import ValidationFailed
from gridgov.rosters import privacy
from gridgov.rosters.models import (
    Building,
    Estate,
    Household,
    Resident,
    ResidentTag,
    RosterEvent,
    StaffAssignment,
    TagType,
    VillageGroup,
)
from gridgov.rosters.services import tags as services


class TagTypeAdminForm(forms.ModelForm):
    class Meta:
        model = TagType
        fields = ["code", "name", "sensitive", "fields", "is_active", "sort"]

    def clean_fields(self) -> Any:  # the model field "fields", not Model.clean_fields
        try:
            return services.clean_fields_spec(self.cleaned_data.get("fields"))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(TagType)
class TagTypeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = TagTypeAdminForm
    list_display = ("code", "name", "sensitive", "is_active", "sort")
    list_filter = ("sensitive", "is_active")
    search_fields = ("code", "name")
    ordering = ("sort", "code")

    def _may(self, request: HttpRequest) -> bool:
        return scoping.has_perm_anywhere(request.user, Perm.MANAGE_CONFIG)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tags refer to their type: deactivate instead

    def get_readonly_fields(self, request: HttpRequest, obj: TagType | None = None) -> Any:
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: TagType, form: Any, change: bool) -> None:
        data = dict(form.cleaned_data)
        if not change:
            created = services.tag_type_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                sensitive=data.get("sensitive", True),
                fields=data.get("fields") or [],
                sort=data.get("sort") or 0,
            )
            if data.get("is_active") is False:
                created = services.tag_type_update(
                    actor=request.user, tag_type=created, is_active=False
                )
            copy_into(obj, created)
            return
        current = TagType.objects.get(pk=obj.pk)
        editable = ("name", "sensitive", "fields", "is_active", "sort")
        changed = {k: data[k] for k in editable if k in form.changed_data}
        if changed:
            current = services.tag_type_update(actor=request.user, tag_type=current, **changed)
        copy_into(obj, current)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, scoped by ROSTER_VIEW on ``area_path``, never edited here."""

    path_field = "area_path"
    perm = Perm.ROSTER_VIEW
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return scoping.scope(qs, request.user, self.perm, path_field=self.path_field)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("number", "address", "household_type", "area", "is_active")
    list_filter = ("household_type", "is_active")
    search_fields = ("=number",)
    list_select_related = ("area",)
    fields = ("number", "area", "household_type", "address", "room", "village_group", "is_active")


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ("shown_name", "id_number_masked", "phone_masked", "status", "area")
    list_filter = ("status", "residence_type")
    list_select_related = ("area",)
    fields = (
        "shown_name",
        "id_number_masked",
        "phone_masked",
        "gender",
        "household",
        "relation",
        "area",
        "residence_type",
        "status",
        "moved_in_on",
        "moved_out_on",
        "deceased_on",
    )
    readonly_fields = fields

    @admin.display(description=_("name"))
    def shown_name(self, obj: Resident) -> str:
        return privacy.display_name(obj)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # Read-only here (never saved): the page title and breadcrumbs show str(obj), the name.
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj.name = privacy.display_name(obj)
        return obj


@admin.register(ResidentTag)
class ResidentTagAdmin(ReadOnlyAdmin):
    perm = Perm.ROSTER_SENSITIVE  # tags of sensitive groups only where that is held
    list_display = ("tag_type", "resident_id", "start_on", "end_on")
    list_filter = ("tag_type",)
    fields = ("tag_type", "start_on", "end_on", "note")


@admin.register(RosterEvent)
class RosterEventAdmin(ReadOnlyAdmin):
    path_field = "resident__area_path"
    list_display = ("at", "kind", "resident_id", "household_id", "actor")
    list_filter = ("kind",)
    fields = ("at", "kind", "resident_id", "household_id", "detail")
    readonly_fields = fields


@admin.register(Estate)
class EstateAdmin(ReadOnlyAdmin):
    list_display = ("name", "area", "is_active")
    list_select_related = ("area",)
    search_fields = ("name",)


@admin.register(VillageGroup)
class VillageGroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "area", "is_active")
    list_select_related = ("area",)
    search_fields = ("name",)


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ("name", "estate", "area", "floors", "is_active")
    list_select_related = ("area", "estate")
    search_fields = ("name",)


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReadOnlyAdmin):
    perm = Perm.VIEW_STAFF
    list_display = ("user", "post", "area", "start_on", "end_on")
    list_filter = ("post",)
    list_select_related = ("user", "area")
