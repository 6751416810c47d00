"""What every dashboard view starts with: the current Membership, checked for a scope."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from .models import Membership, Organization, User
from .permissions import has_scope


class AuthedRequest(HttpRequest):
    """HttpRequest as seen by dashboard views (for type hints)."""

    user: User | AnonymousUser  # type: ignore[assignment]
    membership: Membership | None
    organization: Organization | None
    htmx: HtmxDetails


def require_membership(request: HttpRequest, scope: str | None = None) -> Membership:
    """The user's Membership in the current Organization; 403 without one or without `scope`."""
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied("You are not a member of any Organization.")
    if scope is not None and not has_scope(membership, scope):
        raise PermissionDenied(f"Your role ({membership.role}) does not allow {scope}.")
    return membership


def acting_user(request: AuthedRequest) -> User:
    """The signed-in user who performs a write (views behind login_required have one)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def wants_fragment(request: AuthedRequest) -> bool:
    """An htmx request that swaps part of a page (not a boosted link, not a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def redirect_after_write(request: AuthedRequest, url: str) -> HttpResponse:
    """After a write: htmx loads the next page in full, a plain post follows a redirect."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
