"""Brand Kits: an Organization's logos, colors, fonts, sender and footer defaults.

Colors, fonts, sender and footer are small JSON objects stored in their API shape (camelCase
keys, unset keys absent), so the API and `brand.*` in templates read them as they are.
"""

from __future__ import annotations

import functools

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from apps.assets.models import Asset
from segmentflow.ids import new_public_id

COLOR_NAMES = ("primary", "secondary", "accent", "background", "text")
FONT_NAMES = ("heading", "body")
SENDER_FIELDS = ("fromName", "fromEmail", "replyTo")
FOOTER_FIELDS = ("companyName", "address")


class LogoRole(models.TextChoices):
    PRIMARY = "primary"
    ICON = "icon"
    DARK = "dark"


class BrandKitQuerySet(models.QuerySet["BrandKit"]):
    def for_org(self, organization: Organization) -> BrandKitQuerySet:
        return self.filter(organization=organization)

    def default(self) -> BrandKitQuerySet:
        return self.filter(is_default=True)


class BrandKit(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "bk"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    # Exactly one per Organization once it has a kit: the actions keep it so, the constraint
    # makes a second one impossible.
    is_default = models.BooleanField(default=False)
    website_url = models.CharField(max_length=2000, blank=True)
    colors = models.JSONField(default=dict, blank=True)
    fonts = models.JSONField(default=dict, blank=True)
    sender = models.JSONField(default=dict, blank=True)
    footer = models.JSONField(default=dict, blank=True)
    social_links = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = BrandKitQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="brandkit_one_default_per_org",
            )
        ]
        indexes = [
            # Lists are keyset-paginated on (created_at, id) newest first, per Organization.
            models.Index(fields=["organization", "-created_at", "-id"], name="bk_org_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class BrandKitLogo(models.Model):
    """An Asset used as one of a kit's logos. Not PROTECT: deleting an Asset is refused by
    `apps.assets.references.asset_in_use`, which gives the API its 409 `asset_in_use`."""

    brand_kit = models.ForeignKey(BrandKit, on_delete=models.CASCADE, related_name="logos")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=LogoRole.choices)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["brand_kit", "position"], name="bklogo_kit_position"),
            models.UniqueConstraint(fields=["brand_kit", "role"], name="bklogo_kit_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role} logo of {self.brand_kit_id}"


class ExtractionStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BrandExtraction(models.Model):
    """One import of a brand from a website into a Brand Kit, run by a background task.

    `result` is the proposal in the API shape (`name`, `logos` as `[{assetId, role}]`, `colors`,
    `fonts`, `socialLinks`, plus what was found but not used); with `apply` it is written into
    the kit when the job succeeds, otherwise it waits for review.
    """

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "bkx"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    brand_kit = models.ForeignKey(BrandKit, on_delete=models.CASCADE, related_name="extractions")
    url = models.CharField(max_length=2000)
    apply = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=ExtractionStatus.choices, default=ExtractionStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["brand_kit", "-created_at"], name="bkx_kit_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ExtractionStatus.SUCCEEDED, ExtractionStatus.FAILED)
