"""Dashboard URLs of the Emails log (mounted at /emails/)."""

from __future__ import annotations

from django.urls import path

from segmentflow.converters import register_id_converter

from . import email_views

register_id_converter("email_send_id", "es")

app_name = "emails"

urlpatterns = [
    path("", email_views.email_list, name="list"),
    path("<email_send_id:email_send_id>/", email_views.email_detail, name="detail"),
    path("<email_send_id:email_send_id>/cancel/", email_views.email_cancel, name="cancel"),
    # Any template id: the view's lookup answers 404 for one that is not this Organization's.
    path("test-send/<str:template_id>/", email_views.test_send, name="test_send"),
]
