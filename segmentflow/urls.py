from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from apps.assets import media_views

from . import views
from .api import api

urlpatterns = [
    # Outside ninja (and its OpenAPI document): the signed token, not an API key, authorises it.
    path("api/v1/uploads/<str:token>", media_views.upload, name="asset_upload"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:key>", media_views.media_file, name="media"),
    path("settings/domains/", include("apps.sending.urls")),
    path("webhooks/anymail/", include("apps.sending.webhook_urls")),
    path("", include("apps.accounts.urls")),
    path("profiles/", include("apps.profiles.urls")),
    path("assets/", include("apps.assets.urls")),
    path("brand-kits/", include("apps.brand_kits.urls")),
    path("templates/", include("apps.email_templates.urls")),
    path("emails/", include("apps.sending.email_urls")),
    path("events/", include("apps.events.urls")),
    path("journeys/", include("apps.events.journey_urls")),
    path("", include("apps.profiles.public_urls")),
    path("", include("segmentflow.dashboard_urls")),
]

handler404 = "segmentflow.views.page_not_found"
