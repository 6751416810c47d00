from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("", include("apps.accounts.urls")),
    path("profiles/", include("apps.profiles.urls")),
    path("", include("apps.profiles.public_urls")),
    path("", include("segmentflow.dashboard_urls")),
]

handler404 = "segmentflow.views.page_not_found"
