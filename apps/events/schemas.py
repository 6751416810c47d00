from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ninja import Field
from pydantic import ConfigDict, SkipValidation

from apps.sending.schemas import ItemErrorOut
from segmentflow.errors import ActionError, item_error_json
from segmentflow.schemas import (
    DateTimeIn,
    InSchema,
    OutSchema,
    Timestamp,
    format_timestamp,
    non_blank,
)

if TYPE_CHECKING:
    from .actions import Tracked
    from .models import UserEvent


class EventTrackIn(InSchema):
    """One event of one Profile, named by `profileId`, `email` or `externalId` (an unknown
    email or externalId creates the Profile; identifiers naming different Profiles are 422)."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                # An empty identifier counts as none.
                {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
                for name in ("profileId", "email", "externalId")
            ]
        }
    )

    name: str = Field(
        min_length=1, max_length=200, examples=["order.completed"], json_schema_extra=non_blank()
    )
    profile_id: str | None = Field(None, max_length=40)
    email: str | None = Field(
        None, max_length=254, examples=["ada@example.com"], json_schema_extra={"format": "email"}
    )
    external_id: str | None = Field(None, max_length=255, json_schema_extra=non_blank())
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="At most 64 KiB of JSON; `event.properties.*` in Journeys.",
        examples=[{"orderId": "A-1001", "total": 84.5}],
    )
    occurred_at: DateTimeIn | None = Field(
        None, description="When it happened (defaults to when it is received)."
    )


class EventBatchIn(InSchema):
    # Validated item by item in the route: one bad event must not refuse the others.
    events: list[SkipValidation[EventTrackIn]] = Field(
        min_length=1,
        description="1 to 500 events, each as `events.track` takes it.",
        # More is 413 payload_too_large (the route's answer), not a schema error.
        json_schema_extra={"maxItems": 500},
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


def event_json(event: UserEvent) -> dict[str, Any]:
    """A UserEvent as UserEventOut renders it (a test holds the two together), for the batch
    answer: validating 500 model objects through ninja's getter took a quarter of its time."""
    return {
        "id": event.pk,
        "object": "user_event",
        "name": event.name,
        "profileId": event.profile_id,
        "properties": event.properties,
        "occurredAt": format_timestamp(event.occurred_at),
        "receivedAt": format_timestamp(event.received_at),
        "createdAt": format_timestamp(event.created_at),
        "updatedAt": format_timestamp(event.updated_at),
    }


def tracked_json(tracked: Tracked) -> dict[str, Any]:
    """The events.track answer, as EventTrackOut renders it."""
    return {
        "event": event_json(tracked.event),
        "matchedJourneys": len(tracked.journey_ids),
        "journeyIds": tracked.journey_ids,
    }


def batch_entry_json(
    index: int, tracked: Tracked | None, refused: ActionError | None
) -> dict[str, Any]:
    """One entry of the events.batchTrack answer, as EventBatchOut renders it."""
    if tracked is not None:
        return {"index": index, **tracked_json(tracked)}
    return {"index": index, "error": item_error_json(refused)}  # type: ignore[arg-type]
