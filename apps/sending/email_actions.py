"""Accepting email sends, shared by the API (emails.send, emails.batchSend, emails.cancel) and
the dashboard's test send (architecture.md → Send).

A send is checked in the order the contract gives and answered now rather than as a failed
status later: the recipient, the Template (active), the merge data (it renders), the From (on a
verified sending domain, unless the outbox delivers nowhere). It is then stored `queued` (or
`scheduled`) with the template version and the data; the delivery loop does the rest. A
suppressed Profile, or an unsubscribed one for marketing mail, is accepted and stored
`suppressed`: nothing goes out.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.models import Organization
from apps.brand_kits.models import BrandKit
from apps.email_templates.actions import render_template
from apps.email_templates.lookups import template_and_kit
from apps.email_templates.models import Template, TemplateStatus
from apps.profiles.actions import clean_email, clean_fields, save_new_profiles
from apps.profiles.lookups import profiles_by_id
from apps.profiles.models import Profile, SubscriptionStatus
from segmentflow import rows
from segmentflow.errors import ActionError, invalid
from segmentflow.schemas import format_timestamp

from .models import (
    WAITING_STATUSES,
    EmailSend,
    EmailStatus,
    history_entry,
)
from .send_context import SendContext, SendRequest
from .tasks import wake

MAX_BATCH = 100
MAX_SCHEDULE_AHEAD = timedelta(days=30)
MAX_TAGS = 20
MAX_TAG_LENGTH = 256


def parse_address(value: str, path: str) -> tuple[str, str]:
    """`"Ada <ada@example.com>"` or `ada@example.com` → (name, address), the address checked
    as a Profile email is; anything else is `validation_failed` naming `path`."""
    if not isinstance(value, str) or not value.strip():
        raise invalid(path, "field required")
    if any(ch in value for ch in "\r\n\x00"):
        raise invalid(path, "must be one line")
    name, address = email.utils.parseaddr(value.strip(), strict=True)
    if not address or "@" not in address:
        raise invalid(path, 'an address such as "Acme <hello@acme.com>" or hello@acme.com')
    try:
        address = clean_email(address)
    except ActionError:
        raise invalid(path, f"{address!r} is not a valid email address") from None
    return name.strip(), address


def format_address(name: str, address: str) -> str:
    return email.utils.formataddr((name, address)) if name else address


def _clean_tags(tags: Any) -> dict[str, str]:
    if not isinstance(tags, dict):
        raise invalid("tags", "an object of string values")
    if len(tags) > MAX_TAGS:
        raise invalid("tags", f"at most {MAX_TAGS} tags")
    for key, value in tags.items():
        if not isinstance(value, str) or not key or len(key) > MAX_TAG_LENGTH:
            raise invalid(f"tags.{key}", "tag names are 1-256 characters, values strings")
        if len(value) > MAX_TAG_LENGTH:
            raise invalid(f"tags.{key}", f"at most {MAX_TAG_LENGTH} characters")
    return dict(tags)


@dataclass
class Recipient:
    """A send's Profile, unsaved when `to` names a new address (it is created only if the
    whole send is accepted), and the names `to` changes on an existing one."""

    profile: Profile
    changed: dict[str, str] = field(default_factory=dict)


def _recipient(context: SendContext, send: SendRequest) -> Recipient:
    if (send.profile_id is None) == (send.to is None):
        raise invalid("profile_id", "give exactly one of profileId or to")
    if send.profile_id is not None:
        profile = context.profile(send.profile_id)
        if profile is None:
            raise ActionError("not_found", "profile_id", "no such Profile in this Organization")
        if not profile.email:
            raise invalid("profile_id", "the Profile has no email address")
        return Recipient(profile)
    to = send.to or {}
    if not to.get("email"):
        raise invalid("to.email", "field required")
    names = {key: to[key] for key in ("first_name", "last_name") if to.get(key) is not None}
    try:
        values = clean_fields({"email": to["email"], **names})
    except ActionError as error:
        raise invalid(f"to.{error.field}", error.message) from None
    existing = context.profile_with_email(values["email"])
    if existing is None:
        new = Profile(organization=context.organization, **values)
        return Recipient(new, {name: values[name] for name in names})
    changed = {name: values[name] for name in names if values[name] != getattr(existing, name)}
    for name, value in changed.items():
        setattr(existing, name, value)
    return Recipient(existing, changed)


def _template(context: SendContext, template_id: str) -> Template:
    template = context.template(template_id)
    if template is None:
        raise ActionError("not_found", "template_id", "no such Template in this Organization")
    if template.status == TemplateStatus.ARCHIVED:
        raise ActionError(
            "template_archived", "template_id", "the Template is archived: unarchive it to send"
        )
    return template


def _kit(context: SendContext, send: SendRequest, template: Template) -> BrandKit | None:
    if send.brand_kit_id:
        kit = context.kit(send.brand_kit_id)
        if kit is None:
            raise ActionError("not_found", "brand_kit_id", "no such Brand Kit in this Organization")
        return kit
    return template.brand_kit or context.default_kit()


def _sender(context: SendContext, send: SendRequest, kit: BrandKit | None) -> tuple[str, str]:
    """(From, Reply-To) as header values: given, else the kit's sender; the From must be on a
    verified sending domain of the Organization unless the outbox delivers nowhere."""
    sender = kit.sender if kit else {}
    if send.from_address:
        name, address = parse_address(send.from_address, "from")
    elif sender.get("fromEmail"):
        name, address = parse_address(
            format_address(sender.get("fromName") or "", sender["fromEmail"]), "from"
        )
    else:
        raise invalid("from", "no From: give one, or set the sender of the Brand Kit")
    domain = address.rpartition("@")[2]
    if not context.sandbox and not context.domain_is_verified(domain):
        raise ActionError(
            "domain_not_verified",
            "from",
            f"{domain} is not a verified sending domain of this Organization: add and verify it "
            "under Settings → Sending domains",
        )
    reply_to = ""
    if send.reply_to:
        reply_to = format_address(*parse_address(send.reply_to, "reply_to"))
    elif sender.get("replyTo"):
        reply_to = sender["replyTo"]
    return format_address(name, address), reply_to


def _scheduled(context: SendContext, at: datetime | None) -> datetime | None:
    if at is None:
        return None
    if at.tzinfo is None:
        raise invalid("scheduled_at", "a time with its offset, e.g. 2026-12-24T09:00:00Z")
    if at > context.now + MAX_SCHEDULE_AHEAD:
        raise invalid("scheduled_at", "at most 30 days ahead")
    # A time already past (or a clock a little behind) sends now.
    return at if at > context.now else None


def _suppression(profile: Profile, marketing: bool) -> str | None:
    if profile.suppressed_reason:
        return f"suppressed: the Profile is suppressed ({profile.suppressed_reason})"
    if marketing and profile.subscription_status == SubscriptionStatus.UNSUBSCRIBED:
        return "suppressed: the Profile is unsubscribed from marketing mail"
    return None


def prepare_send(context: SendContext, send: SendRequest) -> tuple[EmailSend, Recipient]:
    """The EmailSend `send` makes, unsaved, and its recipient; raises ActionError for the
    first check that fails."""
    recipient = _recipient(context, send)
    profile = recipient.profile
    template = _template(context, send.template_id)
    kit = _kit(context, send, template)
    rendered = render_template(
        template, profile=profile, data=send.data, brand=context.brand(kit), event=send.event
    )
    from_address, reply_to = _sender(context, send, kit)
    tags = _clean_tags(send.tags)
    subject = " ".join((send.subject or "").split())
    scheduled_at = _scheduled(context, send.scheduled_at)
    now = context.now
    email_send = EmailSend(
        organization=context.organization,
        profile=profile,
        template=template,
        template_version=template.version,
        brand_kit=kit if send.brand_kit_id else None,
        journey_id=send.journey_id,
        purpose=template.purpose,
        to_email=profile.email,
        to_name=" ".join(filter(None, [profile.first_name, profile.last_name])),
        from_address=from_address,
        reply_to=reply_to,
        subject=subject or rendered.subject,
        subject_override=subject,
        data=send.data,
        event_context=send.event,
        tags=tags,
        sandbox=context.sandbox,
        scheduled_at=scheduled_at,
        due_at=scheduled_at or now,
        created_at=now,
        updated_at=now,
    )
    refused = _suppression(profile, template.purpose == "marketing")
    if refused:
        email_send.status = EmailStatus.SUPPRESSED
        email_send.due_at = None
        email_send.status_history = [history_entry(EmailStatus.SUPPRESSED, now, refused)]
    elif scheduled_at:
        email_send.status = EmailStatus.SCHEDULED
        email_send.status_history = [
            history_entry(
                EmailStatus.SCHEDULED, now, f"accepted, to send at {format_timestamp(scheduled_at)}"
            )
        ]
    else:
        email_send.status = EmailStatus.QUEUED
        email_send.status_history = [history_entry(EmailStatus.QUEUED, now, "accepted")]
    return email_send, recipient


def _save_recipients(organization: Organization, recipients: list[Recipient]) -> None:
    """Create the new Profiles (`to` upserts) and write the names `to` changed."""
    new = [recipient for recipient in recipients if recipient.profile._state.adding]
    if new:
        saved = save_new_profiles(organization, [recipient.profile for recipient in new])
        for recipient in new:
            recipient.profile = saved[recipient.profile.email]
    for recipient in recipients:
        if recipient.changed and recipient not in new:
            recipient.profile.updated_at = timezone.now()
            recipient.profile.save(update_fields=[*recipient.changed, "updated_at"])


def send_email(organization: Organization, send: SendRequest) -> EmailSend:
    """emails.send: check, store, and wake the delivery loop."""
    context = SendContext(organization)
    context.prefetch_send(send)
    email_send, recipient = prepare_send(context, send)
    if recipient.profile._state.adding or recipient.changed:
        with transaction.atomic():
            _save_recipients(organization, [recipient])
            email_send.profile = recipient.profile
            email_send.save(force_insert=True)
            _wake_after_commit([email_send])
        return email_send
    # A known Profile left as it is: one INSERT, in autocommit when no transaction is open
    # (BEGIN and COMMIT cost more than the INSERT's own work: bench/profile_me.py --send).
    _insert_alone(organization, email_send)
    _wake_after_commit([email_send])
    return email_send


def _insert_alone(organization: Organization, email_send: EmailSend) -> None:
    try:
        if connection.in_atomic_block:  # an Idempotency-Key's transaction: a savepoint
            with transaction.atomic():
                rows.insert(email_send)
        else:
            rows.insert(email_send)
    except IntegrityError as error:
        # Its Profile or Template was deleted since it was looked up.
        if not profiles_by_id(organization, [str(email_send.profile_id)]):
            raise ActionError(
                "not_found", "profile_id", "no such Profile in this Organization"
            ) from error
        if template_and_kit(organization, str(email_send.template_id))[0] is None:
            raise ActionError(
                "not_found", "template_id", "no such Template in this Organization"
            ) from error
        raise


def queue_prepared_send(email_send: EmailSend) -> None:
    """Store a send prepare_send made (a Journey's send_email step) and wake the loop once
    the caller's transaction commits."""
    email_send.save(force_insert=True)
    _wake_after_commit([email_send])


@dataclass(frozen=True)
class BatchItem:
    index: int
    email_send: EmailSend | None = None
    error: ActionError | None = None


@transaction.atomic
def send_batch(
    organization: Organization, sends: list[SendRequest | ActionError]
) -> list[BatchItem]:
    """emails.batchSend: each item checked on its own (an item already refused by the schema
    comes as its ActionError), the accepted ones inserted in bulk."""
    if len(sends) > MAX_BATCH:
        raise ActionError(
            "payload_too_large", "emails", f"at most {MAX_BATCH} emails a batch, got {len(sends)}"
        )
    context = SendContext(organization)
    context.prefetch_recipients(sends)
    results: list[BatchItem] = []
    accepted: list[tuple[EmailSend, Recipient]] = []
    by_email: dict[str, Recipient] = {}
    for index, send in enumerate(sends):
        if isinstance(send, ActionError):
            results.append(BatchItem(index, error=send))
            continue
        try:
            email_send, recipient = prepare_send(context, send)
        except ActionError as error:
            results.append(BatchItem(index, error=error))
            continue
        # Items to one address share one Recipient: one new Profile, the last names given.
        shared = by_email.setdefault(recipient.profile.email, recipient)
        if shared is not recipient:
            shared.changed.update(recipient.changed)
            for name, value in recipient.changed.items():
                setattr(shared.profile, name, value)
        accepted.append((email_send, shared))
        results.append(BatchItem(index, email_send=email_send))
    _save_recipients(organization, list(by_email.values()))
    for email_send, recipient in accepted:
        email_send.profile = recipient.profile
    EmailSend.objects.bulk_create([email_send for email_send, _ in accepted])
    _wake_after_commit([email_send for email_send, _ in accepted])
    return results


def _wake_after_commit(sends: list[EmailSend]) -> None:
    times = {send.due_at for send in sends if send.status in WAITING_STATUSES and send.due_at}
    if times:
        transaction.on_commit(lambda: wake(sorted(times)))


@transaction.atomic
def cancel_email_send(email_send: EmailSend) -> EmailSend:
    """emails.cancel: only a send still waiting (scheduled or queued) can be stopped."""
    locked = EmailSend.objects.select_for_update().get(pk=email_send.pk)
    if locked.status not in WAITING_STATUSES:
        raise ActionError(
            "invalid_state",
            None,
            f"the EmailSend is {locked.status}: only a scheduled or queued send can be cancelled",
        )
    now = timezone.now()
    locked.status = EmailStatus.CANCELLED
    locked.due_at = None
    locked.status_history = locked.history_with(EmailStatus.CANCELLED, now, "cancelled")
    locked.updated_at = now
    locked.save(update_fields=["status", "due_at", "status_history", "updated_at"])
    return locked


@transaction.atomic
def send_test_email(
    organization: Organization,
    template: Template,
    *,
    to: str,
    sample_profile: dict[str, Any],
    sample_data: dict[str, Any],
    from_address: str | None = None,
) -> EmailSend:
    """The template editor's "Send test": the saved version to any address with the editor's
    sample Profile fields and data, marked as a test (subject `[Test] …`, a header). No
    Profile is created or looked at; the From follows the same rule as every send."""
    context = SendContext(organization)
    _, address = parse_address(to, "to")
    if template.status == TemplateStatus.ARCHIVED:
        raise ActionError("template_archived", "template_id", "the Template is archived")
    kit = template.brand_kit or context.default_kit()
    rendered = render_template(
        template, profile_data=sample_profile, data=sample_data, brand=context.brand(kit)
    )
    request = SendRequest(template_id=template.pk, from_address=from_address)
    sender, reply_to = _sender(context, request, kit)
    now = context.now
    email_send = EmailSend.objects.create(
        organization=organization,
        template=template,
        template_version=template.version,
        purpose=template.purpose,
        to_email=address,
        from_address=sender,
        reply_to=reply_to,
        subject=rendered.subject,
        data=sample_data,
        is_test=True,
        test_profile=sample_profile,
        sandbox=context.sandbox,
        status=EmailStatus.QUEUED,
        status_history=[history_entry(EmailStatus.QUEUED, now, "test send from the editor")],
        due_at=now,
        created_at=now,
        updated_at=now,
    )
    _wake_after_commit([email_send])
    return email_send
