"""Dashboard URLs of Profiles (mounted at /profiles/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from segmentflow.converters import register_id_converter

from . import views

register_id_converter("profile_id", "prof")

app_name = "profiles"

# The Profiles list, detail and edit pages (views.py).
dashboard_patterns: list[URLPattern] = [
    path("", views.profile_list, name="list"),
    path("new/", views.profile_create, name="create"),
    path("<profile_id:profile_id>/", views.profile_detail, name="detail"),
    path("<profile_id:profile_id>/edit/", views.profile_edit, name="edit"),
    path("<profile_id:profile_id>/delete/", views.profile_delete, name="delete"),
    path("<profile_id:profile_id>/subscription/", views.subscription_change, name="subscription"),
    path("<profile_id:profile_id>/suppression/add/", views.profile_suppress, name="suppress"),
    path(
        "<profile_id:profile_id>/suppression/remove/",
        views.profile_unsuppress,
        name="unsuppress",
    ),
    path("<profile_id:profile_id>/attributes/", views.attribute_table, name="attributes"),
    path("<profile_id:profile_id>/attributes/set/", views.attribute_set, name="attribute_set"),
    path(
        "<profile_id:profile_id>/attributes/delete/",
        views.attribute_delete,
        name="attribute_delete",
    ),
]

# The CSV import (views.py).
import_patterns: list[URLPattern] = [
    path("import/", views.import_start, name="import_start"),
    path("import/<str:import_id>/", views.import_detail, name="import_detail"),
    path("import/<str:import_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("import/<str:import_id>/retry/", views.import_retry, name="import_retry"),
    path("import/<str:import_id>/cancel/", views.import_cancel, name="import_cancel"),
    path(
        "import/<str:import_id>/rejected.csv",
        views.import_rejections_csv,
        name="import_rejections_csv",
    ),
]

urlpatterns = dashboard_patterns + import_patterns
