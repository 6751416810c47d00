"""The delivery loop: EmailSend rows are the queue of record (architecture.md → Send).

A round claims due sends in a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write
lock serialises claims) and leases them to itself; each send is rendered from its template
version, signed and handed to the mailer over one connection per batch, and its outcome is
written only by the claim that still holds the lease (`lease_token`). A sweeper gives expired
leases (a killed worker) back to the queue, so a lost task or process loses nothing; a message
the server took just before the kill is sent again with the same Message-ID and
X-SegmentFlow-Send-Id, which makes the duplicate recognisable.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.brand_kits.context import brand_context_for
from apps.brand_kits.models import BrandKit
from apps.email_templates.actions import render_template
from apps.email_templates.models import TemplateVersion
from apps.profiles.actions import suppress_profile
from apps.profiles.models import SubscriptionStatus, SuppressionReason
from segmentflow.errors import ActionError
from segmentflow.leased_queue import drain
from segmentflow.schemas import format_timestamp

from ..models import (
    WAITING_STATUSES,
    DkimKey,
    DkimKeyState,
    EmailSend,
    EmailStatus,
    SentMessage,
)
from .messages import build_message, from_domain, message_id_for
from .transports import Outcome, Transport, open_transport

logger = logging.getLogger(__name__)
# At most this share of the lease may pass before the rest of a batch is leased again.
RENEW_AT = 0.5


def _lease() -> timedelta:
    return timedelta(seconds=settings.SEGMENTFLOW_DELIVERY_LEASE_SECONDS)


def claim_batch(size: int | None = None) -> list[EmailSend]:
    """Lease up to `size` due sends to this caller; each comes back `sending`, attempt counted."""
    size = size or settings.SEGMENTFLOW_DELIVERY_BATCH_SIZE
    token = secrets.token_hex(16)
    with transaction.atomic():
        now = timezone.now()
        due = EmailSend.objects.due().select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        EmailSend.objects.filter(pk__in=ids, status__in=WAITING_STATUSES).update(
            status=EmailStatus.SENDING,
            lease_until=now + _lease(),
            lease_token=token,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(
        EmailSend.objects.filter(pk__in=ids, lease_token=token)
        .select_related("organization", "profile", "template", "brand_kit")
        .order_by("due_at")
    )


def return_expired_leases(limit: int = 500) -> int:
    """Give sends whose lease ran out (their worker was killed) back to the queue, or fail
    them once they used every attempt."""
    returned = 0
    with transaction.atomic():
        now = timezone.now()
        expired = list(
            EmailSend.objects.lease_expired().select_for_update(skip_locked=True)[:limit]
        )
        for email_send in expired:
            out_of_attempts = email_send.attempts >= settings.SEGMENTFLOW_DELIVERY_MAX_ATTEMPTS
            status = EmailStatus.FAILED if out_of_attempts else EmailStatus.QUEUED
            detail = f"attempt {email_send.attempts}: its worker stopped before it finished" + (
                "; no attempts left" if out_of_attempts else "; queued again"
            )
            email_send.status = status
            email_send.due_at = None if out_of_attempts else now
            email_send.lease_until = None
            email_send.lease_token = ""
            email_send.status_history = email_send.history_with(status, now, detail)
            email_send.updated_at = now
            email_send.save(
                update_fields=[
                    "status",
                    "due_at",
                    "lease_until",
                    "lease_token",
                    "status_history",
                    "updated_at",
                ]
            )
            returned += 1
    if returned:
        logger.warning("Returned %d email send(s) whose lease expired", returned)
    return returned


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with jitter: RETRY_BASE seconds after the first attempt, doubling,
    each ±20 % so that sends refused together do not come back together."""
    base = settings.SEGMENTFLOW_DELIVERY_RETRY_BASE * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not secrecy


class _BatchLookups:
    """What the sends of one batch share: template versions, brands, DKIM keys."""

    def __init__(self) -> None:
        self._versions: dict[tuple[str, int], TemplateVersion] = {}
        self._brands: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._keys: dict[tuple[str, str], DkimKey | None] = {}

    def version(self, email_send: EmailSend) -> TemplateVersion:
        key = (str(email_send.template_id), email_send.template_version)
        if key not in self._versions:
            self._versions[key] = TemplateVersion.objects.get(
                template_id=email_send.template_id, version=email_send.template_version
            )
        return self._versions[key]

    def brand(self, email_send: EmailSend) -> dict[str, Any]:
        template = email_send.template
        kit_id = email_send.brand_kit_id or (template.brand_kit_id if template else None)
        key = (email_send.organization_id, kit_id)
        if key not in self._brands:
            organization = email_send.organization
            kit = (
                BrandKit.objects.for_org(organization).filter(pk=kit_id).first() if kit_id else None
            )
            self._brands[key] = brand_context_for(organization, kit)
        return self._brands[key]

    def dkim_key(self, email_send: EmailSend) -> DkimKey | None:
        """The From domain's signing key, if the Organization has the domain."""
        domain = from_domain(email_send)
        key = (email_send.organization_id, domain)
        if key not in self._keys:
            self._keys[key] = (
                DkimKey.objects.filter(
                    domain__organization_id=email_send.organization_id,
                    domain__domain=domain,
                    state=DkimKeyState.ACTIVE,
                )
                .select_related("domain")
                .first()
            )
        return self._keys[key]


@dataclass
class BatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    suppressed: int = 0
    lost_lease: int = 0


def _refusal(email_send: EmailSend) -> str | None:
    """Why a send accepted earlier must not go out now (the Profile changed meanwhile)."""
    if email_send.is_test:
        return None
    profile = email_send.profile
    if profile is None:
        return "the Profile was deleted"
    if profile.suppressed_reason:
        return f"the Profile is suppressed ({profile.suppressed_reason})"
    if email_send.is_marketing and profile.subscription_status == SubscriptionStatus.UNSUBSCRIBED:
        return "the Profile is unsubscribed from marketing mail"
    return None


def _finish(
    email_send: EmailSend,
    status: str,
    detail: str,
    now: datetime,
    *,
    due_at: datetime | None = None,
    write: Callable[[], None] | None = None,
    **fields: Any,
) -> bool:
    """Write the outcome of this claim; False when the lease was lost meanwhile (the sweeper
    gave the send to another claim), in which case nothing is written."""
    history = email_send.history_with(status, now, detail)
    with transaction.atomic():
        updated = EmailSend.objects.filter(
            pk=email_send.pk, lease_token=email_send.lease_token, status=EmailStatus.SENDING
        ).update(
            status=status,
            status_history=history,
            due_at=due_at,
            lease_until=None,
            lease_token="",
            updated_at=now,
            **fields,
        )
        if updated and write is not None:
            write()
    return bool(updated)


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """On PostgreSQL, the loop's commits do not wait for the WAL flush (~2 ms here, most of a
    send's database time). Should the database server itself crash, the outcomes of its last
    moment are lost: those sends stay `sending`, their lease runs out, and they go again with
    the same Message-ID. No email is lost; a few may be sent twice. A worker's crash is not
    affected: what it committed is committed."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliver_one(
    transport: Transport, email_send: EmailSend, lookups: _BatchLookups, result: BatchResult
) -> None:
    now = timezone.now()
    refusal = _refusal(email_send)
    if refusal:
        _record(result, "suppressed", _finish(email_send, EmailStatus.SUPPRESSED, refusal, now))
        return
    try:
        rendered = render_template(
            email_send.template,  # type: ignore[arg-type]
            profile=email_send.profile,
            profile_data=email_send.test_profile,
            data=email_send.data,
            version=lookups.version(email_send),
            brand=lookups.brand(email_send),
            event=email_send.event_context,
        )
    except ActionError as error:
        detail = f"the template no longer renders with this send's data: {error}"
        _record(result, "failed", _finish(email_send, EmailStatus.FAILED, detail, now))
        return
    outgoing = build_message(
        email_send,
        rendered,
        at=now,
        dkim_key=lookups.dkim_key(email_send) if transport.signs else None,
    )
    outcome = transport.send(outgoing)
    now = timezone.now()
    if outcome.ok:
        mime = outgoing.mime.decode("ascii", errors="replace")

        def store() -> None:
            SentMessage.objects.create(email_send_id=email_send.pk, mime=mime, created_at=now)

        written = _finish(
            email_send,
            EmailStatus.SENT,
            outcome.detail,
            now,
            write=store,
            subject=rendered.subject if not email_send.subject_override else email_send.subject,
            message_id=message_id_for(email_send),
            provider_message_id=outcome.provider_message_id,
            sent_at=now,
        )
        _record(result, "sent", written)
        return
    _record_failure(email_send, outcome, now, result)


def _record_failure(
    email_send: EmailSend, outcome: Outcome, now: datetime, result: BatchResult
) -> None:
    attempt = email_send.attempts
    if not outcome.permanent and attempt < settings.SEGMENTFLOW_DELIVERY_MAX_ATTEMPTS:
        due_at = now + retry_delay(attempt)
        detail = f"attempt {attempt}: {outcome.detail}; retrying at {format_timestamp(due_at)}"
        _record(
            result,
            "retrying",
            _finish(email_send, EmailStatus.QUEUED, detail, now, due_at=due_at),
        )
        return
    why = "permanent failure" if outcome.permanent else "no attempts left"
    detail = f"attempt {attempt}: {outcome.detail} ({why})"
    profile = email_send.profile
    bounce = outcome.hard_bounce and profile is not None and not email_send.is_test

    def suppress() -> None:
        suppress_profile(profile, SuppressionReason.HARD_BOUNCE)  # type: ignore[arg-type]

    written = _finish(
        email_send, EmailStatus.FAILED, detail, now, write=suppress if bounce else None
    )
    _record(result, "failed", written)


def _record(result: BatchResult, counter: str, written: bool) -> None:
    if not written:
        result.lost_lease += 1
        return
    setattr(result, counter, getattr(result, counter) + 1)


def _renew(batch: list[EmailSend]) -> None:
    lease_until = timezone.now() + _lease()
    for email_send in batch:
        EmailSend.objects.filter(
            pk=email_send.pk, lease_token=email_send.lease_token, status=EmailStatus.SENDING
        ).update(lease_until=lease_until)
        email_send.lease_until = lease_until


def deliver_batch(batch: list[EmailSend]) -> BatchResult:
    """Deliver a claimed batch over one mailer connection."""
    result = BatchResult()
    lookups = _BatchLookups()
    renew_after = time.monotonic() + _lease().total_seconds() * RENEW_AT
    with open_transport() as transport:
        for index, email_send in enumerate(batch):
            if time.monotonic() > renew_after:
                _renew(batch[index:])
                renew_after = time.monotonic() + _lease().total_seconds() * RENEW_AT
            try:
                deliver_one(transport, email_send, lookups, result)
            except Exception:
                # A bug for this one send must not hold the others: its lease runs out and
                # it is retried, then failed after the last attempt.
                logger.exception("Delivering %s failed", email_send.pk)
    return result


def deliver_due(
    *, max_seconds: float = 20.0, idle_seconds: float = 4.0, batch_size: int | None = None
) -> tuple[BatchResult, bool]:
    """Claim and deliver batches until nothing was due for `idle_seconds` (0: stop at the
    first empty claim) or `max_seconds` passed; returns the totals and whether it stopped with
    work possibly left."""
    with _commits_without_waiting_for_disk():
        return _deliver_due(max_seconds, idle_seconds, batch_size)


def _deliver_due(
    max_seconds: float, idle_seconds: float, batch_size: int | None
) -> tuple[BatchResult, bool]:
    totals = BatchResult()

    def work(batch: list[EmailSend]) -> None:
        result = deliver_batch(batch)
        for name in ("sent", "retrying", "failed", "suppressed", "lost_lease"):
            setattr(totals, name, getattr(totals, name) + getattr(result, name))

    more = drain(
        claim=lambda: claim_batch(batch_size),
        work=work,
        sweep=return_expired_leases,
        max_seconds=max_seconds,
        idle_seconds=idle_seconds,
    )
    return totals, more


def drop_old_content(limit: int = 1000) -> int:
    """Drop the stored content (data, test sample, message) of sends older than the retention
    period; their status and history stay. One chunk per call."""
    cutoff = timezone.now() - timedelta(days=settings.SEGMENTFLOW_EMAIL_RETENTION_DAYS)
    ids = list(
        EmailSend.objects.filter(content_dropped_at__isnull=True, created_at__lt=cutoff)
        .exclude(status__in=[*WAITING_STATUSES, EmailStatus.SENDING])
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    with transaction.atomic():
        SentMessage.objects.filter(email_send_id__in=ids).delete()
        EmailSend.objects.filter(pk__in=ids).update(
            data={}, test_profile=None, event_context=None, content_dropped_at=timezone.now()
        )
    return len(ids)
