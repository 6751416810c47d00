from __future__ import annotations

from django.contrib import admin

from .models import DkimKey, SendingDomain


class DkimKeyInline(admin.TabularInline):
    model = DkimKey
    # Never the private key, not even encrypted.
    fields = (
        "selector",
        "state",
        "status",
        "key_bits",
        "created_at",
        "activated_at",
        "retire_after",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SendingDomain)
class SendingDomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "organization", "status", "last_checked_at", "verified_at")
    list_filter = ("status",)
    search_fields = ("domain",)
    # Everything: a domain changes through its actions (validation, DNS checks), not by hand.
    readonly_fields = (
        "id",
        "organization",
        "domain",
        "status",
        "spf_status",
        "spf_problem",
        "spf_found",
        "dmarc_status",
        "dmarc_problem",
        "consecutive_misses",
        "last_checked_at",
        "verified_at",
        "next_check_at",
        "created_at",
        "updated_at",
    )
    inlines = [DkimKeyInline]
