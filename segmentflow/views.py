"""Dashboard shell: the home page, the 404 page and the favicon."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from segmentflow.dashboard import AuthedRequest

from .errors import envelope_response


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    membership = request.membership
    if membership is None:
        return render(request, "dashboard/no_organization.html", status=403)
    return render(request, "dashboard/home.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 handler: the error envelope under /api/, the dashboard's page elsewhere."""
    if request.path.startswith("/api/"):
        return envelope_response(request, 404, "not_found", "No such route or object.")
    return render(request, "404.html", status=404)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico; resolved per request so start-up never needs the manifest."""
    return redirect(static("favicon.svg"), permanent=True)
