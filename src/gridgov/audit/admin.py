"""The audit log in the back office: read-only, no adding, changing or deleting (retention is
enforced by ``audit_prune``), scoped like the web page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from gridgov.audit.models import AuditEntry
from gridgov.audit.selectors import audit_scope_q


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "actor_name", "target_repr", "ip", "area_path")
    list_filter = ("event", "at", "target_type")
    search_fields = ("actor_name", "target_repr", "=ip")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = (
        "at",
        "event",
        "actor",
        "actor_name",
        "ip",
        "target_type",
        "target_id",
        "target_repr",
        "area_path",
        "detail",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).filter(audit_scope_q(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
