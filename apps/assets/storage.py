"""Where Asset bytes live: the one module that knows local files from S3.

Everything else goes through Django's `storages["default"]`; only upload sessions (a presigned
PUT straight to the bucket, or a signed one-time URL on this server) and public URLs differ.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.urls import reverse
from django.utils import timezone

from .models import Asset

UPLOAD_TTL = timedelta(minutes=15)
UPLOAD_URL_SALT = "segmentflow.assets.upload"


@dataclass(frozen=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class UploadToken:
    asset_id: str
    nonce: str


def default_storage() -> Storage:
    # Looked up on each call, so a test's override of STORAGES is honoured.
    return storages["default"]


def is_local() -> bool:
    """Local files are uploaded through this server and served by it under MEDIA_URL."""
    return isinstance(default_storage(), FileSystemStorage)


def create_upload_target(asset: Asset) -> UploadTarget:
    """Where and how the client PUTs the bytes of `asset`, valid for UPLOAD_TTL.

    For local storage this sets `asset.upload_nonce` (the caller saves it): the new URL replaces
    any earlier one, and the upload view clears the nonce so the URL works once.
    """
    expires_at = timezone.now() + UPLOAD_TTL
    storage = default_storage()
    if is_local():
        asset.upload_nonce = secrets.token_urlsafe(16)
        token = signing.TimestampSigner(salt=UPLOAD_URL_SALT).sign_object(
            {"a": asset.pk, "n": asset.upload_nonce}
        )
        url = settings.SITE_URL + reverse("asset_upload", kwargs={"token": token})
        return UploadTarget(url, "PUT", {"Content-Type": asset.content_type}, expires_at)
    asset.upload_nonce = ""
    client = storage.bucket.meta.client  # type: ignore[attr-defined]
    url = client.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": storage.bucket_name,  # type: ignore[attr-defined]
            # The storage's own key mapping (its optional `location` prefix).
            "Key": storage._normalize_name(asset.upload_key),  # type: ignore[attr-defined]
            "ContentType": asset.content_type,
        },
        ExpiresIn=int(UPLOAD_TTL.total_seconds()),
        HttpMethod="PUT",
    )
    return UploadTarget(url, "PUT", {"Content-Type": asset.content_type}, expires_at)


def read_upload_token(token: str) -> UploadToken | None:
    """The asset and nonce a local upload URL carries; None when forged, malformed or expired."""
    try:
        payload: Any = signing.TimestampSigner(salt=UPLOAD_URL_SALT).unsign_object(
            token, max_age=UPLOAD_TTL
        )
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    asset_id, nonce = payload.get("a"), payload.get("n")
    if not isinstance(asset_id, str) or not isinstance(nonce, str) or not nonce:
        return None
    return UploadToken(asset_id, nonce)


def read_original(asset: Asset, limit: int) -> bytes | None:
    """The uploaded bytes of `asset`, at most `limit` of them; None when nothing was uploaded.

    A caller that passes MAX + 1 learns that an object is over MAX without reading all of it.
    """
    storage = default_storage()
    key = asset.upload_key
    if not storage.exists(key):
        return None
    if not is_local():
        # A ranged GET: an oversized object in the bucket is never downloaded whole.
        client = storage.bucket.meta.client  # type: ignore[attr-defined]
        response = client.get_object(
            Bucket=storage.bucket_name,  # type: ignore[attr-defined]
            Key=storage._normalize_name(key),  # type: ignore[attr-defined]
            Range=f"bytes=0-{limit - 1}",
        )
        ranged: bytes = response["Body"].read()
        return ranged
    with storage.open(key, "rb") as stored:
        data: bytes = stored.read(limit)
    return data


def save_file(key: str, content: bytes | IO[bytes]) -> str:
    """Store `content` under `key` exactly (replacing what was there) and return the key."""
    storage = default_storage()
    storage.delete(key)
    file = ContentFile(content) if isinstance(content, bytes) else File(content)
    saved = storage.save(key, file)
    return saved


def delete_upload(asset: Asset) -> None:
    default_storage().delete(asset.upload_key)


def delete_files(asset: Asset) -> None:
    """Remove every object of `asset`: the raw upload, the original and the thumbnail."""
    storage = default_storage()
    for key in (asset.upload_key, asset.original_key, asset.thumbnail_key):
        if key:
            storage.delete(key)


def public_url(key: str) -> str:
    """An absolute URL an email client can load without credentials."""
    base = settings.SEGMENTFLOW_S3_PUBLIC_BASE_URL
    if base and not is_local():
        return f"{base}/{key}"
    url = default_storage().url(key)
    return settings.SITE_URL + url if url.startswith("/") else url
