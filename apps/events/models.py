"""Events and Journeys: what backends report (UserEvent), what marketers configure (Journey,
its published versions) and each Profile's way through one (JourneyRun, its step records)."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils.timezone import now

from apps.accounts.models import Organization
from apps.profiles.models import Profile
from segmentflow.ids import new_public_id
from segmentflow.querysets import OrgQuerySet


class UserEventQuerySet(OrgQuerySet["UserEvent"]):
    object_name = "event"


class UserEvent(models.Model):
    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "evt"),
        editable=False,
    )
    # Each track inserts a row: no index beyond the Meta's, whose leading columns serve the
    # foreign keys too (see segmentflow/indexes.py).
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Erasing a Profile erases what it did.
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    name = models.CharField(max_length=200)
    properties = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = UserEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="evt_org_created_idx"),
            models.Index(
                fields=["organization", "name", "-created_at", "-id"], name="evt_org_name_idx"
            ),
            models.Index(fields=["profile", "-created_at", "-id"], name="evt_profile_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.pk}"

    def liquid_context(self) -> dict[str, Any]:
        """The event as `event` in conditions and templates."""
        return {
            "id": self.pk,
            "name": self.name,
            "properties": self.properties,
            "occurredAt": self.occurred_at.isoformat().replace("+00:00", "Z"),
        }


class JourneyStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class Reentry(models.TextChoices):
    EVERY_TIME = "every_time"
    ONCE = "once"
    ONCE_AT_A_TIME = "once_at_a_time"


class JourneyQuerySet(OrgQuerySet["Journey"]):
    object_name = "Journey"

    def listening_for(self, names: list[str] | set[str]) -> JourneyQuerySet:
        """The active Journeys triggered by these event names (index jrn_trigger_idx)."""
        return self.filter(status=JourneyStatus.ACTIVE, trigger_event__in=list(names))


class Journey(models.Model):
    """A Journey and its current definition; every published definition is a JourneyVersion,
    and a run keeps the version it started on."""

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "jrn"),
        editable=False,
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT
    )
    reentry = models.CharField(max_length=16, choices=Reentry.choices, default=Reentry.EVERY_TIME)
    # The trigger's event name, out of the definition so that events.track finds the
    # Journeys listening for a name in one indexed query.
    trigger_event = models.CharField(max_length=200)
    # "|order.reviewed|…|": the events a wait_for_event step of any version waits for (runs
    # keep their version, so a name stays once a version waited for it).
    awaited_events = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    current_version = models.ForeignKey(
        "JourneyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The current version's definition (journeys/definition.py), as export prints it.
    definition = models.JSONField(default=dict)
    # The builder's edits not published yet (null: none); publishing checks and saves them as
    # the next version.
    draft = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = JourneyQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="jrn_org_created_idx"),
            models.Index(
                fields=["organization", "trigger_event", "status"], name="jrn_trigger_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class JourneyVersion(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "version"], name="jrn_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.journey_id} v{self.version}"


class RunStatus(models.TextChoices):
    ACTIVE = "active"  # due to take its next step at due_at
    WAITING = "waiting"  # in a wait or wait_for_event step until due_at (or the event)
    RUNNING = "running"  # leased by an engine loop
    COMPLETED = "completed"
    EXITED = "exited"  # its Journey was archived
    FAILED = "failed"  # the engine gave up on it (every attempt was killed)


CLAIMABLE_RUN_STATUSES = (RunStatus.ACTIVE, RunStatus.WAITING)
UNFINISHED_RUN_STATUSES = (RunStatus.ACTIVE, RunStatus.WAITING, RunStatus.RUNNING)


class JourneyRunQuerySet(OrgQuerySet["JourneyRun"]):
    object_name = "Journey run"

    def unfinished(self) -> JourneyRunQuerySet:
        return self.filter(status__in=UNFINISHED_RUN_STATUSES)

    def due(self, at: Any) -> JourneyRunQuerySet:
        """Runs the engine may claim now: due, and their Journey not paused (a paused
        Journey holds its runs)."""
        return self.filter(
            status__in=CLAIMABLE_RUN_STATUSES,
            due_at__lte=at,
            journey__status=JourneyStatus.ACTIVE,
        ).order_by("due_at")

    def lease_expired(self, at: Any) -> JourneyRunQuerySet:
        return self.filter(status=RunStatus.RUNNING, lease_until__lt=at)


class JourneyRun(models.Model):
    """One Profile's way through one version of a Journey. The rows are the engine's queue
    (engine/loop.py): claimed when due, leased, advanced step by step in transactions."""

    id = models.CharField(
        primary_key=True,
        max_length=40,
        default=functools.partial(new_public_id, "jrun"),
        editable=False,
    )
    # Indexed in the Meta only (segmentflow/indexes.py): journey and profile by the composite
    # indexes they lead, organization and event by plain ones.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    journey_version = models.ForeignKey(
        JourneyVersion, on_delete=models.CASCADE, related_name="runs"
    )
    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="journey_runs", db_index=False
    )
    event = models.ForeignKey(
        UserEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The triggering event as templates and conditions see it (kept if the event goes).
    event_context = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.ACTIVE)
    # Where the run is in the definition: [2] is steps[2], [3, "yes", 0] steps[3].yes[0].
    position = models.JSONField(default=list)
    # Steps entered so far: a step record's `visit`, so a retried step finds its record.
    steps_taken = models.PositiveIntegerField(default=0)
    # In a wait_for_event step: the event it waits for, and the event once it came.
    waiting_for = models.CharField(max_length=200, blank=True)
    received_event_id = models.CharField(max_length=40, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    # Claims in a row that did not finish (their worker was killed).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Enforces the Journey's re-entry rule in the database: "once" for every run of a
    # once-Journey, "open" while a run of a once_at_a_time Journey is unfinished; NULL else.
    reentry_key = models.CharField(max_length=8, null=True, blank=True)  # noqa: DJ001 - NULLs are distinct
    detail = models.TextField(blank=True)
    started_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = JourneyRunQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["journey", "profile", "reentry_key"], name="jrun_reentry_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["active", "waiting"]),
                name="jrun_due_idx",
            ),
            models.Index(
                fields=["lease_until"],
                condition=models.Q(status="running"),
                name="jrun_lease_idx",
            ),
            models.Index(
                fields=["profile", "waiting_for"],
                condition=~models.Q(waiting_for=""),
                name="jrun_waiting_idx",
            ),
            models.Index(fields=["journey", "status"], name="jrun_journey_status_idx"),
            models.Index(fields=["profile", "-created_at"], name="jrun_profile_idx"),
            models.Index(fields=["organization"], name="jrun_org_idx"),
            models.Index(
                fields=["event"], condition=models.Q(event__isnull=False), name="jrun_event_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.journey_id} for {self.profile_id}"


class StepStatus(models.TextChoices):
    ENTERED = "entered"  # a wait in progress
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class JourneyStepRecord(models.Model):
    """One step a run took: unique per run, step and visit, so a retried step acts once."""

    run = models.ForeignKey(JourneyRun, on_delete=models.CASCADE, related_name="step_records")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="+")
    step_path = models.CharField(max_length=200)  # "steps[3].yes[0]"
    step_type = models.CharField(max_length=20)
    visit = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=StepStatus.choices)
    detail = models.TextField(blank=True)
    email_send_id = models.CharField(max_length=40, blank=True)
    entered_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["visit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "step_path", "visit"], name="jrun_step_visit_unique"
            )
        ]
        indexes = [
            models.Index(fields=["journey", "step_path", "status"], name="jstep_counts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.step_path} {self.status}"
