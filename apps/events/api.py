"""API routes of events (api-contract.md → Events). Journeys have no v1 route: they are built
in the dashboard and kept as code with import_journey / export_journey."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Status
from pydantic import ValidationError as PydanticValidationError

from segmentflow.api import ApiRouter, error_fields
from segmentflow.auth import request_organization as _org
from segmentflow.errors import ActionError, to_api_error
from segmentflow.scopes import EVENTS_WRITE

from . import actions
from .actions import Tracked, TrackRequest
from .schemas import EventBatchIn, EventBatchOut, EventTrackIn, EventTrackOut

router = ApiRouter()


def _track_request(payload: EventTrackIn) -> TrackRequest:
    return TrackRequest(
        name=payload.name,
        profile_id=payload.profile_id,
        email=payload.email,
        external_id=payload.external_id,
        properties=payload.properties,
        occurred_at=payload.occurred_at,
    )


def _tracked(tracked: Tracked) -> dict[str, Any]:
    return {
        "event": tracked.event,
        "matched_journeys": len(tracked.journey_ids),
        "journey_ids": tracked.journey_ids,
    }


@router.post(
    "/events",
    response={202: EventTrackOut},
    scope=EVENTS_WRITE,
    operation_id="events_track",
    tags=["events"],
)
def events_track(request: HttpRequest, payload: EventTrackIn) -> Status:
    """Record an event of a Profile and start the active Journeys it triggers; runs of this
    Profile waiting for it go on. Unknown names are accepted and match no Journey."""
    return Status(202, _tracked(actions.track_event(_org(request), _track_request(payload))))


def _batch_item(item: Any) -> TrackRequest | ActionError:
    try:
        return _track_request(EventTrackIn.model_validate(item))
    except PydanticValidationError as exc:
        fields = error_fields(exc.errors())
        message = "; ".join(f"{f['path']}: {f['message']}" for f in fields)
        return ActionError("validation_failed", None, message, fields=fields)


def _batch_entry(item: actions.BatchItem) -> dict[str, Any]:
    if item.tracked is not None:
        return {"index": item.index, **_tracked(item.tracked)}
    error = to_api_error(item.error)  # type: ignore[arg-type]
    return {
        "index": item.index,
        "error": {"error_code": error.error_code, "message": error.message, "fields": error.fields},
    }


@router.post(
    "/events/batch",
    response={202: EventBatchOut},
    scope=EVENTS_WRITE,
    operation_id="events_batchTrack",
    tags=["events"],
)
def events_batch_track(request: HttpRequest, payload: EventBatchIn) -> Status:
    """Track up to 500 events (a backfill): each is checked on its own; the accepted ones are
    stored in one statement. More than 500 is 413 `payload_too_large`."""
    items = actions.track_batch(_org(request), [_batch_item(i) for i in payload.events])
    return Status(202, {"object": "list", "data": [_batch_entry(item) for item in items]})
