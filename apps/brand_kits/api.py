"""API routes of Brand Kits and their extractions (api-contract.md → Brand Kit)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.pagination import PageQuery, paginate
from segmentflow.scopes import BRAND_KIT_READ, BRAND_KIT_WRITE

from . import actions
from .extraction.actions import start_extraction
from .models import BrandExtraction, BrandKit
from .schemas import (
    BrandExtractionOut,
    BrandKitCreateIn,
    BrandKitList,
    BrandKitOut,
    BrandKitPatchIn,
    ExtractionStartIn,
)

router = ApiRouter(tags=["brandKits"])


def _fresh(kit: BrandKit) -> BrandKit:
    """The kit as stored, with its logos, for the response."""
    return BrandKit.objects.prefetch_related("logos").get(pk=kit.pk)


@router.get(
    "/brand-kit",
    response=BrandKitList,
    scope=BRAND_KIT_READ,
    operation_id="brandKits_list",
    summary="List Brand Kits",
)
def brand_kits_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    """List Brand Kits, newest first."""
    kits = BrandKit.objects.for_org(_org(request)).prefetch_related("logos")
    return paginate(kits, query)


@router.get(
    "/brand-kit/{brand_kit_id}",
    response=BrandKitOut,
    scope=BRAND_KIT_READ,
    operation_id="brandKits_get",
    summary="Get a Brand Kit",
)
def brand_kits_get(request: HttpRequest, brand_kit_id: str) -> BrandKit:
    return BrandKit.objects.get_for_org_or_404(_org(request), brand_kit_id)


@router.post(
    "/brand-kit",
    response={201: BrandKitOut},
    scope=BRAND_KIT_WRITE,
    operation_id="brandKits_create",
    summary="Create a Brand Kit",
)
def brand_kits_create(request: HttpRequest, payload: BrandKitCreateIn) -> Status:
    """Create a Brand Kit. The Organization's first kit is its default; `isDefault: true`
    makes a later one the default instead. Logos must be ready Assets."""
    kit = actions.create_brand_kit(_org(request), **payload.model_dump())
    return Status(201, _fresh(kit))


@router.patch(
    "/brand-kit/{brand_kit_id}",
    response=BrandKitOut,
    scope=BRAND_KIT_WRITE,
    operation_id="brandKits_update",
    summary="Update a Brand Kit",
)
def brand_kits_update(
    request: HttpRequest, brand_kit_id: str, payload: BrandKitPatchIn
) -> BrandKit:
    """Change the brand defaults: colors, fonts, sender and footer are merged field by field
    (`null` clears), logos and socialLinks replaced; `isDefault: true` moves the default here."""
    kit = BrandKit.objects.get_for_org_or_404(_org(request), brand_kit_id)
    changes = payload.model_dump(exclude_unset=True)
    return _fresh(actions.update_brand_kit(kit, **changes))


@router.delete(
    "/brand-kit/{brand_kit_id}",
    response={204: None},
    scope=BRAND_KIT_WRITE,
    operation_id="brandKits_delete",
    summary="Delete a Brand Kit",
)
def brand_kits_delete(request: HttpRequest, brand_kit_id: str) -> Status:
    """Delete the Brand Kit; when it was the default, the most recent remaining kit becomes
    the default."""
    kit = BrandKit.objects.get_for_org_or_404(_org(request), brand_kit_id)
    actions.delete_brand_kit(kit)
    return Status(204, None)


@router.post(
    "/brand-kit/{brand_kit_id}/extractions",
    response={202: BrandExtractionOut},
    scope=BRAND_KIT_WRITE,
    operation_id="brandKits_startExtraction",
    summary="Extract a brand from a website",
)
def brand_kits_start_extraction(
    request: HttpRequest, brand_kit_id: str, payload: ExtractionStartIn
) -> Status:
    """Import logos, colors, fonts and social links from a website, in the background. Poll
    `GET /brand-kit/extractions/{extractionId}` for progress. A URL that is not a public http(s)
    address is refused with 422 `url_not_allowed`; one whose host or redirect leads somewhere
    private fails the extraction with an explanation in `error`."""
    kit = BrandKit.objects.get_for_org_or_404(_org(request), brand_kit_id)
    extraction = start_extraction(kit, payload.url, apply=payload.apply)
    return Status(202, extraction)


@router.get(
    "/brand-kit/extractions/{extraction_id}",
    response=BrandExtractionOut,
    scope=BRAND_KIT_READ,
    operation_id="brandKits_getExtraction",
    summary="Get a brand extraction",
)
def brand_kits_get_extraction(request: HttpRequest, extraction_id: str) -> BrandExtraction:
    """An extraction's status, progress and current step, and its result once it succeeded."""
    return BrandExtraction.objects.get_for_org_or_404(_org(request), extraction_id).reported()
