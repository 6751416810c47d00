"""Public URLs of Profiles, reachable without a login (mounted at the site root)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import unsubscribe_views

app_name = "unsubscribe"

# The unsubscribe page and the RFC 8058 one-click endpoint (unsubscribe_views.py).
urlpatterns: list[URLPattern] = [
    path("u/<str:token>/", unsubscribe_views.unsubscribe_page, name="page"),
    path("u/<str:token>/one-click/", unsubscribe_views.one_click, name="one_click"),
]
