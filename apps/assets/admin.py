from __future__ import annotations

from django.contrib import admin

from .models import Asset


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("filename", "organization", "status", "content_type", "size", "created_at")
    list_filter = ("status", "content_type")
    search_fields = ("id", "filename")
    readonly_fields = ("id", "original_key", "thumbnail_key", "upload_nonce", "created_at")
