"""Back-office pages for the area tree. Every change is made by :mod:`gridgov.areas.services`
(permission check, audit entry, path maintenance); ``path`` and the derived columns are never
editable, and areas are deactivated rather than deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.areas import geo, services
from gridgov.areas.codes import validate_code
from gridgov.areas.models import Area
from gridgov.core.errors import DomainError, ValidationFailed

DERIVED = (
    "path",
    "depth",
    "kind",
    "version",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "center_lon",
    "center_lat",
    "created_at",
    "updated_at",
)


class ServiceAdminMixin:
    """Show a service's typed error as a message instead of a server error.

    Django wraps the add/change view in a transaction; when a service refuses the change the
    whole request is rolled back and the form is shown again with the reason on top.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())


def copy_into(obj: Any, saved: Any) -> None:
    """Make the admin's unsaved instance the row a service wrote (pk, derived fields)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class AreaAdminForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent", "geometry", "is_active"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk is None and data.get("code") and data.get("level"):
            parent = data.get("parent")
            try:
                validate_code(data["code"], data["level"], parent.code if parent else None)
            except ValidationFailed as exc:
                self.add_error("code", exc.fields.get("code") or exc.message)
        if "geometry" in self.changed_data and data.get("geometry") is None:
            if self.instance.pk is not None:
                self.add_error("geometry", _("A boundary cannot be removed, only replaced."))
        elif "geometry" in self.changed_data:
            try:
                geo.parse_boundary(data["geometry"])
            except ValidationFailed as exc:
                self.add_error("geometry", exc.message)
        return data


@admin.register(Area)
class AreaAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = AreaAdminForm
    list_display = ("name", "display_code", "level", "kind", "parent", "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> Any:
        if obj is None:
            return DERIVED
        return ("code", "level", *DERIVED)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Area]:
        return scoping.scope(super().get_queryset(request), request.user, Perm.MANAGE_AREA)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.area_create(
                actor=request.user,
                parent=data.get("parent"),
                level=data["level"],
                code=data["code"],
                name=data["name"],
                geometry=data.get("geometry"),
            )
            copy_into(obj, created)
            return
        current = Area.objects.get(pk=obj.pk)
        changed = set(form.changed_data)
        if changed & {"name", "is_active"}:
            current = services.area_update(
                actor=request.user,
                area=current,
                name=data["name"] if "name" in changed else None,
                is_active=data["is_active"] if "is_active" in changed else None,
            )
        if "parent" in changed:
            if data.get("parent") is None:
                raise ValidationFailed(
                    _("An existing area cannot be moved to the top of the tree.")
                )
            current = services.area_move(
                actor=request.user, area=current, new_parent=data["parent"]
            )
        if "geometry" in changed and data.get("geometry") is not None:
            current = services.area_set_boundary(
                actor=request.user, area=current, geometry=data["geometry"]
            )
        copy_into(obj, current)
