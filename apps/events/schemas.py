from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field
from pydantic import SkipValidation

from apps.sending.schemas import ItemErrorOut
from segmentflow.schemas import InSchema, OutSchema, Timestamp


class EventTrackIn(InSchema):
    """One event of one Profile, named by `profileId`, `email` or `externalId` (an unknown
    email or externalId creates the Profile; identifiers naming different Profiles are 422)."""

    name: str = Field(min_length=1, max_length=200, examples=["order.completed"])
    profile_id: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254, examples=["ada@example.com"])
    external_id: str | None = Field(None, max_length=255)
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="At most 64 KiB of JSON; `event.properties.*` in Journeys.",
        examples=[{"orderId": "A-1001", "total": 84.5}],
    )
    occurred_at: datetime | None = Field(
        None, description="When it happened (defaults to when it is received)."
    )


class EventBatchIn(InSchema):
    # Validated item by item in the route: one bad event must not refuse the others.
    events: list[SkipValidation[EventTrackIn]] = Field(
        min_length=1, description="1 to 500 events, each as `events.track` takes it."
    )


class UserEventOut(OutSchema):
    id: str
    object: str = "user_event"
    name: str
    profile_id: str
    properties: dict[str, Any]
    occurred_at: Timestamp
    received_at: Timestamp
    created_at: Timestamp
    updated_at: Timestamp


class EventTrackOut(OutSchema):
    event: UserEventOut
    matched_journeys: int = Field(description="How many Journeys this event started a run of.")
    journey_ids: list[str]


class BatchTrackedOut(EventTrackOut):
    index: int


class BatchRefusedOut(OutSchema):
    index: int
    error: ItemErrorOut


class EventBatchOut(OutSchema):
    object: str = "list"
    data: list[BatchTrackedOut | BatchRefusedOut] = Field(
        description="One entry per event, in order: what it matched, or why it was refused."
    )
