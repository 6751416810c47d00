"""Dashboard URLs of sending domains (mounted at /settings/domains/)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import views

register_id_converter("domain_id", "dom")

app_name = "sending"

urlpatterns = [
    path("", views.domain_list, name="list"),
    path("new/", views.domain_create, name="create"),
    path("<domain_id:domain_id>/", views.domain_detail, name="detail"),
    path("<domain_id:domain_id>/verify/", views.domain_verify, name="verify"),
    path("<domain_id:domain_id>/dkim-rotation/", views.domain_rotate, name="rotate"),
    path("<domain_id:domain_id>/delete/", views.domain_delete, name="delete"),
]
