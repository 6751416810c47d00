from __future__ import annotations

from typing import Any, Literal

from ninja import Field

from segmentflow.pagination import ListOut
from segmentflow.schemas import InSchema, OutSchema, Timestamp

from . import records
from .models import SendingDomain

Status = Literal["not_started", "pending", "verified", "failed", "temporary_failure"]


class DomainCreateIn(InSchema):
    domain: str = Field(
        description="The domain mail will come from, e.g. example.com (IDN allowed)",
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
