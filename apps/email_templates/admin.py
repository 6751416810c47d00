from __future__ import annotations

from django.contrib import admin

from .models import Template, TemplateVersion


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    extra = 0
    fields = ("version", "name", "subject", "saved_by", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    """Read-only: content changes go through the dashboard or the API, which check the Liquid
    and record a version."""

    list_display = ("name", "organization", "purpose", "status", "version", "updated_at")
    list_filter = ("purpose", "status")
    search_fields = ("id", "name", "subject")
    inlines = [TemplateVersionInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False
