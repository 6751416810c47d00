"""The builder's writes: a new Journey from a name and a trigger event, its draft (the edits
not published yet) changed in a transaction, published as the next version through
journeys.save_journey, or discarded. The tree edits themselves are builder.py's."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organization
from segmentflow.errors import ActionError

from .journeys import save_journey
from .models import Journey, JourneyStatus, Reentry

Definition = dict[str, Any]


def create_journey(organization: Organization, name: str, trigger_event: str) -> Journey:
    """A draft Journey with no steps yet (version 1), to build in the builder."""
    return save_journey(
        organization,
        {
            "name": name,
            "status": JourneyStatus.DRAFT,
            "reentry": Reentry.EVERY_TIME,
            "trigger": {"event": trigger_event, "where": []},
            "steps": [],
        },
    )


def draft_of(journey: Journey) -> Definition:
    """What the builder shows: the draft, or the published definition when there is none."""
    return copy.deepcopy(journey.draft if journey.draft is not None else journey.definition)


def revision(definition: Definition) -> str:
    """A fingerprint of a draft: the builder's forms carry it, so an edit made on a page that
    another editor's changes have made stale is refused instead of landing on the wrong step."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _unpublished(draft: Definition, definition: Definition) -> bool:
    return {**draft, "status": None} != {**definition, "status": None}


def _locked(journey: Journey, seen: str | None) -> Journey:
    """The Journey's row, locked; ActionError `conflict` if its draft is not the revision
    `seen` (None: not checked)."""
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    if seen is not None and seen != revision(draft_of(locked)):
        raise ActionError(
            "conflict", None, "The Journey was changed meanwhile; this is it as it is now"
        )
    return locked


@transaction.atomic
def edit_draft(
    journey: Journey, change: Callable[[Definition], Definition], *, seen: str | None = None
) -> Journey:
    """Apply `change` to the Journey's draft. `seen` is the revision the editor saw: another
    one means the draft changed meanwhile (ActionError `conflict`)."""
    locked = _locked(journey, seen)
    changed = change(draft_of(locked))
    # A draft that is back to the published definition is no draft at all.
    locked.draft = changed if _unpublished(changed, locked.definition) else None
    locked.updated_at = timezone.now()
    locked.save(update_fields=["draft", "updated_at"])
    return locked


@transaction.atomic
def publish_draft(journey: Journey, *, seen: str | None = None) -> Journey | None:
    """The draft checked and saved as the next version (runs in flight keep theirs), keeping
    the Journey's status; None when there is nothing to publish. Raises DefinitionError, or
    ActionError `conflict` if the draft is not the revision `seen`."""
    locked = _locked(journey, seen)
    if locked.draft is None:
        return None
    published = save_journey(
        locked.organization, {**locked.draft, "status": locked.status}, replace=locked
    )
    Journey.objects.filter(pk=locked.pk).update(draft=None)
    published.draft = None
    return published


@transaction.atomic
def discard_draft(journey: Journey, *, seen: str | None = None) -> Journey:
    locked = _locked(journey, seen)
    locked.draft = None
    locked.updated_at = timezone.now()
    locked.save(update_fields=["draft", "updated_at"])
    return locked
