"""API routes of events (api-contract.md → Events). Journeys have no v1 route: they are built
in the dashboard and kept as code with import_journey / export_journey."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from segmentflow.api import ApiRouter, rendered_json, validate_item
from segmentflow.auth import request_organization as _org
from segmentflow.errors import ActionError
from segmentflow.scopes import EVENTS_WRITE

from . import actions
from .actions import TrackRequest
from .schemas import (
    EventBatchIn,
    EventBatchOut,
    EventTrackIn,
    EventTrackOut,
    batch_entry_json,
    tracked_json,
)

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


def _accepted(body: dict[str, Any]) -> HttpResponse:
    return rendered_json(body, status=202)  # schemas.tracked_json, held to the schemas by a test


@router.post(
    "/events",
    response={202: EventTrackOut},
    scope=EVENTS_WRITE,
    operation_id="events_track",
    summary="Track an event",
    tags=["events"],
)
def events_track(request: HttpRequest, payload: EventTrackIn) -> HttpResponse:
    """Record an event of a Profile and start the active Journeys it triggers; runs of this
    Profile waiting for it go on. Unknown names are accepted and match no Journey."""
    tracked = actions.track_event(_org(request), _track_request(payload))
    return _accepted(tracked_json(tracked))


def _batch_item(item: Any) -> TrackRequest | ActionError:
    checked = validate_item(EventTrackIn, item)
    return checked if isinstance(checked, ActionError) else _track_request(checked)


@router.post(
    "/events/batch",
    response={202: EventBatchOut},
    scope=EVENTS_WRITE,
    operation_id="events_batchTrack",
    summary="Track up to 500 events",
    tags=["events"],
)
def events_batch_track(request: HttpRequest, payload: EventBatchIn) -> HttpResponse:
    """Track up to 500 events (a backfill): each is checked on its own; the accepted ones are
    stored in one statement. More than 500 is 413 `payload_too_large`."""
    items = actions.track_batch(_org(request), [_batch_item(i) for i in payload.events])
    return _accepted(
        {
            "object": "list",
            "data": [batch_entry_json(item.index, item.tracked, item.error) for item in items],
        }
    )
