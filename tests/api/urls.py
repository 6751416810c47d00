"""URLconf for plumbing tests: the product API plus the probe router, built the same way."""

from __future__ import annotations

from django.urls import include, path

from segmentflow.api import _product_routers, build_api

from .probe import router as probe_router

probe_api = build_api([*_product_routers(), ("/probe", probe_router)], urls_namespace="probe_api")

urlpatterns = [
    path("api/v1/", probe_api.urls),
    path("", include("apps.accounts.urls")),
    path("", include("segmentflow.dashboard_urls")),
]
handler404 = "segmentflow.views.page_not_found"
