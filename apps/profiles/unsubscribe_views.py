"""The public unsubscribe page and the RFC 8058 one-click endpoint: no login, no session.

The recipient is not a user, so the pages stand alone and show only what the link's own Profile
may see. A tampered token and a deleted Profile get the same 404 page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .actions import set_subscription
from .models import Profile, SubscriptionSource, SubscriptionStatus
from .unsubscribe import mask_email, profile_for_token

TEMPLATE = "profiles/unsubscribe.html"
ONE_CLICK_FIELD = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"


def _text(body: str, status: int = 200) -> HttpResponse:
    """A tiny plain-text answer, for the mail providers that call the one-click endpoint."""
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _page(
    request: HttpRequest, token: str, profile: Profile | None, *, changed: bool = False
) -> HttpResponse:
    """Render the standalone page: the subscription state of `profile`, or not found."""
    if profile is None:
        return render(request, TEMPLATE, {"not_found": True}, status=404)
    context = {
        "organization_name": profile.organization.name,
        "masked_email": mask_email(profile.email),
        "subscribed": profile.subscription_status == SubscriptionStatus.SUBSCRIBED,
        "changed": changed,
        "action_url": reverse("unsubscribe:page", kwargs={"token": token}),
    }
    return render(request, TEMPLATE, context)


@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET confirms and changes nothing (mail scanners prefetch links); POST sets the status."""
    profile = profile_for_token(token)
    if request.method == "GET" or profile is None:
        return _page(request, token, profile)
    status = request.POST.get("status", "")
    if status not in SubscriptionStatus.values:
        return _text("Unknown subscription status.", status=400)
    try:
        profile = set_subscription(profile, status, SubscriptionSource.UNSUBSCRIBE_LINK)
    except Profile.DoesNotExist:  # erased since the lookup above
        return _page(request, token, None)
    return _page(request, token, profile, changed=True)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def one_click(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: a POST whose body is `List-Unsubscribe=One-Click` unsubscribes, idempotently."""
    profile = profile_for_token(token)
    if request.method == "GET":
        # Some clients open the List-Unsubscribe URL in a browser: confirm, do not act.
        return _page(request, token, profile)
    if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        return _text("The body must be List-Unsubscribe=One-Click.", status=400)
    if profile is None:
        return _text("Unknown unsubscribe link.", status=404)
    try:
        set_subscription(
            profile, SubscriptionStatus.UNSUBSCRIBED, SubscriptionSource.UNSUBSCRIBE_LINK
        )
    except Profile.DoesNotExist:  # erased since the lookup above
        return _text("Unknown unsubscribe link.", status=404)
    return _text("Unsubscribed.")
