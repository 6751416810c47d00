"""Dashboard URLs of Journeys (mounted at /journeys/): the list, new and import, a Journey's
page and export (views.py), the builder and status changes (builder_views.py)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import builder_views, views

register_id_converter("journey_id", "jrn")

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/", views.journey_create, name="create"),
    path("import/", views.journey_import, name="import"),
    path("runs/", views.run_list, name="runs"),
    path("<journey_id:journey_id>/", views.journey_detail, name="detail"),
    path("<journey_id:journey_id>/export/", views.journey_export, name="export"),
    path("<journey_id:journey_id>/status/", builder_views.journey_status, name="status"),
    path("<journey_id:journey_id>/edit/", builder_views.journey_edit, name="edit"),
    path("<journey_id:journey_id>/edit/steps/add/", builder_views.step_add, name="step_add"),
    path("<journey_id:journey_id>/edit/steps/move/", builder_views.step_move, name="step_move"),
    path(
        "<journey_id:journey_id>/edit/steps/remove/", builder_views.step_remove, name="step_remove"
    ),
    path("<journey_id:journey_id>/edit/steps/save/", builder_views.step_save, name="step_save"),
    path("<journey_id:journey_id>/edit/settings/", builder_views.settings_save, name="settings"),
    path("<journey_id:journey_id>/edit/publish/", builder_views.journey_publish, name="publish"),
    path("<journey_id:journey_id>/edit/discard/", builder_views.draft_discard, name="discard"),
]
