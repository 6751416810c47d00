"""API routes of Brand Kits (api-contract.md → Brand Kit); extractions come with their job."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from apps.accounts.models import Organization
from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.errors import not_found
from segmentflow.pagination import PageQuery, paginate

from . import actions
from .models import BrandKit
from .schemas import BrandKitCreateIn, BrandKitList, BrandKitOut, BrandKitPatchIn

router = ApiRouter(tags=["brandKits"])


def get_brand_kit_or_404(organization: Organization, brand_kit_id: str) -> BrandKit:
    kit = (
        BrandKit.objects.for_org(organization)
        .prefetch_related("logos")
        .filter(pk=brand_kit_id)
        .first()
    )
    if kit is None:
        raise not_found("Brand Kit")
    return kit


def _fresh(kit: BrandKit) -> BrandKit:
    """The kit as stored, with its logos, for the response."""
    return BrandKit.objects.prefetch_related("logos").get(pk=kit.pk)


@router.get(
    "/brand-kit", response=BrandKitList, scope="brand_kit:read", operation_id="brandKits_list"
)
def brand_kits_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """List Brand Kits, newest first."""
    kits = BrandKit.objects.for_org(_org(request)).prefetch_related("logos")
    return paginate(kits, query)


@router.get(
    "/brand-kit/{brand_kit_id}",
    response=BrandKitOut,
    scope="brand_kit:read",
    operation_id="brandKits_get",
)
def brand_kits_get(request: HttpRequest, brand_kit_id: str) -> BrandKit:
    return get_brand_kit_or_404(_org(request), brand_kit_id)


@router.post(
    "/brand-kit",
    response={201: BrandKitOut},
    scope="brand_kit:write",
    operation_id="brandKits_create",
)
def brand_kits_create(request: HttpRequest, payload: BrandKitCreateIn) -> Status:
    """Create a Brand Kit. The Organization's first kit is its default; `isDefault: true`
    makes a later one the default instead. Logos must be ready Assets."""
    kit = actions.create_brand_kit(_org(request), payload.model_dump(by_alias=True))
    return Status(201, _fresh(kit))


@router.patch(
    "/brand-kit/{brand_kit_id}",
    response=BrandKitOut,
    scope="brand_kit:write",
    operation_id="brandKits_update",
)
def brand_kits_update(
    request: HttpRequest, brand_kit_id: str, payload: BrandKitPatchIn
) -> BrandKit:
    """Change the brand defaults: colors, fonts, sender and footer are merged field by field
    (`null` clears), logos and socialLinks replaced; `isDefault: true` moves the default here."""
    kit = get_brand_kit_or_404(_org(request), brand_kit_id)
    changes = payload.model_dump(by_alias=True, exclude_unset=True)
    return _fresh(actions.update_brand_kit(kit, changes))


@router.delete(
    "/brand-kit/{brand_kit_id}",
    response={204: None},
    scope="brand_kit:write",
    operation_id="brandKits_delete",
)
def brand_kits_delete(request: HttpRequest, brand_kit_id: str) -> Status:
    """Delete the Brand Kit; when it was the default, the most recent remaining kit becomes
    the default."""
    actions.delete_brand_kit(get_brand_kit_or_404(_org(request), brand_kit_id))
    return Status(204, None)
