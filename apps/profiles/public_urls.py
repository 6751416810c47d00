"""Public URLs of Profiles, reachable without a login (mounted at the site root)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "unsubscribe"

# The unsubscribe page and the RFC 8058 one-click endpoint (unsubscribe_views.py).
urlpatterns: list[URLPattern] = []
