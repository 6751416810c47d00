from __future__ import annotations

from typing import Literal

from ninja import Field

from segmentflow.pagination import ListOut, PageQuery
from segmentflow.schemas import InSchema, OutSchema, Timestamp

from . import storage
from .models import Asset

Status = Literal["pending_upload", "ready", "failed"]


class AssetCreateIn(InSchema):
    filename: str = Field(max_length=255)
    content_type: str = Field(
        max_length=100, description="image/png, image/jpeg, image/gif or image/webp: a hint only."
    )
    size: int = Field(ge=1, description="Bytes the client will upload; at most 10 MiB.")
    alt_text: str | None = Field(None, max_length=1000)
    tags: list[str] | None = None


class AssetPatchIn(InSchema):
    """Every field is optional; `null` clears altText and tags."""

    filename: str | None = Field(None, max_length=255)
    alt_text: str | None = Field(None, max_length=1000)
    tags: list[str] | None = None


class AssetOut(OutSchema):
    id: str
    object: str = "asset"
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    alt_text: str
    tags: list[str]
    status: Status
    url: str | None
    thumbnail_url: str | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_url(obj: Asset) -> str | None:
        return storage.public_url(obj.original_key) if obj.is_ready else None

    @staticmethod
    def resolve_thumbnail_url(obj: Asset) -> str | None:
        return storage.public_url(obj.thumbnail_key) if obj.is_ready else None


class AssetList(ListOut[AssetOut]):
    pass


class AssetListQuery(PageQuery):
    status: Status | None = None
    filename: str | None = Field(
        None, max_length=255, description="Assets whose filename contains this (any case)."
    )


class UploadSessionOut(OutSchema):
    object: str = "upload_session"
    upload_url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_at: Timestamp
