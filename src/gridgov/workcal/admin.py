"""Back office: the calendar is read here; changes go through the calendar pages (services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gridgov.workcal.models import CalendarDay, CalendarYear


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ("date", "is_workday", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "published", "updated_by", "updated_at")
    list_filter = ("source",)
    search_fields = ("year",)
    readonly_fields = ("year", "source", "published", "notes", "updated_by", "updated_at")
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "is_workday", "name", "calendar_year")
    list_filter = ("is_workday", "calendar_year")
    date_hierarchy = "date"
    search_fields = ("name",)
