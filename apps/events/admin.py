from __future__ import annotations

from django.contrib import admin

from .models import Journey, JourneyRun, JourneyStepRecord, UserEvent


@admin.register(UserEvent)
class UserEventAdmin(admin.ModelAdmin):
    list_display = ("name", "profile", "organization", "occurred_at", "received_at")
    search_fields = ("name", "profile__email")
    raw_id_fields = ("profile",)
    readonly_fields = ("id", "organization", "profile", "received_at", "created_at", "updated_at")


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "trigger_event", "version", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "trigger_event")
    # A Journey changes through import_journey or the builder (checked definitions, versions).
    readonly_fields = (
        "id",
        "organization",
        "name",
        "status",
        "reentry",
        "trigger_event",
        "awaited_events",
        "version",
        "current_version",
        "definition",
        "draft",
        "created_at",
        "updated_at",
    )


class StepRecordInline(admin.TabularInline):
    model = JourneyStepRecord
    fields = ("visit", "step_path", "step_type", "status", "detail", "email_send_id", "entered_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(JourneyRun)
class JourneyRunAdmin(admin.ModelAdmin):
    list_display = ("id", "journey", "profile", "status", "due_at", "attempts", "updated_at")
    list_filter = ("status",)
    raw_id_fields = ("profile", "event")
    inlines = [StepRecordInline]
    readonly_fields = (
        "id",
        "organization",
        "journey",
        "journey_version",
        "position",
        "steps_taken",
        "lease_until",
        "lease_token",
        "created_at",
    )
