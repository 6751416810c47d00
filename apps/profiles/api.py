"""API routes of Profiles (api-contract.md → Profiles)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.pagination import paginate
from segmentflow.scopes import PROFILES_READ, PROFILES_WRITE

from . import actions
from .models import Profile, SubscriptionSource
from .schemas import (
    ProfileCreateIn,
    ProfileList,
    ProfileListQuery,
    ProfileOut,
    ProfilePatchIn,
    SubscriptionDetailOut,
    SubscriptionIn,
)

router = ApiRouter(tags=["profiles"])


@router.get(
    "/profiles",
    response=ProfileList,
    scope=PROFILES_READ,
    operation_id="profiles_list",
    summary="List Profiles",
)
def profiles_list(request: HttpRequest, query: Query[ProfileListQuery]) -> dict[str, Any]:
    """List Profiles, newest first, filtered by exact email, externalId, status or update time."""
    profiles = Profile.objects.for_org(_org(request))
    if query.email is not None:
        profiles = profiles.with_email(query.email)
    if query.external_id is not None:
        profiles = profiles.filter(external_id=query.external_id)
    if query.subscription_status is not None:
        profiles = profiles.filter(subscription_status=query.subscription_status)
    if query.updated_since is not None:
        profiles = profiles.filter(updated_at__gte=query.updated_since)
    return paginate(profiles, query)


@router.get(
    "/profiles/{profile_id}",
    response=ProfileOut,
    scope=PROFILES_READ,
    operation_id="profiles_get",
    summary="Get a Profile",
)
def profiles_get(request: HttpRequest, profile_id: str) -> Profile:
    return Profile.objects.get_for_org_or_404(_org(request), profile_id)


@router.get(
    "/profiles/{profile_id}/subscription",
    response=SubscriptionDetailOut,
    scope=PROFILES_READ,
    operation_id="profiles_getSubscription",
    summary="Get a Profile's subscription",
)
def profiles_get_subscription(request: HttpRequest, profile_id: str) -> dict[str, Any]:
    return _subscription(Profile.objects.get_for_org_or_404(_org(request), profile_id))


@router.post(
    "/profiles",
    response={201: ProfileOut},
    scope=PROFILES_WRITE,
    operation_id="profiles_create",
    summary="Create a Profile",
)
def profiles_create(request: HttpRequest, payload: ProfileCreateIn) -> Status:
    """Create a Profile; 409 `conflict` when the email (or externalId) is taken."""
    data = payload.model_dump(exclude_unset=True, exclude={"attributes", "subscription"})
    profile = actions.create_profile(
        _org(request),
        attributes=payload.attributes,
        subscription_status=payload.subscription.status if payload.subscription else "subscribed",
        source=SubscriptionSource.API,
        **data,
    )
    return Status(201, profile)


@router.patch(
    "/profiles/{profile_id}",
    response=ProfileOut,
    scope=PROFILES_WRITE,
    operation_id="profiles_update",
    summary="Update a Profile",
)
def profiles_update(request: HttpRequest, profile_id: str, payload: ProfilePatchIn) -> Profile:
    """Change some fields; `attributes` is merged key by key and a `null` value deletes a key."""
    profile = Profile.objects.get_for_org_or_404(_org(request), profile_id)
    data = payload.model_dump(exclude_unset=True, exclude={"attributes"})
    return actions.update_profile(
        profile,
        attributes=payload.attributes if "attributes" in payload.model_fields_set else None,
        **data,
    )


@router.put(
    "/profiles/{profile_id}/subscription",
    response=SubscriptionDetailOut,
    scope=PROFILES_WRITE,
    operation_id="profiles_updateSubscription",
    summary="Subscribe or unsubscribe a Profile",
)
def profiles_update_subscription(
    request: HttpRequest, profile_id: str, payload: SubscriptionIn
) -> dict[str, Any]:
    profile = Profile.objects.get_for_org_or_404(_org(request), profile_id)
    profile = actions.set_subscription(profile, payload.status, SubscriptionSource.API)
    return _subscription(profile)


@router.delete(
    "/profiles/{profile_id}",
    response={204: None},
    scope=PROFILES_WRITE,
    operation_id="profiles_delete",
    summary="Erase a Profile",
)
def profiles_delete(request: HttpRequest, profile_id: str) -> Status:
    """Erase the Profile's personal data; it is 404 from then on."""
    profile = Profile.objects.get_for_org_or_404(_org(request), profile_id)
    actions.delete_profile(profile)
    return Status(204, None)


def _subscription(profile: Profile) -> dict[str, Any]:
    return {
        "profile_id": profile.id,
        "status": profile.subscription_status,
        "updated_at": profile.subscription_updated_at,
        "source": profile.subscription_source,
    }
