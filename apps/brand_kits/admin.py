from __future__ import annotations

from django.contrib import admin

from .models import BrandExtraction, BrandKit, BrandKitLogo


class BrandKitLogoInline(admin.TabularInline):
    model = BrandKitLogo
    extra = 0
    raw_id_fields = ("asset",)


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "is_default", "website_url", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("id", "name", "website_url")
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = [BrandKitLogoInline]


@admin.register(BrandExtraction)
class BrandExtractionAdmin(admin.ModelAdmin):
    list_display = ("id", "url", "organization", "status", "progress", "step", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "url")
    readonly_fields = (
        "id",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
        "applied_at",
    )
