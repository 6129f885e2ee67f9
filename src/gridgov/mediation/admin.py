"""Back office: mediation records shown read-only and scoped to the user's jurisdiction.

Every change goes through the mediation pages and services (which check the rules, grant the
mediator role, encrypt phone and ID numbers and write the timeline); the timeline itself is
append-only. Sensitive (family) disputes and their parties appear only to holders of
``mediation.sensitive`` there. ID and phone numbers appear only masked; the encrypted columns
are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from gridgov.accounts import scoping
from gridgov.accounts.roles import Perm
from gridgov.mediation.models import (
    Committee,
    Dispute,
    DisputeAttachment,
    DisputeEvent,
    DisputeParty,
    DisputeType,
    DocumentTemplate,
    FollowUp,
    MediationRoom,
    MediationSession,
    Mediator,
    ScreeningReturn,
    ScreeningRound,
)

_HIDDEN = ("id_number_enc", "id_number_hash", "phone_enc", "phone_hash")


class _ReadOnly(admin.ModelAdmin):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return scoping.has_perm_anywhere(
            request.user, Perm.MEDIATION_VIEW
        ) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ScopedReadOnly(_ReadOnly):
    """Rows in the jurisdiction (``path_field``); where ``sensitive_field`` names the
    dispute's sensitive flag, sensitive ones only where ``mediation.sensitive`` is held."""

    path_field = "area_path"
    sensitive_field = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        user = request.user
        qs = scoping.scope(qs, user, Perm.MEDIATION_VIEW, path_field=self.path_field)
        if self.sensitive_field and not scoping.is_global(user):
            allowed = scoping.scope_q(user, Perm.MEDIATION_SENSITIVE, path_field=self.path_field)
            qs = qs.filter(Q(**{self.sensitive_field: False}) | allowed)
        return qs


@admin.register(DisputeType)
class DisputeTypeAdmin(_ReadOnly):
    list_display = ("code", "name", "deadline_days", "sensitive", "active", "sort")
    list_filter = ("sensitive", "active")


@admin.register(Committee)
class CommitteeAdmin(_ScopedReadOnly):
    list_display = ("name", "area", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name",)
    list_select_related = ("area",)


@admin.register(MediationRoom)
class MediationRoomAdmin(_ScopedReadOnly):
    list_display = ("name", "area", "committee", "address", "active")
    list_filter = ("active",)
    search_fields = ("name",)
    list_select_related = ("area", "committee")


@admin.register(Mediator)
class MediatorAdmin(_ScopedReadOnly):
    list_display = ("name", "kind", "area", "committee", "room", "phone_masked", "user", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    list_select_related = ("area", "committee", "room", "user")
    exclude = ("phone_enc", "phone_hash")
    raw_id_fields = ("user", "resident")


@admin.register(Dispute)
class DisputeAdmin(_ScopedReadOnly):
    sensitive_field = "sensitive"
    list_display = ("number", "title", "type", "status", "risk", "area", "registered_at")
    list_filter = ("status", "risk", "source", "type")
    search_fields = ("number", "title")
    list_select_related = ("type", "area")
    raw_id_fields = ("from_case", "opened_case", "screening_return", "registered_by")
    show_full_result_count = False


@admin.register(DisputeParty)
class DisputePartyAdmin(_ScopedReadOnly):
    sensitive_field = "dispute__sensitive"
    list_display = ("name", "role", "dispute", "id_number_masked", "phone_masked")
    list_filter = ("role",)
    list_select_related = ("dispute",)
    exclude = _HIDDEN
    raw_id_fields = ("dispute", "resident")


class _DisputeChild(_ScopedReadOnly):
    path_field = "dispute__area_path"
    sensitive_field = "dispute__sensitive"
    list_select_related = ("dispute",)


@admin.register(MediationSession)
class MediationSessionAdmin(_DisputeChild):
    raw_id_fields = ("dispute",)
    list_display = ("dispute", "held_at", "place", "recorded_by")


@admin.register(FollowUp)
class FollowUpAdmin(_DisputeChild):
    raw_id_fields = ("dispute",)
    list_display = ("dispute", "visited_at", "performance", "visited_by")


@admin.register(DisputeEvent)
class DisputeEventAdmin(_DisputeChild):
    """The timeline: append-only, never changed or deleted here."""

    raw_id_fields = ("dispute",)

    list_display = ("dispute", "action", "at")


@admin.register(DisputeAttachment)
class DisputeAttachmentAdmin(_DisputeChild):
    raw_id_fields = ("dispute", "session", "event")


@admin.register(ScreeningRound)
class ScreeningRoundAdmin(_ScopedReadOnly):
    pass


@admin.register(ScreeningReturn)
class ScreeningReturnAdmin(_ScopedReadOnly):
    pass


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(_ReadOnly):
    list_display = ("name", "kind", "active", "uploaded_by", "created_at")
    list_filter = ("kind", "active")
