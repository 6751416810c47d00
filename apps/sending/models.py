"""Sending domains: the domains an Organization sends from, their DKIM keys and the state of
the DNS records that prove the Organization may send from them."""

from __future__ import annotations

import functools

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet


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
