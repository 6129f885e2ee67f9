from typing import Any

from django.contrib import admin

from gridgov.kernel.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are made by uploads and run by the worker. The file and the error sheet
    (personal data as uploaded) are not shown here."""

    list_display = ("pk", "kind", "mode", "filename", "status", "actor", "area", "created_at")
    list_filter = ("kind", "status", "mode")
    search_fields = ("filename",)
    exclude = ("content", "error_sheet", "result")
    readonly_fields = (
        "kind",
        "mode",
        "actor",
        "area",
        "params",
        "filename",
        "status",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "error_count",
        "message",
        "created_at",
        "started_at",
        "finished_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
