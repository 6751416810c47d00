"""Dashboard URLs of Brand Kits (mounted at /brand-kits/)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import views

register_id_converter("kit_id", "bk")
register_id_converter("extraction_id", "bkx")

app_name = "brand_kits"

urlpatterns = [
    path("", views.kit_list, name="list"),
    path("new/", views.kit_create, name="create"),
    path("preview/", views.kit_preview, name="preview"),
    path("logo-options/", views.logo_options, name="logo_options"),
    path("<kit_id:kit_id>/", views.kit_edit, name="edit"),
    path("<kit_id:kit_id>/default/", views.kit_make_default, name="make_default"),
    path("<kit_id:kit_id>/delete/", views.kit_delete, name="delete"),
    path("<kit_id:kit_id>/import/", views.import_start, name="import_start"),
    path(
        "<kit_id:kit_id>/import/<extraction_id:extraction_id>/",
        views.import_detail,
        name="import_detail",
    ),
    path(
        "<kit_id:kit_id>/import/<extraction_id:extraction_id>/apply/",
        views.import_apply,
        name="import_apply",
    ),
]
