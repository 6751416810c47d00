"""Assets: images an Organization uploads for its emails, and where their bytes are stored."""

from __future__ import annotations

import functools
from typing import Any

from django.db import NotSupportedError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.utils.timezone import now

from apps.accounts.models import Organization
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet

# The image types an Asset may hold, detected from the bytes (never taken from the client).
ACCEPTED_CONTENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class AssetStatus(models.TextChoices):
    PENDING_UPLOAD = "pending_upload"
    READY = "ready"
    FAILED = "failed"


class AnyElementIContains(models.Lookup):
    """A JSON list of strings of which some element contains the text, in any case (ASCII
    letters only on SQLite, as `icontains` there): `AnyElementIContains(F("tags"), "logo")`.
    The elements are searched one by one, never the list's JSON text, so its quotes, commas
    and escapes never match."""

    lookup_name = "any_element_icontains"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        # Only the compiled column goes into the SQL text; the searched text is a parameter.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = f"%{connection.ops.prep_for_like_query(self.rhs)}%"
        if connection.vendor == "sqlite":
            sql = (
                f"EXISTS (SELECT 1 FROM json_each({lhs}) AS element"  # noqa: S608 - column only
                " WHERE element.type = 'text' AND element.value LIKE %s ESCAPE '\\')"
            )
            return sql, (*lhs_params, pattern)
        if connection.vendor == "postgresql":
            # A value that is not an array (never written by the actions) has no elements.
            elements = f"CASE WHEN jsonb_typeof({lhs}) = 'array' THEN {lhs} ELSE '[]' END"
            sql = (
                f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({elements}) AS element(value)"  # noqa: S608
                " WHERE UPPER(element.value) LIKE UPPER(%s))"
            )
            return sql, (*lhs_params, *lhs_params, pattern)
        raise NotSupportedError(f"{self.lookup_name} supports SQLite and PostgreSQL only")


class AssetQuerySet(OrgQuerySet["Asset"]):
    object_name = "Asset"

    def ready(self) -> AssetQuerySet:
        return self.filter(status=AssetStatus.READY)

    def search(self, text: str) -> AssetQuerySet:
        """Assets whose filename or one of whose tags contains `text`, in any case."""
        return self.filter(
            models.Q(filename__icontains=text)
            | models.Q(AnyElementIContains(models.F("tags"), text))
        )


class Asset(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "asset"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    # Declared by the client until finalize, then the type detected from the bytes.
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=AssetStatus.choices, default=AssetStatus.PENDING_UPLOAD
    )
    # Storage keys (in STORAGES["default"]) of the cleaned original and its thumbnail, set by
    # finalize; both are content-addressed, so a public URL can be cached forever.
    original_key = models.CharField(max_length=255, blank=True)
    thumbnail_key = models.CharField(max_length=255, blank=True)
    thumbnail_content_type = models.CharField(max_length=50, blank=True)
    # The nonce of the current local upload URL; empty once it is used (or with S3 uploads).
    upload_nonce = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = AssetQuerySet.as_manager()

    class Meta:
        indexes = [
            # Lists are keyset-paginated on (created_at, id) newest first, per Organization,
            # optionally by status.
            models.Index(
                fields=["organization", "-created_at", "-id"], name="asset_org_created_idx"
            ),
            models.Index(
                fields=["organization", "status", "-created_at", "-id"],
                name="asset_org_status_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def upload_key(self) -> str:
        """Where the client's raw bytes land before finalize inspects them."""
        return f"uploads/{self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == AssetStatus.READY
