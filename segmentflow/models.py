"""Models of the API plumbing shared by every app: idempotency records and rate-limit buckets."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one Organization: the request fingerprint, then its response."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.BinaryField(null=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_per_org"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class RateLimitBucket(models.Model):
    """Token bucket of one API key, updated by a single upsert per request (see ratelimit.py)."""

    api_key = models.OneToOneField("accounts.ApiKey", on_delete=models.CASCADE, primary_key=True)
    tokens = models.FloatField()
    refilled_at = models.FloatField(help_text="Unix time of the last refill, in seconds.")
    allowed = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.api_key_id}: {self.tokens:.1f}"
