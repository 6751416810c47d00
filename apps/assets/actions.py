"""Writes on Assets shared by the API and the dashboard: create, upload, finalize, edit, delete."""

from __future__ import annotations

import hashlib
import tempfile
from typing import Any, Protocol

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization
from segmentflow.errors import ActionError, invalid
from segmentflow.values import clean_text

from . import storage
from .inspection import MAX_BYTES, InvalidImage, inspect_image
from .models import ACCEPTED_CONTENT_TYPES, Asset, AssetStatus
from .references import asset_in_use

MAX_ALT_TEXT_LENGTH = 1000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
UPLOAD_CHUNK_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def clean_filename(filename: Any) -> str:
    if not isinstance(filename, str) or not filename.strip():
        raise invalid("filename", "field required")
    # A name, never a path: it is shown in the dashboard and used in downloads.
    name = filename.strip().replace("\\", "/").rsplit("/", 1)[-1]
    if not name or len(name) > 255 or not name.isprintable():
        raise invalid("filename", "1 to 255 printable characters")
    return name


def clean_alt_text(alt_text: str | None) -> str:
    # Several lines are allowed: alt text may describe an image in sentences.
    return clean_text(alt_text, "alt_text", max_length=MAX_ALT_TEXT_LENGTH, multiline=True)


def clean_tags(tags: Any) -> list[str]:
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise invalid("tags", "must be a list of strings")
    cleaned: list[str] = []
    for tag in (tag.strip() for tag in tags):
        # Printable only: a tag is a label, and PostgreSQL's jsonb cannot even hold a NUL.
        if not tag or len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
            raise invalid(
                "tags",
                f"each tag is 1 to {MAX_TAG_LENGTH} printable characters",
            )
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise invalid("tags", f"at most {MAX_TAGS} tags")
    return cleaned


@transaction.atomic
def create_asset(
    organization: Organization,
    *,
    filename: str | None,
    content_type: str,
    size: int | None,
    alt_text: str = "",
    tags: list[str] | None = None,
) -> Asset:
    """An Asset waiting for its bytes. The declared type and size are only hints for the
    upload; finalize decides from the bytes."""
    if content_type not in ACCEPTED_CONTENT_TYPES:
        raise invalid("content_type", f"must be one of {', '.join(ACCEPTED_CONTENT_TYPES)}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise invalid("size", "must be a positive integer")
    if size > MAX_BYTES:
        raise ActionError("payload_too_large", "size", f"an image may be at most {MAX_BYTES} bytes")
    now = timezone.now()
    return Asset.objects.create(
        organization=organization,
        filename=clean_filename(filename),
        content_type=content_type,
        size=size,
        alt_text=clean_alt_text(alt_text),
        tags=clean_tags(tags or []),
        created_at=now,
        updated_at=now,
    )


def upload_asset(
    organization: Organization,
    upload: UploadedFile,
    *,
    alt_text: str = "",
    tags: list[str] | None = None,
) -> Asset:
    """A file posted in one go (the dashboard without JavaScript): the API's whole flow at once,
    create → receive the bytes → finalize."""
    asset = create_asset(
        organization,
        filename=upload.name or "image",
        content_type=upload.content_type or "",
        size=upload.size or 0,
        alt_text=alt_text,
        tags=tags,
    )
    receive_upload(asset, upload, upload.size)
    return finalize_asset(asset)


@transaction.atomic
def create_upload_session(asset: Asset) -> storage.UploadTarget:
    """A short-lived URL to PUT the bytes to; a new session replaces the previous one."""
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.status == AssetStatus.READY:
        raise ActionError("invalid_state", None, "This asset is already uploaded and finalized.")
    target = storage.create_upload_target(locked)
    locked.status = AssetStatus.PENDING_UPLOAD
    locked.failure_reason = ""
    locked.updated_at = timezone.now()
    locked.save(update_fields=["upload_nonce", "status", "failure_reason", "updated_at"])
    return target


def claim_upload_token(token: storage.UploadToken) -> Asset:
    """Spend a local upload URL: it works once, and only while it is the asset's newest one."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update().filter(pk=token.asset_id).first()
        if asset is None:
            raise ActionError("not_found", None, "This upload URL is unknown or expired.")
        if asset.status != AssetStatus.PENDING_UPLOAD or asset.upload_nonce != token.nonce:
            raise ActionError(
                "invalid_state",
                None,
                "This upload URL was already used or replaced by a newer upload session.",
            )
        asset.upload_nonce = ""
        asset.save(update_fields=["upload_nonce"])
    return asset


def receive_upload(asset: Asset, stream: Readable, declared_length: int | None) -> None:
    """Store the body of a local upload, refusing it (and keeping nothing) past MAX_BYTES."""
    if declared_length is not None and declared_length > MAX_BYTES:
        raise ActionError("payload_too_large", None, f"An image may be at most {MAX_BYTES} bytes.")
    received = 0
    # Spooled to disk past 1 MiB, and written to storage only once it is known to fit.
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        while chunk := stream.read(UPLOAD_CHUNK_BYTES):
            received += len(chunk)
            if received > MAX_BYTES:
                raise ActionError(
                    "payload_too_large", None, f"An image may be at most {MAX_BYTES} bytes."
                )
            spool.write(chunk)
        spool.seek(0)
        storage.save_file(asset.upload_key, spool)


def finalize_asset(asset: Asset) -> Asset:
    """Inspect the uploaded bytes: store the cleaned image and its thumbnail (status ready), or
    delete them and mark the asset failed. Finalizing a ready asset returns it unchanged."""
    failure: ActionError | None = None
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.status == AssetStatus.READY:
            return locked
        data = storage.read_original(locked, MAX_BYTES + 1)
        if data is None:
            raise ActionError(
                "invalid_state", None, "Nothing was uploaded: PUT the bytes to an upload URL first."
            )
        if len(data) > MAX_BYTES:
            failure = ActionError(
                "payload_too_large",
                None,
                f"An image may be at most {MAX_BYTES} bytes.",
            )
            _fail(locked, failure.message)
        else:
            try:
                _store_inspected(locked, data)
            except InvalidImage as exc:
                failure = ActionError("invalid_image", None, f"Not an accepted image: {exc}")
                _fail(locked, str(exc))
    if failure is not None:
        raise failure
    return locked


def import_asset(
    organization: Organization,
    *,
    filename: str,
    data: bytes,
    alt_text: str = "",
    tags: list[str] | None = None,
) -> tuple[Asset, bool]:
    """An Asset from bytes the server fetched itself (a logo of a brand import), through the
    same storage and inspection as an upload. Bytes that are not an accepted image leave
    nothing behind: ActionError `invalid_image` or `payload_too_large`. The same image imported
    again gives back the Asset already in the library rather than a copy: returns the Asset
    and whether it was created."""
    if len(data) > MAX_BYTES:
        raise ActionError("payload_too_large", None, f"An image may be at most {MAX_BYTES} bytes.")
    # The declared type is only a hint for uploads; finalize decides from the bytes.
    asset = create_asset(
        organization,
        filename=filename,
        content_type="image/png",
        size=len(data),
        alt_text=alt_text,
        tags=tags,
    )
    storage.save_file(asset.upload_key, data)
    try:
        asset = finalize_asset(asset)
    except ActionError:
        asset.delete()
        storage.delete_files(asset)
        raise
    # Keys name the cleaned image's digest: an equal key suffix is the same image.
    same_image = f"/{asset.original_key.rsplit('/', 1)[-1]}"
    existing = (
        Asset.objects.for_org(organization)
        .ready()
        .filter(original_key__endswith=same_image)
        .exclude(pk=asset.pk)
        .order_by("created_at")
        .first()
    )
    if existing is None:
        return asset, True
    asset.delete()
    storage.delete_files(asset)
    return existing, False


def _store_inspected(asset: Asset, data: bytes) -> None:
    image = inspect_image(data)
    # Content-addressed keys: a URL always names the same bytes, so it may be cached forever.
    digest = hashlib.sha256(image.data).hexdigest()[:32]
    original_key = storage.save_file(f"assets/{asset.pk}/{digest}.{image.extension}", image.data)
    thumbnail_key = storage.save_file(f"assets/{asset.pk}/{digest}-thumb.webp", image.thumbnail)
    storage.delete_upload(asset)
    asset.content_type = image.content_type
    asset.size = image.size
    asset.width = image.width
    asset.height = image.height
    asset.original_key = original_key
    asset.thumbnail_key = thumbnail_key
    asset.thumbnail_content_type = image.thumbnail_content_type
    asset.status = AssetStatus.READY
    asset.failure_reason = ""
    asset.updated_at = timezone.now()
    asset.save()


def _fail(asset: Asset, reason: str) -> None:
    storage.delete_upload(asset)
    asset.status = AssetStatus.FAILED
    asset.failure_reason = reason[:500]
    asset.updated_at = timezone.now()
    asset.save(update_fields=["status", "failure_reason", "updated_at"])


@transaction.atomic
def update_asset(asset: Asset, **fields: Any) -> Asset:
    """Change `alt_text`, `filename` or `tags`."""
    if "filename" in fields:
        asset.filename = clean_filename(fields["filename"])
    if "alt_text" in fields:
        asset.alt_text = clean_alt_text(fields["alt_text"])
    if "tags" in fields:
        asset.tags = clean_tags(fields["tags"] if fields["tags"] is not None else [])
    asset.updated_at = timezone.now()
    asset.save(update_fields=["filename", "alt_text", "tags", "updated_at"])
    return asset


def delete_asset(asset: Asset) -> None:
    """Delete the Asset and its bytes; refused while something references it."""
    with transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if asset_in_use(locked):
            raise ActionError(
                "asset_in_use", None, "A Brand Kit or a Template still uses this asset."
            )
        locked.delete()
    # After the commit: a rollback must not leave a row whose files are gone.
    storage.delete_files(locked)
