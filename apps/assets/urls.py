"""Dashboard URLs of Assets (mounted at /assets/)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import views

register_id_converter("asset_id", "asset")

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("upload/", views.asset_upload_form, name="upload_form"),
    path("<asset_id:asset_id>/", views.asset_card, name="card"),
    path("<asset_id:asset_id>/edit/", views.asset_edit, name="edit"),
    path("<asset_id:asset_id>/delete/", views.asset_delete, name="delete"),
    # The JSON endpoints of static/js/assets.js: the API's upload flow on the session.
    path("uploads/", views.upload_create, name="upload_create"),
    path("<asset_id:asset_id>/upload-session/", views.upload_session, name="upload_session"),
    path("<asset_id:asset_id>/finalize/", views.upload_finalize, name="upload_finalize"),
]
