from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from segmentflow.scopes import DOMAINS_WRITE, MANAGE_SETTINGS, has_scope

from .models import Membership


def dashboard(request: HttpRequest) -> dict[str, Any]:
    """The Organization switcher and permission flags every dashboard page needs."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "membership": membership,
        "organization": membership.organization,
        "all_memberships": Membership.objects.for_user(request.user),  # type: ignore[arg-type]
        "can_manage_settings": has_scope(membership, MANAGE_SETTINGS),
        "can_manage_domains": has_scope(membership, DOMAINS_WRITE),
    }
