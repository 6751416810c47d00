"""events.track and events.batchTrack (architecture.md → Track): identify the Profile, store
the UserEvent, start a JourneyRun for each active Journey the event triggers (its re-entry
rule kept by the database), and resume this Profile's runs waiting for the event, all in one
transaction. The queries are the same in number whatever the number of Journeys.

events.track of a known Profile that starts and resumes nothing (the common case) is two
SELECTs and one INSERT in autocommit, hand-written (segmentflow/rows.py): building them with
the ORM, and the transaction's COMMIT, cost more than the database's work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from apps.accounts.models import Organization
from apps.profiles.actions import clean_fields, save_new_profiles_in_order
from apps.profiles.lookups import profiles_by_id
from apps.profiles.models import Profile, normalize_email
from segmentflow import rows
from segmentflow.errors import ActionError, invalid
from segmentflow.values import clean_json_object, refuse_unstorable_text

from . import clock
from .conditions import all_hold, profile_context
from .models import Journey, JourneyRun, JourneyStatus, Reentry, RunStatus, UserEvent
from .tasks import wake_engine

MAX_NAME = 200
MAX_PROPERTIES_BYTES = 64 * 1024
MAX_BATCH = 500
# An occurredAt further ahead than this is a client's clock or a unit mistake.
MAX_FUTURE = timedelta(days=1)
REENTRY_KEYS: dict[str, str | None] = {
    Reentry.EVERY_TIME: None,
    Reentry.ONCE: "once",
    Reentry.ONCE_AT_A_TIME: "open",
}


@dataclass(frozen=True, kw_only=True)
class TrackRequest:
    """One event as the API gives it, with Python names."""

    name: str
    profile_id: str | None = None
    email: str | None = None
    external_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Tracked:
    event: UserEvent
    journey_ids: list[str]


@dataclass(frozen=True)
class BatchItem:
    index: int
    tracked: Tracked | None = None
    error: ActionError | None = None


def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise invalid("name", "field required: the event's name, e.g. order.completed")
    name = refuse_unstorable_text(name.strip(), "name")
    if len(name) > MAX_NAME:
        raise invalid("name", f"at most {MAX_NAME} characters")
    return name


def _clean_occurred_at(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise invalid("occurred_at", "a time with its offset, e.g. 2026-12-03T09:00:00Z")
    if at > now + MAX_FUTURE:
        raise invalid("occurred_at", "more than a day in the future")
    return at


class _Identities:
    """The Profiles of one request's events, looked up in as few queries as it takes."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.by_id: dict[str, Profile] = {}
        self.by_email: dict[str, Profile] = {}
        self.by_external: dict[str, Profile] = {}
        # New Profiles of this request, by the identifier that names them.
        self.new: list[Profile] = []
        # The identifiers given to known Profiles, by Profile id, to write with the events.
        self.changed: dict[str, set[str]] = {}

    def prefetch(self, requests: list[TrackRequest]) -> None:
        ids = {r.profile_id for r in requests if r.profile_id}
        emails = {normalize_email(r.email) for r in requests if isinstance(r.email, str)}
        externals = {r.external_id for r in requests if r.external_id}
        if ids and not (emails or externals):
            found = profiles_by_id(self.organization, ids)  # the common case, hand-written
        elif emails or externals:
            wanted = models.Q(pk__in=ids) if ids else models.Q(pk__in=[])
            if emails:
                wanted |= models.Q(email__in=emails)
            if externals:
                wanted |= models.Q(external_id__in=externals)
            found = list(Profile.objects.for_org(self.organization).filter(wanted))
        else:
            return
        for profile in found:
            self._remember(profile)

    def _remember(self, profile: Profile) -> None:
        self.by_id[profile.pk] = profile
        if profile.email:
            self.by_email[profile.email] = profile
        if profile.external_id:
            self.by_external[profile.external_id] = profile

    def identify(self, request: TrackRequest, *, prefetched: bool) -> Profile:
        """The event's Profile (unsaved when new); 404 for an unknown profileId, 422 when two
        identifiers name different Profiles."""
        email = external_id = ""
        if request.email is not None:
            email = clean_fields({"email": request.email})["email"]
        if request.external_id is not None:
            external_id = clean_fields({"external_id": request.external_id})["external_id"]
            if not external_id:
                raise invalid("external_id", "must not be blank")
        if not (request.profile_id or email or external_id):
            raise invalid("profile_id", "give profileId, email or externalId")
        if not prefetched:
            self.prefetch([request])
        found: list[tuple[str, Profile | None]] = []
        if request.profile_id:
            profile = self.by_id.get(request.profile_id)
            if profile is None:
                raise ActionError("not_found", "profile_id", "no such Profile in this Organization")
            found.append(("profile_id", profile))
        if email:
            found.append(("email", self.by_email.get(email)))
        if external_id:
            found.append(("external_id", self.by_external.get(external_id)))
        known = [(name, profile) for name, profile in found if profile is not None]
        if known:
            name, profile = known[0]
            for other_name, other in known[1:]:
                if other.pk != profile.pk:
                    raise invalid(other_name, f"names a different Profile than {_api(name)}")
            # An identifier the Profile does not have yet is recorded; one it has otherwise
            # disagrees.
            if email and profile.email != email:
                if profile.email:
                    raise invalid("email", f"the Profile {_api(name)} names has another email")
                profile.email = email
                self._remember(profile)
                self._changed(profile, "email")
            if external_id and profile.external_id != external_id:
                if profile.external_id:
                    raise invalid(
                        "external_id", f"the Profile {_api(name)} names has another externalId"
                    )
                profile.external_id = external_id
                self._remember(profile)
                self._changed(profile, "external_id")
            return profile
        now = clock.now()
        profile = Profile(
            organization=self.organization,
            email=email,
            external_id=external_id,
            created_at=now,
            updated_at=now,
            subscription_updated_at=now,
        )
        self.new.append(profile)
        self._remember(profile)
        return profile

    def _changed(self, profile: Profile, name: str) -> None:
        if not profile._state.adding:
            self.changed.setdefault(profile.pk, set()).add(name)

    def save(self, profiles: list[Profile]) -> None:
        """Insert the new Profiles and record the identifiers given to known ones."""
        if self.new:
            saved = save_new_profiles_in_order(self.organization, self.new)
            pairs = zip(saved, self.new, strict=True)
            if any(row is None or row.pk != new.pk for row, new in pairs):
                # Another request created one of these Profiles meanwhile: let the client retry.
                raise ActionError(
                    "conflict", "email", "a Profile with this email or externalId was just created"
                )
        for profile in {profile.pk: profile for profile in profiles}.values():
            changed = self.changed.get(profile.pk)
            if changed:
                profile.updated_at = clock.now()
                Profile.objects.filter(pk=profile.pk).update(
                    **{name: getattr(profile, name) for name in changed},
                    updated_at=profile.updated_at,
                )


def _api(name: str) -> str:
    return {"profile_id": "profileId", "email": "email", "external_id": "externalId"}[name]


def _prepare(
    identities: _Identities, request: TrackRequest, now: datetime, *, prefetched: bool
) -> UserEvent:
    name = _clean_name(request.name)
    properties = clean_json_object(request.properties, "properties", max_bytes=MAX_PROPERTIES_BYTES)
    occurred_at = _clean_occurred_at(request.occurred_at, now)
    profile = identities.identify(request, prefetched=prefetched)
    return UserEvent(
        organization=identities.organization,
        profile=profile,
        name=name,
        properties=properties,
        occurred_at=occurred_at,
        received_at=now,
        created_at=now,
        updated_at=now,
    )


def _matching_runs(
    journeys: list[Journey], events: list[UserEvent], now: datetime
) -> list[list[JourneyRun]]:
    """The runs each event starts: one per active Journey it triggers whose conditions hold
    (the re-entry rule is checked by the insert)."""
    by_name: dict[str, list[Journey]] = {}
    for journey in journeys:
        by_name.setdefault(journey.trigger_event, []).append(journey)
    runs: list[list[JourneyRun]] = []
    for event in events:
        started = []
        listening = by_name.get(event.name, [])
        if listening:
            context = {"event": event.liquid_context(), "profile": profile_context(event.profile)}
            for journey in listening:
                if not all_hold(journey.definition["trigger"]["where"], context):
                    continue
                started.append(
                    JourneyRun(
                        organization_id=journey.organization_id,
                        journey=journey,
                        journey_version_id=journey.current_version_id,  # type: ignore[misc]
                        profile=event.profile,
                        event=event,
                        event_context=context["event"],
                        status=RunStatus.ACTIVE,
                        position=[0],
                        due_at=now,
                        reentry_key=REENTRY_KEYS[journey.reentry],
                        started_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
        runs.append(started)
    return runs


def _start_runs(runs: list[list[JourneyRun]]) -> set[str]:
    """Insert the runs; a run its Journey's re-entry rule refuses is skipped by the unique
    index. Returns the ids of the runs that started."""
    flat = [run for started in runs for run in started]
    if not flat:
        return set()
    JourneyRun.objects.bulk_create(flat, ignore_conflicts=True)
    inserted = JourneyRun.objects.filter(pk__in=[run.pk for run in flat])
    return set(inserted.values_list("pk", flat=True))


def _resume_waiting(events: list[UserEvent], now: datetime) -> int:
    """Runs of these Profiles waiting for these events go on (the received branch)."""
    if len(events) == 1:
        # events.track's UPDATE, hand-written (module docstring).
        event, at = events[0], rows.prep_value(JourneyRun, "due_at", now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {rows.table(JourneyRun)}"  # noqa: S608 - identifiers only
                " SET received_event_id = %s, status = %s, due_at = %s, updated_at = %s"
                " WHERE profile_id = %s AND waiting_for = %s AND status = %s"
                " AND received_event_id = ''",
                [event.pk, RunStatus.ACTIVE.value, at, at]
                + [event.profile_id, event.name, RunStatus.WAITING.value],
            )
            return cursor.rowcount
    first: dict[tuple[str, str], UserEvent] = {}
    for event in events:
        first.setdefault((event.profile_id, event.name), event)
    waiting = list(
        JourneyRun.objects.select_for_update()
        .filter(
            profile_id__in={profile for profile, _ in first},
            waiting_for__in={name for _, name in first},
            status=RunStatus.WAITING,
            received_event_id="",
        )
        .only("pk", "profile_id", "waiting_for")
    )
    resumed = []
    for run in waiting:
        waited = first.get((run.profile_id, run.waiting_for))
        if waited is not None:
            run.received_event_id, run.status, run.due_at, run.updated_at = (
                waited.pk,
                RunStatus.ACTIVE,
                now,
                now,
            )
            resumed.append(run)
    JourneyRun.objects.bulk_update(
        resumed, ["received_event_id", "status", "due_at", "updated_at"], batch_size=500
    )
    return len(resumed)


# What matching and starting runs read of a Journey (its draft can be large).
_MATCHED_FIELDS = (
    "id",
    "organization",
    "status",
    "trigger_event",
    "awaited_events",
    "reentry",
    "current_version",
    "definition",
)


def _listening_or_awaiting(organization: Organization, name: str) -> tuple[list[Journey], bool]:
    """In one query, the active Journeys `name` triggers and whether a Journey some version of
    which waits for `name` (so waiting runs are looked for only when one could be waiting): the
    Journeys' rows, then one row of NULLs if some Journey awaits it."""
    selected = rows.columns(Journey, names=_MATCHED_FIELDS)
    nulls = ", ".join(["NULL"] * len(_MATCHED_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {selected} FROM {rows.table(Journey)}"  # noqa: S608 - identifiers only
            " WHERE organization_id = %s AND status = %s AND trigger_event = %s"
            f" UNION ALL SELECT {nulls} WHERE EXISTS (SELECT 1 FROM {rows.table(Journey)}"
            "  WHERE organization_id = %s AND status IN (%s, %s)"
            "  AND awaited_events LIKE %s ESCAPE '\\')",
            [
                organization.pk,
                JourneyStatus.ACTIVE.value,
                name,
                organization.pk,
                JourneyStatus.ACTIVE.value,
                JourneyStatus.PAUSED.value,
                # SQLite's LIKE ignores case: there, a name awaited in another case makes
                # events.track look for waiting runs in vain, no more.
                rows.like_contains(f"|{name}|"),
            ],
        )
        found = cursor.fetchall()
    listening = [rows.from_row(Journey, row, _MATCHED_FIELDS) for row in found if row[0]]
    return listening, len(listening) < len(found)


@transaction.atomic(savepoint=False)
def _store(
    identities: _Identities,
    events: list[UserEvent],
    runs: list[list[JourneyRun]],
    now: datetime,
    *,
    awaited: bool,
) -> list[list[str]]:
    """Save the events' new Profiles and identifiers, the events and the runs they start, and
    resume the runs waiting for them; the ids of the Journeys each event started."""
    identities.save([event.profile for event in events])
    if len(events) == 1:
        rows.insert(events[0])
    else:
        UserEvent.objects.bulk_create(events)
    started = _start_runs(runs)
    resumed = _resume_waiting(events, now) if awaited else 0
    if started or resumed:
        transaction.on_commit(wake_engine)
    return [[run.journey_id for run in group if run.pk in started] for group in runs]


def _insert_alone(event: UserEvent) -> None:
    """The event of a known Profile that starts and resumes nothing, in autocommit."""
    try:
        rows.insert(event)
    except IntegrityError as error:
        # Its Profile was erased since it was looked up.
        raise ActionError("not_found", "profile_id", "no such Profile in this Organization") from (
            error
        )


def track_event(organization: Organization, request: TrackRequest) -> Tracked:
    """events.track."""
    now = clock.now()
    identities = _Identities(organization)
    event = _prepare(identities, request, now, prefetched=False)
    listening, awaited = _listening_or_awaiting(organization, event.name)
    runs = _matching_runs(listening, [event], now)
    if identities.new or identities.changed or runs[0] or awaited:
        return Tracked(event, _store(identities, [event], runs, now, awaited=awaited)[0])
    _insert_alone(event)
    return Tracked(event, [])


@transaction.atomic
def track_batch(
    organization: Organization, requests: list[TrackRequest | ActionError]
) -> list[BatchItem]:
    """events.batchTrack: each event checked on its own (an item refused by the schema comes
    as its ActionError); the accepted ones inserted in one statement."""
    if len(requests) > MAX_BATCH:
        raise ActionError(
            "payload_too_large",
            "events",
            f"at most {MAX_BATCH} events a batch, got {len(requests)}",
        )
    now = clock.now()
    identities = _Identities(organization)
    identities.prefetch([r for r in requests if isinstance(r, TrackRequest)])
    items: list[BatchItem] = []
    accepted: list[tuple[int, UserEvent]] = []
    for index, request in enumerate(requests):
        if isinstance(request, ActionError):
            items.append(BatchItem(index, error=request))
            continue
        try:
            event = _prepare(identities, request, now, prefetched=True)
        except ActionError as error:
            items.append(BatchItem(index, error=error))
            continue
        accepted.append((index, event))
        items.append(BatchItem(index))
    journey_ids = []
    if accepted:
        events = [event for _, event in accepted]
        journeys = Journey.objects.for_org(organization)
        listening = list(journeys.listening_for({event.name for event in events}))
        runs = _matching_runs(listening, events, now)
        journey_ids = _store(identities, events, runs, now, awaited=True)
    for (index, event), ids in zip(accepted, journey_ids, strict=True):
        items[index] = BatchItem(index, tracked=Tracked(event, ids))
    return items
