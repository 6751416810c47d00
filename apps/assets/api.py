"""API routes of Assets (api-contract.md → Assets). The local upload URL is in media_views.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from segmentflow.api import ApiRouter
from segmentflow.auth import request_organization as _org
from segmentflow.pagination import paginate
from segmentflow.scopes import ASSETS_READ, ASSETS_WRITE

from . import actions
from .models import Asset
from .schemas import (
    AssetCreateIn,
    AssetList,
    AssetListQuery,
    AssetOut,
    AssetPatchIn,
    UploadSessionOut,
)

router = ApiRouter(tags=["assets"])


@router.get(
    "/assets",
    response=AssetList,
    scope=ASSETS_READ,
    operation_id="assets_list",
    summary="List Assets",
)
def assets_list(request: HttpRequest, query: Query[AssetListQuery]) -> dict[str, Any]:
    """List Assets, newest first, optionally by status or a part of the filename."""
    assets = Asset.objects.for_org(_org(request))
    if query.status is not None:
        assets = assets.filter(status=query.status)
    if query.filename:
        assets = assets.filter(filename__icontains=query.filename)
    return paginate(assets, query)


@router.get(
    "/assets/{asset_id}",
    response=AssetOut,
    scope=ASSETS_READ,
    operation_id="assets_get",
    summary="Get an Asset",
)
def assets_get(request: HttpRequest, asset_id: str) -> Asset:
    return Asset.objects.get_for_org_or_404(_org(request), asset_id)


@router.post(
    "/assets",
    response={201: AssetOut},
    scope=ASSETS_WRITE,
    operation_id="assets_create",
    summary="Create an Asset",
)
def assets_create(request: HttpRequest, payload: AssetCreateIn) -> Status:
    """Create an Asset waiting for its bytes (status `pending_upload`); then open an upload
    session, PUT the bytes and finalize."""
    asset = actions.create_asset(
        _org(request),
        filename=payload.filename,
        content_type=payload.content_type,
        size=payload.size,
        alt_text=payload.alt_text or "",
        tags=payload.tags,
    )
    return Status(201, asset)


@router.post(
    "/assets/{asset_id}/upload-session",
    response=UploadSessionOut,
    scope=ASSETS_WRITE,
    operation_id="assets_createUploadSession",
    summary="Start an upload of an Asset's bytes",
)
def assets_create_upload_session(request: HttpRequest, asset_id: str) -> dict[str, Any]:
    """A URL to PUT the bytes to, valid 15 minutes, with the headers to send; it replaces any
    earlier session. 409 `invalid_state` once the asset is ready."""
    asset = Asset.objects.get_for_org_or_404(_org(request), asset_id)
    target = actions.create_upload_session(asset)
    return {
        "upload_url": target.url,
        "method": target.method,
        "headers": target.headers,
        "expires_at": target.expires_at,
    }


@router.post(
    "/assets/{asset_id}/finalize",
    response=AssetOut,
    scope=ASSETS_WRITE,
    operation_id="assets_finalize",
    summary="Finalize an Asset's upload",
)
def assets_finalize(request: HttpRequest, asset_id: str) -> Asset:
    """Inspect the uploaded bytes: status `ready`, or 422 `invalid_image` and status `failed`.
    409 `invalid_state` when nothing was uploaded; a ready asset is returned unchanged."""
    asset = Asset.objects.get_for_org_or_404(_org(request), asset_id)
    return actions.finalize_asset(asset)


@router.patch(
    "/assets/{asset_id}",
    response=AssetOut,
    scope=ASSETS_WRITE,
    operation_id="assets_update",
    summary="Update an Asset",
)
def assets_update(request: HttpRequest, asset_id: str, payload: AssetPatchIn) -> Asset:
    asset = Asset.objects.get_for_org_or_404(_org(request), asset_id)
    return actions.update_asset(asset, **payload.model_dump(exclude_unset=True))


@router.delete(
    "/assets/{asset_id}",
    response={204: None},
    scope=ASSETS_WRITE,
    operation_id="assets_delete",
    summary="Delete an Asset",
)
def assets_delete(request: HttpRequest, asset_id: str) -> Status:
    """Delete the Asset, its bytes and thumbnail; 409 `asset_in_use` while referenced."""
    asset = Asset.objects.get_for_org_or_404(_org(request), asset_id)
    actions.delete_asset(asset)
    return Status(204, None)
