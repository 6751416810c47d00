"""Saving Journeys: import (a new Journey or a new version of one), status changes, export.
The builder, import_journey and export_journey all go through here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization
from segmentflow.errors import ActionError

from .definition import awaited_events, check_definition
from .engine.loop import exit_runs
from .models import Journey, JourneyStatus, JourneyVersion


def _apply(journey: Journey, definition: dict[str, Any]) -> None:
    journey.name = definition["name"]
    journey.status = definition["status"]
    journey.reentry = definition["reentry"]
    journey.trigger_event = definition["trigger"]["event"]
    journey.definition = definition
    known = set(filter(None, journey.awaited_events.split("|")))
    names = sorted(known | awaited_events(definition["steps"]))
    journey.awaited_events = f"|{'|'.join(names)}|" if names else ""


@transaction.atomic
def save_journey(
    organization: Organization, raw: Any, *, replace: Journey | None = None
) -> Journey:
    """A new Journey from `raw`, or (`replace`) a new version of one: runs in flight keep the
    version they started on. Raises DefinitionError naming every problem."""
    definition = check_definition(raw, organization)
    now = timezone.now()
    if replace is None:
        journey = Journey(organization=organization, created_at=now, version=1)
    else:
        journey = Journey.objects.select_for_update().get(pk=replace.pk)
        journey.version += 1
    _apply(journey, definition)
    journey.updated_at = now
    journey.save()
    version = JourneyVersion.objects.create(
        journey=journey, version=journey.version, definition=definition, created_at=now
    )
    journey.current_version = version
    journey.save(update_fields=["current_version"])
    if journey.status == JourneyStatus.ARCHIVED:
        exit_runs(journey.pk, "the Journey was archived")
    return journey


@transaction.atomic
def set_journey_status(journey: Journey, status: str) -> Journey:
    """Activate, pause (its runs hold), archive (its runs exit) or return to draft."""
    if status not in JourneyStatus.values:
        raise ActionError(
            "validation_failed", "status", f"one of {', '.join(JourneyStatus.values)}"
        )
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    if status == JourneyStatus.ACTIVE:
        # The templates may have been archived since: check again before it runs.
        check_definition({**locked.definition, "status": status}, locked.organization)
    locked.status = status
    locked.definition = {**locked.definition, "status": status}
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "definition", "updated_at"])
    if status == JourneyStatus.ARCHIVED:
        exit_runs(locked.pk, "the Journey was archived")
    return locked


def export_definition(journey: Journey) -> dict[str, Any]:
    """The definition as import_journey takes it back."""
    return {**journey.definition, "status": journey.status}
