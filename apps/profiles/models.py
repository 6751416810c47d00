"""Profiles: the contacts of an Organization, their marketing subscription and suppression."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from segmentflow.ids import new_public_id

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


class ProfileQuerySet(models.QuerySet["Profile"]):
    def for_org(self, organization: Organization) -> ProfileQuerySet:
        return self.filter(organization=organization)

    def subscribed(self) -> ProfileQuerySet:
        return self.filter(subscription_status=SubscriptionStatus.SUBSCRIBED)

    def with_email(self, email: str) -> ProfileQuerySet:
        return self.filter(email=normalize_email(email))


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
            models.UniqueConstraint(fields=["organization", "email"], name="profile_email_per_org"),
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
