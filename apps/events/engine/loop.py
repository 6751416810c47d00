"""The Journey engine: JourneyRun rows are its queue (architecture.md → Track).

A round claims due runs in a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and leases them;
each run then takes its steps in one transaction until it waits or ends, and that
transaction commits only while the claim still holds the lease, so a step's effect (an
EmailSend, a Profile change) and its record commit together or not at all. A sweeper gives
the runs of a killed worker back after their lease; `django.tasks` tasks only kick the loop.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from segmentflow.leased_queue import drain

from .. import clock
from ..definition import step_at, step_path
from ..models import JourneyRun, JourneyStepRecord, RunStatus, StepStatus
from .steps import STEPS, Batch

logger = logging.getLogger(__name__)


class LostLease(Exception):
    """The sweeper gave this run to another claim meanwhile: nothing of this claim commits."""


def _lease() -> timedelta:
    return timedelta(seconds=settings.SEGMENTFLOW_JOURNEY_LEASE_SECONDS)


@dataclass
class RoundResult:
    runs: int = 0
    steps: int = 0
    completed: int = 0
    waiting: int = 0
    lost_lease: int = 0
    errors: int = 0
    # When the runs that now wait are due again (a kick is scheduled for each).
    wake_at: set[datetime] = field(default_factory=set)

    def add(self, other: RoundResult) -> None:
        for name in ("runs", "steps", "completed", "waiting", "lost_lease", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wake_at |= other.wake_at


def claim_runs(size: int | None = None) -> list[JourneyRun]:
    """Lease up to `size` due runs (of active Journeys) to this caller."""
    size = size or settings.SEGMENTFLOW_JOURNEY_BATCH_SIZE
    token = secrets.token_hex(16)
    now = clock.now()
    with transaction.atomic():
        due = JourneyRun.objects.due(now).select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        JourneyRun.objects.filter(pk__in=ids).update(
            status=RunStatus.RUNNING,
            lease_until=now + _lease(),
            lease_token=token,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return list(
        JourneyRun.objects.filter(pk__in=ids, lease_token=token)
        .select_related("organization", "journey", "journey_version", "profile")
        .order_by("due_at")
    )


def return_expired_leases(limit: int = 500) -> int:
    """Runs whose worker was killed go again, or fail after SEGMENTFLOW_JOURNEY_MAX_ATTEMPTS
    claims in a row that never finished."""
    now = clock.now()
    with transaction.atomic():
        expired = list(
            JourneyRun.objects.lease_expired(now).select_for_update(skip_locked=True)[:limit]
        )
        for run in expired:
            if run.attempts >= settings.SEGMENTFLOW_JOURNEY_MAX_ATTEMPTS:
                run.status, run.due_at, run.finished_at = RunStatus.FAILED, None, now
                run.detail = f"{run.attempts} claims of this run stopped before they finished"
                if run.reentry_key == "open":
                    run.reentry_key = None
            else:
                run.status, run.due_at = RunStatus.ACTIVE, now
            run.lease_until, run.lease_token, run.updated_at = None, "", now
            run.save(
                update_fields=[
                    "status",
                    "due_at",
                    "finished_at",
                    "detail",
                    "reentry_key",
                    "lease_until",
                    "lease_token",
                    "updated_at",
                ]
            )
    if expired:
        logger.warning("Returned %d journey run(s) whose lease expired", len(expired))
    return len(expired)


def _step_failed(
    batch: Batch, run: JourneyRun, position: list, error: Exception, now: datetime
) -> None:
    """A bug in a step: record it and end the run rather than retry it for ever."""
    step = step_at(run.journey_version.definition["steps"], position) or {"type": "?"}
    batch.records.append(
        JourneyStepRecord(
            run=run,
            journey_id=run.journey_id,
            step_path=step_path(position),
            step_type=step.get("type", "?"),
            visit=run.steps_taken + 1,
            status=StepStatus.FAILED,
            detail=f"internal error: {type(error).__name__}",
            entered_at=now,
            finished_at=now,
        )
    )


def advance_run(run: JourneyRun, batch: Batch, result: RoundResult) -> None:
    """Take the run's steps until it waits or ends, in one transaction."""
    now = clock.now()
    steps = run.journey_version.definition["steps"]
    batch.records.clear()
    batch.resuming = True
    with transaction.atomic():
        status, due_at, waiting_for = RunStatus.COMPLETED, None, ""
        position: list | None = run.position
        while position is not None:
            step = step_at(steps, position)
            if step is None:
                position = None
                break
            recorded = len(batch.records)
            try:
                with transaction.atomic():
                    move = STEPS[step["type"]](run, step, position, now, batch)
            except Exception as error:
                logger.exception("Journey run %s failed at %s", run.pk, step_path(position))
                del batch.records[recorded:]
                _step_failed(batch, run, position, error, now)
                status = RunStatus.FAILED
                result.errors += 1
                break
            batch.resuming = False
            result.steps += 1
            if move.wait_until is not None:
                status, due_at, waiting_for = RunStatus.WAITING, move.wait_until, move.waiting_for
                break
            run.steps_taken += 1
            run.received_event_id = ""
            position = move.position
        # The step records guard each step (unique per run, step and visit): inserted before
        # the run moves on, in its transaction.
        JourneyStepRecord.objects.bulk_create(batch.records)
        finished = status in (RunStatus.COMPLETED, RunStatus.FAILED)
        updated = JourneyRun.objects.filter(
            pk=run.pk, lease_token=run.lease_token, status=RunStatus.RUNNING
        ).update(
            status=status,
            position=position if position is not None else run.position,
            steps_taken=run.steps_taken,
            waiting_for=waiting_for,
            received_event_id=run.received_event_id if status == RunStatus.WAITING else "",
            due_at=due_at,
            lease_until=None,
            lease_token="",
            attempts=0,
            finished_at=now if finished else None,
            reentry_key=None if finished and run.reentry_key == "open" else run.reentry_key,
            updated_at=now,
        )
        if not updated:
            raise LostLease(run.pk)
    result.runs += 1
    if status == RunStatus.WAITING:
        result.waiting += 1
        if due_at is not None:
            result.wake_at.add(due_at)
    elif status == RunStatus.COMPLETED:
        result.completed += 1


def run_batch(runs: list[JourneyRun]) -> RoundResult:
    result = RoundResult()
    batch = Batch()
    for run in runs:
        try:
            advance_run(run, batch, result)
        except LostLease:
            result.lost_lease += 1
        except Exception:
            # Nothing of this run's claim committed; its lease runs out and it goes again
            # (failed after SEGMENTFLOW_JOURNEY_MAX_ATTEMPTS claims).
            logger.exception("Advancing journey run %s failed", run.pk)
            result.errors += 1
    return result


def run_due(
    *, max_seconds: float = 20.0, idle_seconds: float = 4.0, batch_size: int | None = None
) -> tuple[RoundResult, bool]:
    """Claim and advance batches until nothing was due for `idle_seconds` (0: stop at the
    first empty claim) or `max_seconds` passed; returns the totals and whether work may be
    left."""
    totals = RoundResult()
    more = drain(
        claim=lambda: claim_runs(batch_size),
        work=lambda runs: totals.add(run_batch(runs)),
        sweep=return_expired_leases,
        max_seconds=max_seconds,
        idle_seconds=idle_seconds,
    )
    return totals, more


def exit_runs(journey_id: str, reason: str) -> int:
    """End the unfinished runs of an archived Journey (a run mid-claim loses its lease)."""
    now = clock.now()
    runs = JourneyRun.objects.filter(journey_id=journey_id).unfinished()
    runs.filter(reentry_key="open").update(reentry_key=None)
    return runs.update(
        status=RunStatus.EXITED,
        due_at=None,
        lease_until=None,
        lease_token="",
        waiting_for="",
        finished_at=now,
        detail=reason,
        updated_at=now,
    )
