"""URLconf for plumbing tests: the product API plus the probe router, built the same way."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from segmentflow.api import _product_routers, build_api

from .probe import router as probe_router

probe_api = build_api([*_product_routers(), ("/probe", probe_router)], urls_namespace="probe_api")


@require_GET
def plain_django_view(request: HttpRequest) -> HttpResponse:
    """A view outside ninja under /api/: its 405 and its crash must come out in the envelope."""
    if request.GET.get("crash"):
        raise RuntimeError("a bug outside ninja")
    return HttpResponse("plain")


urlpatterns = [
    path("api/v1/plain/", plain_django_view),
    path("api/v1/", probe_api.urls),
    path("settings/domains/", include("apps.sending.urls")),
    path("", include("apps.accounts.urls")),
    path("profiles/", include("apps.profiles.urls")),
    path("", include("apps.profiles.public_urls")),
    path("", include("segmentflow.dashboard_urls")),
]
handler404 = "segmentflow.views.page_not_found"
