"""Back office: party records shown read-only and scoped to the user's jurisdiction (every
change goes through the party pages and services, which check the rules and write the
history). ID and phone numbers appear only masked; the encrypted columns are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.party.models import (
    DualReport,
    Meeting,
    MemberTransfer,
    PartyEvent,
    PartyMember,
    PartyOrg,
)

_HIDDEN = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")


class _ScopedReadOnly(admin.ModelAdmin):
    path_field = "area_path"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return scoping.scope(qs, request.user, Perm.PARTY_VIEW, path_field=self.path_field)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scoping.has_perm_anywhere(
            request.user, Perm.PARTY_VIEW
        ) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartyOrg)
class PartyOrgAdmin(_ScopedReadOnly):
    list_display = ("name", "kind", "parent", "area", "secretary", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    list_select_related = ("parent", "area")


@admin.register(PartyMember)
class PartyMemberAdmin(_ScopedReadOnly):
    list_display = ("name", "org", "status", "id_number_masked", "phone_masked", "is_active")
    list_filter = ("status", "is_active")
    search_fields = ("name",)
    list_select_related = ("org",)
    exclude = _HIDDEN
    raw_id_fields = ("resident", "org")
    show_full_result_count = False


@admin.register(MemberTransfer)
class MemberTransferAdmin(_ScopedReadOnly):
    path_field = "member__area_path"
    list_display = ("member", "from_org", "to_org", "on", "actor")
    list_select_related = ("member", "from_org", "to_org", "actor")


@admin.register(DualReport)
class DualReportAdmin(_ScopedReadOnly):
    list_display = ("name", "phone_masked", "work_unit", "community", "registered_on", "ended_on")
    search_fields = ("name", "work_unit")
    list_select_related = ("community",)
    exclude = ("phone_enc", "phone_hash")


@admin.register(Meeting)
class MeetingAdmin(_ScopedReadOnly):
    list_display = ("topic", "meeting_type", "held_on", "org")
    list_filter = ("meeting_type",)
    list_select_related = ("org",)


@admin.register(PartyEvent)
class PartyEventAdmin(_ScopedReadOnly):
    path_field = "org__area_path"
    list_display = ("kind", "org", "member", "actor", "at")
    list_filter = ("kind",)
    list_select_related = ("org", "member", "actor")
    show_full_result_count = False
