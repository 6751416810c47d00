"""Brand Kits: an Organization's logos, colors, fonts, sender and footer defaults.

Colors, fonts, sender and footer are small JSON objects stored in their API shape (camelCase
keys, unset keys absent), so the API and `brand.*` in templates read them as they are.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.timezone import now

from apps.accounts.models import Organization
from apps.assets.models import Asset
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet

COLOR_NAMES = ("primary", "secondary", "accent", "background", "text")
FONT_NAMES = ("heading", "body")
# The fields of each nested object: Python name → the key it is stored under (the API's name).
KIT_GROUPS: dict[str, dict[str, str]] = {
    "colors": {name: name for name in COLOR_NAMES},
    "fonts": {name: name for name in FONT_NAMES},
    "sender": {"from_name": "fromName", "from_email": "fromEmail", "reply_to": "replyTo"},
    "footer": {"company_name": "companyName", "address": "address"},
}


class LogoRole(models.TextChoices):
    PRIMARY = "primary"
    ICON = "icon"
    DARK = "dark"


class BrandKitQuerySet(OrgQuerySet["BrandKit"]):
    object_name = "Brand Kit"
    lookup_prefetch_related = ("logos",)

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

    def list_logo(self) -> Asset | None:
        """The logo a list shows: the primary one, else the first, if its image is ready."""
        logos = sorted(self.logos.all(), key=lambda logo: logo.role != LogoRole.PRIMARY)
        return next((logo.asset for logo in logos if logo.asset.is_ready), None)


class BrandKitLogo(models.Model):
    """An Asset used as one of a kit's logos. Not PROTECT: deleting an Asset is refused by
    `apps.assets.references.asset_in_use` (see kit_uses_asset), which gives the API its 409
    `asset_in_use`."""

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


def kit_uses_asset(asset: Asset) -> bool:
    """Whether a Brand Kit has `asset` as a logo (registered with apps.assets.references)."""
    return BrandKitLogo.objects.filter(asset=asset).exists()


class ExtractionStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# A running job writes its progress at least once per fetch, and every fetch ends within the
# budget: past this silence its worker is gone (killed, redeployed) and it will never finish.
STALE_AFTER_SECONDS = 120
INTERRUPTED_ERROR = "The import was interrupted before it finished; start it again."


def interruption_silence() -> timedelta:
    """How long a running extraction may go without news before it counts as interrupted."""
    return timedelta(seconds=STALE_AFTER_SECONDS + settings.SEGMENTFLOW_EXTRACTION_BUDGET)


class BrandExtractionQuerySet(OrgQuerySet["BrandExtraction"]):
    object_name = "Extraction"

    def interrupted(self) -> BrandExtractionQuerySet:
        """Running, but silent for longer than a live job ever is (BrandExtraction.interrupted)."""
        return self.filter(
            status=ExtractionStatus.RUNNING, updated_at__lte=timezone.now() - interruption_silence()
        )


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

    objects = BrandExtractionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["brand_kit", "-created_at"], name="bkx_kit_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ExtractionStatus.SUCCEEDED, ExtractionStatus.FAILED)

    @property
    def interrupted(self) -> bool:
        """Whether its worker died while it ran: it is running, but silent for too long."""
        silent = timezone.now() - self.updated_at >= interruption_silence()
        return self.status == ExtractionStatus.RUNNING and silent

    def reported(self) -> BrandExtraction:
        """The extraction as the API and the dashboard show it: an interrupted one as failed
        since its last sign of life. In memory only; tasks.sweep_interrupted_extractions
        writes it."""
        if self.interrupted:
            self.status = ExtractionStatus.FAILED
            self.step = "Failed"
            self.error = INTERRUPTED_ERROR
            self.finished_at = self.updated_at
        return self
