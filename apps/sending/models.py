"""Sending domains: the domains an Organization sends from, their DKIM keys and the state of
the DNS records that prove the Organization may send from them."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet
from segmentflow.schemas import format_timestamp


class CheckStatus(models.TextChoices):
    """The status of a domain and of each of its records (api-contract.md → Sending domains)."""

    NOT_STARTED = "not_started"
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    TEMPORARY_FAILURE = "temporary_failure"


class SendingDomainQuerySet(OrgQuerySet["SendingDomain"]):
    object_name = "sending domain"
    lookup_prefetch_related = ("dkim_keys",)

    def due_for_check(self) -> SendingDomainQuerySet:
        return self.filter(next_check_at__lte=now()).order_by("next_check_at")


class SendingDomain(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "dom"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # IDNA-normalised (xn--…), lower case, no trailing dot.
    domain = models.CharField(max_length=253)
    status = models.CharField(
        max_length=20, choices=CheckStatus.choices, default=CheckStatus.NOT_STARTED
    )
    # Each record's status and, when it is not right, what is wrong in words.
    spf_status = models.CharField(
        max_length=20, choices=CheckStatus.choices, default=CheckStatus.NOT_STARTED
    )
    spf_problem = models.TextField(blank=True)
    # The SPF record the domain already publishes, so the record to publish can merge into it.
    spf_found = models.TextField(blank=True)
    dmarc_status = models.CharField(
        max_length=20, choices=CheckStatus.choices, default=CheckStatus.NOT_STARTED
    )
    dmarc_problem = models.TextField(blank=True)
    # Checks in a row that found a record of a verified domain definitely gone or wrong: two
    # make the domain failed (one may be a DNS host's propagation hiccup).
    consecutive_misses = models.PositiveSmallIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = SendingDomainQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="domain_org_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="dom_org_created_idx"),
            models.Index(fields=["next_check_at"], name="dom_next_check_idx"),
        ]

    def __str__(self) -> str:
        return self.domain


class DkimKeyState(models.TextChoices):
    PENDING = "pending"  # a rotation's new key: shown to publish, not signing yet
    ACTIVE = "active"  # the key that signs
    RETIRING = "retiring"  # replaced; its record stays published until retire_after
    RETIRED = "retired"  # its private key is erased


class DkimKey(models.Model):
    """One DKIM key pair of a domain. The private key is stored encrypted (apps/sending/keys.py)
    and never leaves the server; the public key is what the DNS record publishes."""

    domain = models.ForeignKey(SendingDomain, on_delete=models.CASCADE, related_name="dkim_keys")
    selector = models.CharField(max_length=63)
    state = models.CharField(max_length=10, choices=DkimKeyState.choices)
    private_key = models.TextField(blank=True)
    public_key = models.TextField()  # base64 DER SubjectPublicKeyInfo, as `p=` publishes it
    key_bits = models.PositiveSmallIntegerField(default=2048)
    # Its DNS record's state at the last check.
    status = models.CharField(
        max_length=20, choices=CheckStatus.choices, default=CheckStatus.NOT_STARTED
    )
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retire_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "selector"], name="dkim_domain_selector"),
        ]

    def __str__(self) -> str:
        return f"{self.selector}._domainkey.{self.domain_id}"


class EmailStatus(models.TextChoices):
    """An EmailSend's status (api-contract.md → Emails)."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"


# What the delivery loop may claim, and what emails.cancel may still stop.
WAITING_STATUSES = (EmailStatus.SCHEDULED, EmailStatus.QUEUED)


def history_entry(status: str, at: datetime, detail: str) -> dict[str, Any]:
    """One `statusHistory` entry, as the API shows it."""
    return {"status": status, "at": format_timestamp(at), "detail": detail}


class EmailSendQuerySet(OrgQuerySet["EmailSend"]):
    object_name = "EmailSend"

    def due(self) -> EmailSendQuerySet:
        """Sends waiting whose time has come, oldest due first: what the delivery loop claims."""
        return self.filter(status__in=WAITING_STATUSES, due_at__lte=now()).order_by("due_at")

    def lease_expired(self) -> EmailSendQuerySet:
        return self.filter(status=EmailStatus.SENDING, lease_until__lt=now())


class EmailSend(models.Model):
    """One email to one recipient, and the queue of record of its delivery: the loop in
    apps/sending/delivery claims due rows with a lease, so a lost task or a killed worker loses
    nothing (architecture.md → Send)."""

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "es"),
        editable=False,
    )
    # Each send inserts a row: its foreign keys are indexed in the Meta only
    # (segmentflow/indexes.py); the organization by the composite indexes it leads.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Null for a dashboard test send to an address, and once the Profile is erased.
    profile = models.ForeignKey(
        "profiles.Profile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    template = models.ForeignKey(
        "email_templates.Template",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    template_version = models.PositiveIntegerField()
    brand_kit = models.ForeignKey(
        "brand_kits.BrandKit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    journey_id = models.CharField(max_length=40, blank=True)
    # Transactional or marketing, as the template version was when the send was accepted.
    purpose = models.CharField(max_length=16)
    to_email = models.CharField(max_length=254)
    to_name = models.CharField(max_length=401, blank=True)
    from_address = models.CharField(max_length=500)
    reply_to = models.CharField(max_length=500, blank=True)
    subject = models.TextField(blank=True)
    # The given `subject` override (plain text), else empty: the template's subject renders.
    subject_override = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # The triggering event of the Journey run that sent it (`event` in the template).
    event_context = models.JSONField(null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    # A dashboard test send: to any address, with the editor's sample Profile fields.
    is_test = models.BooleanField(default=False)
    test_profile = models.JSONField(null=True, blank=True)
    sandbox = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=EmailStatus.choices)
    status_history = models.JSONField(default=list)
    # The Message-ID header (without <>), and what the mailer answered for it (an SMTP
    # "queued as" reply or an ESP's id): webhooks find the send by the latter.
    message_id = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # When the loop may claim it (scheduled time, next retry); a claim's lease runs until
    # lease_until, and only the claim holding lease_token may record the outcome.
    due_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The content (data, the stored message) of older sends is dropped after the retention
    # period (SEGMENTFLOW_EMAIL_RETENTION_DAYS); their status stays.
    content_dropped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = EmailSendQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="es_org_created_idx"),
            models.Index(
                fields=["organization", "status", "-created_at", "-id"], name="es_org_status_idx"
            ),
            models.Index(
                fields=["organization", "profile", "-created_at", "-id"], name="es_org_profile_idx"
            ),
            # The dashboard's recipient search is an address prefix.
            models.Index(fields=["organization", "to_email"], name="es_org_to_idx"),
            models.Index(
                fields=["organization", "template", "-created_at", "-id"],
                name="es_org_template_idx",
            ),
            models.Index(
                fields=["organization", "journey_id", "-created_at", "-id"],
                name="es_org_journey_idx",
                condition=~models.Q(journey_id=""),
            ),
            # The loop's claim and the sweeper's scan touch only unfinished rows.
            models.Index(
                fields=["due_at"],
                name="es_due_idx",
                condition=models.Q(status__in=["scheduled", "queued"]),
            ),
            models.Index(
                fields=["lease_until"], name="es_lease_idx", condition=models.Q(status="sending")
            ),
            models.Index(
                fields=["provider_message_id"],
                name="es_provider_id_idx",
                condition=~models.Q(provider_message_id=""),
            ),
            models.Index(
                fields=["created_at"],
                name="es_retention_idx",
                condition=models.Q(content_dropped_at__isnull=True),
            ),
            # What deleting a Profile, Template or Brand Kit sets to NULL.
            models.Index(
                fields=["profile"], condition=models.Q(profile__isnull=False), name="es_profile_idx"
            ),
            models.Index(
                fields=["template"],
                condition=models.Q(template__isnull=False),
                name="es_template_idx",
            ),
            models.Index(
                fields=["brand_kit"],
                condition=models.Q(brand_kit__isnull=False),
                name="es_brand_kit_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} to {self.to_email}"

    @property
    def is_marketing(self) -> bool:
        return self.purpose == "marketing"

    def history_with(self, status: str, at: datetime, detail: str) -> list[dict[str, Any]]:
        """`status_history` with one more entry (to assign, then save)."""
        return [*self.status_history, history_entry(status, at, detail)]


class SentMessage(models.Model):
    """The MIME message of an EmailSend as it was handed to the mailer (the outbox keeps only
    this), until the retention period drops it."""

    email_send = models.OneToOneField(
        EmailSend, primary_key=True, on_delete=models.CASCADE, related_name="sent_message"
    )
    mime = models.TextField()
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"message of {self.email_send_id}"
