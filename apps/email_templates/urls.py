"""Dashboard URLs of Templates (mounted at /templates/)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import views

register_id_converter("template_id", "tmpl")

app_name = "email_templates"

urlpatterns = [
    path("", views.template_list, name="list"),
    path("new/", views.template_new, name="create"),
    path("<template_id:template_id>/", views.template_edit, name="edit"),
    path("<template_id:template_id>/preview/", views.template_preview, name="preview"),
    path("<template_id:template_id>/sample/", views.template_sample, name="sample"),
    path("<template_id:template_id>/duplicate/", views.template_duplicate, name="duplicate"),
    path("<template_id:template_id>/archive/", views.template_archive, name="archive"),
    path("<template_id:template_id>/unarchive/", views.template_unarchive, name="unarchive"),
    path("<template_id:template_id>/versions/", views.version_list, name="versions"),
    path(
        "<template_id:template_id>/versions/<int:version>/",
        views.version_detail,
        name="version",
    ),
    path(
        "<template_id:template_id>/versions/<int:version>/restore/",
        views.version_restore,
        name="restore",
    ),
]
