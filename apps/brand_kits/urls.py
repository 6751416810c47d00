"""Dashboard URLs of Brand Kits (mounted at /brand-kits/)."""

from __future__ import annotations

from django.urls import path, register_converter

from . import dashboard_views as views


class BrandKitIdConverter:
    """`bk_…` ids only, so a word such as `new/` or `preview/` never reaches a kit view."""

    regex = "bk_[0-9a-z]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BrandKitIdConverter, "kit_id")

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
        "<kit_id:kit_id>/import/<str:extraction_id>/",
        views.import_detail,
        name="import_detail",
    ),
    path(
        "<kit_id:kit_id>/import/<str:extraction_id>/apply/",
        views.import_apply,
        name="import_apply",
    ),
]
