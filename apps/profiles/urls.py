"""Dashboard URLs of Profiles (mounted at /profiles/)."""

from __future__ import annotations

from django.urls import URLPattern

app_name = "profiles"

# The Profiles list, detail and edit pages (views.py).
dashboard_patterns: list[URLPattern] = []

# The CSV import (import_views.py).
import_patterns: list[URLPattern] = []

urlpatterns = dashboard_patterns + import_patterns
