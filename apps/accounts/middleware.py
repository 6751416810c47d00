"""Dashboard request context: the signed-in user's current Organization and Membership."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.template.loader import render_to_string

from .models import Membership

SESSION_KEY = "current_org_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The Membership of the Organization the user is working in (the first one by default)."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(Membership.objects.for_user(user))  # type: ignore[arg-type]
    if not memberships:
        return None
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organization_id == wanted:
            return membership
    return memberships[0]


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization lazily for dashboard views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            membership = current_membership(request)
            request.membership = membership  # type: ignore[attr-defined]
            request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)


class HtmxMessagesMiddleware:
    """Flash messages for htmx requests: append them as an out-of-band toast to the fragment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        # A boosted request renders a whole page, which shows the messages itself.
        if not htmx or htmx.boosted or request.path.startswith("/api/"):
            return response
        # A redirect is followed by htmx and the next page shows the messages itself.
        if response.status_code in (301, 302, 303) or "HX-Redirect" in response:
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        stored = list(messages.get_messages(request))
        if not stored or not hasattr(response, "content"):
            return response
        toast = render_to_string("dashboard/_messages.html", {"messages": stored, "oob": True})
        response.content += toast.encode()  # type: ignore[union-attr]
        return response
