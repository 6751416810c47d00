from __future__ import annotations

from typing import Annotated, Literal

from ninja import Field

from segmentflow.pagination import ListOut, PageQuery
from segmentflow.schemas import InSchema, Omittable, OutSchema, Timestamp, non_blank

from . import storage
from .inspection import MAX_BYTES
from .models import Asset

Status = Literal["pending_upload", "ready", "failed"]


class AssetCreateIn(InSchema):
    filename: str = Field(max_length=255, json_schema_extra=non_blank())
    content_type: Literal["image/png", "image/jpeg", "image/gif", "image/webp"] = Field(
        description="The type the client will upload: a hint only, finalize reads the bytes."
    )
    # Over the limit is 413 payload_too_large (the action's answer), not a schema error.
    size: int = Field(
        ge=1,
        description="Bytes the client will upload; at most 10 MiB.",
        json_schema_extra={"maximum": MAX_BYTES},
    )
    alt_text: str | None = Field(None, max_length=1000)
    tags: list[str] | None = None


class AssetPatchIn(InSchema):
    """Every field is optional; `null` clears altText and tags."""

    filename: Omittable[Annotated[str, Field(max_length=255)]] = Field(
        None, json_schema_extra=non_blank()
    )
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
