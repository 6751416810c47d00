"""Templates: an Organization's Liquid email bodies with their purpose, and every version."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from apps.assets.models import Asset
from apps.brand_kits.models import BrandKit
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet

# The fields a version keeps: what a send renders, and what the dashboard can restore.
CONTENT_FIELDS = ("name", "subject", "preheader", "html", "text", "purpose", "category", "tags")


class Purpose(models.TextChoices):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class TemplateStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"


class TemplateQuerySet(OrgQuerySet["Template"]):
    object_name = "Template"
    lookup_select_related = ("organization", "brand_kit")


class Template(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "tmpl"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    subject = models.TextField()
    preheader = models.TextField(blank=True)
    html = models.TextField()
    text = models.TextField(blank=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Without a kit the Organization's default kit is used at render time.
    brand_kit = models.ForeignKey(
        BrandKit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.ACTIVE
    )
    merge_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        indexes = [
            # Lists are keyset-paginated on (created_at, id) newest first, per Organization,
            # usually filtered by status.
            models.Index(
                fields=["organization", "status", "-created_at", "-id"],
                name="tmpl_org_status_created_idx",
            ),
            models.Index(
                fields=["organization", "-created_at", "-id"], name="tmpl_org_created_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def template_uses_asset(asset: Asset) -> bool:
    """Whether a Template of the asset's Organization shows it (registered with
    apps.assets.references). A Template references an image by its URL, which holds the
    content-addressed key of the stored file: a search of the sources for that key."""
    if not asset.original_key:
        return False
    templates = Template.objects.for_org(asset.organization)
    return templates.filter(html__contains=asset.original_key).exists()


class TemplateVersion(models.Model):
    """The content of one version of a Template, as it was saved. Version 1 is the created
    template; every update that changes content adds the next one."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    subject = models.TextField()
    preheader = models.TextField(blank=True)
    html = models.TextField()
    text = models.TextField(blank=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    brand_kit_ref = models.CharField(max_length=40, blank=True)
    # Who saved it: a user's email, or "API key <name>".
    saved_by = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="tmplversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.version}"
