"""Profiles: the contacts of an Organization, their marketing subscription and suppression."""

from __future__ import annotations

import functools

from django.db import models
from django.db.models.functions import Concat
from django.utils.timezone import now

from apps.accounts.models import Organization
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet

MAX_ATTRIBUTES_BYTES = 64 * 1024


class SubscriptionStatus(models.TextChoices):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class SubscriptionSource(models.TextChoices):
    API = "api"
    DASHBOARD = "dashboard"
    IMPORT = "import"
    UNSUBSCRIBE_LINK = "unsubscribe_link"
    COMPLAINT = "complaint"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    MANUAL = "manual"


class ProfileQuerySet(OrgQuerySet["Profile"]):
    object_name = "Profile"

    def with_email(self, email: str) -> ProfileQuerySet:
        return self.filter(email=normalize_email(email))

    def search(self, query: str) -> ProfileQuerySet:
        """Profiles whose email starts with `query`, or whose name contains it.

        A query with an "@" matches emails only, through the (organization, email) index;
        a name has no index, so a name search walks the newest Profiles until a page is full.
        """
        query = query.strip()
        email = normalize_email(query)
        if is_email_search(query):
            return self.filter(email_prefix(email))
        # No index helps an OR with the name, so the email part stays a plain LIKE here: the
        # planner then walks the newest Profiles and stops at a page of matches.
        full_name = Concat("first_name", models.Value(" "), "last_name")
        return self.alias(full_name=full_name).filter(
            models.Q(email__startswith=email) | models.Q(full_name__icontains=query)
        )


def is_email_search(query: str) -> bool:
    return "@" in query


def email_prefix(prefix: str) -> models.Q:
    """Emails starting with `prefix`, as a range that the (organization, email) index serves.

    PostgreSQL uses no index for LIKE 'prefix%' unless the collation is "C"; it does for the
    range, which in code-point order (SQLite; PostgreSQL's C and C.UTF-8) holds exactly the
    emails with the prefix. A linguistic collation (en_US…) orders punctuation differently and
    would need a varchar_pattern_ops index and a plain `startswith` instead.
    """
    matches = models.Q(email__startswith=prefix, email__gte=prefix)
    following = ord(prefix[-1]) + 1 if prefix else 0
    if prefix and following <= 0x10FFFF and not 0xD800 <= following <= 0xDFFF:
        matches &= models.Q(email__lt=prefix[:-1] + chr(following))
    return matches


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: stored trimmed and lower-cased."""
    return email.strip().lower()


class Profile(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "prof"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254)
    external_id = models.CharField(max_length=255, blank=True)
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    locale = models.CharField(max_length=35, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    subscription_status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.SUBSCRIBED
    )
    subscription_updated_at = models.DateTimeField(default=now)
    subscription_source = models.CharField(
        max_length=20, choices=SubscriptionSource.choices, default=SubscriptionSource.API
    )
    # Empty when the Profile is not suppressed.
    suppressed_reason = models.CharField(
        max_length=16, choices=SuppressionReason.choices, blank=True
    )
    suppressed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        constraints = [
            # A Profile an event created from its externalId alone has no email (yet).
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=~models.Q(email=""),
                name="profile_email_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="profile_external_id_per_org",
            ),
        ]
        indexes = [
            # Every list is keyset-paginated on (created_at, id) newest first, per Organization,
            # optionally filtered by subscription status or updatedSince.
            models.Index(
                fields=["organization", "-created_at", "-id"], name="profile_org_created_idx"
            ),
            models.Index(
                fields=["organization", "subscription_status", "-created_at", "-id"],
                name="profile_org_status_idx",
            ),
            models.Index(fields=["organization", "updated_at"], name="profile_org_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.email


class SubscriptionChange(models.Model):
    """One change of a Profile's marketing subscription: the history shown in the dashboard."""

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="subscription_changes"
    )
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices)
    source = models.CharField(max_length=20, choices=SubscriptionSource.choices)
    at = models.DateTimeField(default=now)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["profile", "-at"], name="subscription_change_idx")]

    def __str__(self) -> str:
        return f"{self.status} via {self.source}"


class ProfileErasure(models.Model):
    """What remains of a deleted Profile: no personal data, only that one was erased and when."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    erased_at = models.DateTimeField(default=now)
    subscription_changes = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"erasure {self.pk} of {self.organization_id}"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ExistingProfiles(models.TextChoices):
    UPDATE = "update", "Update them with the values in the file"
    SKIP = "skip", "Skip them: leave existing Profiles unchanged"


class ProfileImportQuerySet(OrgQuerySet["ProfileImport"]):
    object_name = "import"


class ProfileImport(models.Model):
    """A CSV file of Profiles, its column mapping and how far its import got.

    `cursor` counts the data records already applied; it is written in the same transaction as
    the batch it covers, so a rerun resumes exactly after the last committed batch.
    """

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "pimp"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # The uploaded file in the default storage; empty once the import is over and it is deleted.
    file_path = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    columns = models.JSONField(default=list)
    # A few data rows for the mapping page; cleared when the import ends.
    sample_rows = models.JSONField(default=list, blank=True)
    # One entry per column: {"field": "email" | "first_name" | … | "attribute" | "ignore",
    # "attribute": name}.
    mapping = models.JSONField(default=list, blank=True)
    existing = models.CharField(
        max_length=8, choices=ExistingProfiles.choices, default=ExistingProfiles.UPDATE
    )
    # Empty: new Profiles are subscribed and existing ones keep their subscription.
    subscription_status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, blank=True
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(default=0)
    cursor = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written with every batch: a running import whose heartbeat is old has stalled.
    updated_at = models.DateTimeField(default=now)

    objects = ProfileImportQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "-created_at"], name="profile_import_org_created_idx"
            )
        ]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.file_name}"

    @property
    def rows_processed(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_skipped + self.rows_rejected

    @property
    def percent_done(self) -> int:
        if self.status == ImportStatus.FINISHED:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.rows_processed * 100 // self.total_rows)

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ProfileImportRejection(models.Model):
    """A row of an import that was not applied, with why, and its cells for the CSV download."""

    profile_import = models.ForeignKey(
        ProfileImport, on_delete=models.CASCADE, related_name="rejections"
    )
    # The row as a spreadsheet numbers it: the header is row 1.
    row_number = models.PositiveIntegerField()
    email = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=300)
    cells = models.JSONField(default=list)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile_import", "row_number"], name="profile_import_rejection_row"
            )
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
