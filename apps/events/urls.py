"""Dashboard URLs of the Events log (mounted at /events/)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("activity/", views.activity_chart, name="activity"),
]
