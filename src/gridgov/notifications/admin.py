"""Delivery records in the back office, so failed deliveries are visible. Read-only: the
retry job and the weekly prune manage them. Notification texts (people's inboxes) are not
shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gridgov.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("at", "notification_id", "channel", "status", "attempts", "error")
    list_filter = ("status", "channel", "at")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = readonly_fields = ("notification_id", "channel", "status", "attempts", "error", "at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
