from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field
from pydantic import ConfigDict, SkipValidation

from segmentflow.errors import item_error_json
from segmentflow.openapi import NO_NUL
from segmentflow.pagination import ListOut, PageQuery
from segmentflow.schemas import (
    DateTimeIn,
    InSchema,
    OutSchema,
    Timestamp,
    format_timestamp,
    non_blank,
)

from . import records
from .email_actions import MAX_TAG_LENGTH, MAX_TAGS
from .models import EmailSend, SendingDomain

if TYPE_CHECKING:
    from .email_actions import BatchItem

Status = Literal["not_started", "pending", "verified", "failed", "temporary_failure"]


class DomainCreateIn(InSchema):
    domain: str = Field(
        description="The domain mail will come from, e.g. example.com (IDN allowed)",
        json_schema_extra=non_blank(),
        examples=["example.com"],
    )


class DnsRecordOut(OutSchema):
    purpose: Literal["spf", "dkim", "dmarc"]
    type: Literal["TXT"]
    name: str = Field(description="Fully qualified, without the trailing dot.")
    value: str
    status: Status
    problem: str | None = Field(description="What is wrong, in words; null when it is right.")


class DkimOut(OutSchema):
    selector: str | None
    algorithm: str
    key_bits: int
    previous_selector: str | None


class DomainOut(OutSchema):
    id: str
    object: str = "sending_domain"
    domain: str
    status: Status
    records: list[DnsRecordOut]
    dkim: DkimOut
    last_checked_at: Timestamp | None
    verified_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_records(obj: SendingDomain) -> list[dict[str, Any]]:
        return [
            {
                "purpose": record.purpose,
                "type": record.type,
                "name": record.name,
                "value": record.value,
                "status": record.status,
                "problem": record.problem or None,
            }
            for record in records.published_records(obj)
        ]

    @staticmethod
    def resolve_dkim(obj: SendingDomain) -> dict[str, Any]:
        return records.dkim_summary(obj)


class DomainList(ListOut[DomainOut]):
    pass


# Emails (api-contract.md → Emails)

EmailStatusName = Literal[
    "scheduled",
    "queued",
    "sending",
    "sent",
    "delivered",
    "bounced",
    "complained",
    "failed",
    "suppressed",
    "cancelled",
]


class RecipientIn(InSchema):
    email: str = Field(
        max_length=254, examples=["ada@example.com"], json_schema_extra={"format": "email"}
    )
    first_name: str | None = Field(None, max_length=200)
    last_name: str | None = Field(None, max_length=200)


class EmailSendIn(InSchema):
    """One email: exactly one of `profileId` or `to` (which upserts the Profile by email)."""

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["profileId"], "properties": {"profileId": {"type": "string"}}},
                {"required": ["to"], "properties": {"to": {"type": "object"}}},
            ]
        }
    )

    profile_id: str | None = Field(None, max_length=40)
    to: RecipientIn | None = Field(
        None, description="The recipient by address; the Profile is created if it is new."
    )
    template_id: str = Field(max_length=40)
    data: dict[str, Any] = Field(
        default_factory=dict, description="Merge data, `data.*` in the template."
    )
    from_: str | None = Field(
        None,
        alias="from",
        max_length=500,
        description='"Name <addr@domain>"; defaults to the Brand Kit sender.',
        examples=["Acme <hello@acme.com>"],
    )
    reply_to: str | None = Field(None, max_length=500)
    subject: str | None = Field(
        None, max_length=2000, description="Replaces the template's subject (plain text)."
    )
    brand_kit_id: str | None = Field(None, max_length=40)
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Up to 20 string values.",
        json_schema_extra={
            "maxProperties": MAX_TAGS,
            "propertyNames": {"minLength": 1, "maxLength": MAX_TAG_LENGTH, "pattern": NO_NUL},
            "additionalProperties": {
                "type": "string",
                "maxLength": MAX_TAG_LENGTH,
                "pattern": NO_NUL,
            },
        },
    )
    scheduled_at: DateTimeIn | None = Field(
        None, description="Send at this time (up to 30 days ahead) instead of now."
    )


class BatchSendIn(InSchema):
    # Validated item by item in the route: one bad item must not refuse the others.
    emails: list[SkipValidation[EmailSendIn]] = Field(
        min_length=1,
        description="1 to 100 sends, each as `emails.send` takes it.",
        # More is 413 payload_too_large (the route's answer), not a schema error.
        json_schema_extra={"maxItems": 100},
    )


class StatusChangeOut(OutSchema):
    status: EmailStatusName
    at: str = Field(description="ISO 8601 in UTC.")
    detail: str


class EmailSendOut(OutSchema):
    id: str
    object: str = "email_send"
    profile_id: str | None
    template_id: str | None
    template_version: int
    to: str
    from_: str = Field(alias="from")
    reply_to: str | None
    subject: str
    status: EmailStatusName
    status_history: list[StatusChangeOut]
    sandbox: bool = Field(description="True when the configured mailer delivers nowhere.")
    test: bool = Field(description="A dashboard test send.")
    message_id: str | None = Field(description="The Message-ID header, once sent.")
    tags: dict[str, str]
    journey_id: str | None
    scheduled_at: Timestamp | None
    sent_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp

    @staticmethod
    def resolve_to(obj: EmailSend) -> str:
        return obj.to_email

    @staticmethod
    def resolve_from_(obj: EmailSend) -> str:
        return obj.from_address

    @staticmethod
    def resolve_reply_to(obj: EmailSend) -> str | None:
        return obj.reply_to or None

    @staticmethod
    def resolve_test(obj: EmailSend) -> bool:
        return obj.is_test

    @staticmethod
    def resolve_message_id(obj: EmailSend) -> str | None:
        return obj.message_id or None

    @staticmethod
    def resolve_journey_id(obj: EmailSend) -> str | None:
        return obj.journey_id or None


def email_send_json(email_send: EmailSend) -> dict[str, Any]:
    """An EmailSend as EmailSendOut renders it (a test holds the two together), for the
    emails.send and emails.batchSend answers."""
    return {
        "id": email_send.pk,
        "object": "email_send",
        "profileId": email_send.profile_id,
        "templateId": email_send.template_id,
        "templateVersion": email_send.template_version,
        "to": email_send.to_email,
        "from": email_send.from_address,
        "replyTo": email_send.reply_to or None,
        "subject": email_send.subject,
        "status": email_send.status,
        "statusHistory": [
            {"status": entry["status"], "at": entry["at"], "detail": entry["detail"]}
            for entry in email_send.status_history
        ],
        "sandbox": email_send.sandbox,
        "test": email_send.is_test,
        "messageId": email_send.message_id or None,
        "tags": email_send.tags,
        "journeyId": email_send.journey_id or None,
        "scheduledAt": _timestamp(email_send.scheduled_at),
        "sentAt": _timestamp(email_send.sent_at),
        "createdAt": format_timestamp(email_send.created_at),
        "updatedAt": format_timestamp(email_send.updated_at),
    }


def _timestamp(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def batch_entry_json(item: BatchItem) -> dict[str, Any]:
    """One entry of the emails.batchSend answer, as BatchSendOut renders it."""
    if item.error is None:
        return {"index": item.index, "emailSend": email_send_json(item.email_send)}  # type: ignore[arg-type]
    return {"index": item.index, "error": item_error_json(item.error)}


class EmailSendList(ListOut[EmailSendOut]):
    pass


class EmailListQuery(PageQuery):
    status: EmailStatusName | None = None
    profile_id: str | None = Field(None, alias="profileId")
    template_id: str | None = Field(None, alias="templateId")
    journey_id: str | None = Field(None, alias="journeyId")


class ItemErrorFieldOut(OutSchema):
    path: str
    message: str


class ItemErrorOut(OutSchema):
    """The envelope's `error` without `requestId` (the batch's response carries one)."""

    error_code: str
    message: str
    fields: list[ItemErrorFieldOut] | None = None


class BatchAcceptedOut(OutSchema):
    index: int
    email_send: EmailSendOut


class BatchRefusedOut(OutSchema):
    index: int
    error: ItemErrorOut


class BatchSendOut(OutSchema):
    object: str = "list"
    data: list[BatchAcceptedOut | BatchRefusedOut] = Field(
        description="One entry per item, in order: the EmailSend, or why the item was refused."
    )
