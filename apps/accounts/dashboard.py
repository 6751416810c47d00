"""What every dashboard view starts with: the current Membership, checked for a scope."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
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
