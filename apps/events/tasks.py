"""The tasks that kick the Journey engine (engine/loop.py). No state lives only in a task:
the JourneyRun rows are the queue, so a lost or killed task loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from segmentflow.tasks import ensure_housekeeping_scheduled

from . import clock
from .engine import loop
from .models import JourneyRun

ROUND_INTERVAL = timedelta(minutes=1)
WAKE_WINDOW_SECONDS = 2
IDLE_SECONDS = 4.0
LOOP_SECONDS = 20.0
WAKE_GRANULARITY_SECONDS = 10


@task()
def run_journeys() -> int:
    """Run the engine until nothing is due for a few seconds; returns the steps taken."""
    ensure_housekeeping_scheduled()
    totals, more = loop.run_due(max_seconds=LOOP_SECONDS, idle_seconds=IDLE_SECONDS)
    if more:
        run_journeys.enqueue()
    wake_engine_at(totals.wake_at)
    return totals.steps


@task()
def sweep_journey_runs(reschedule: bool = True) -> int:
    """Every minute: give expired leases back and kick the engine if runs are due (a wait
    that ended, a timeout) and no kick came."""
    try:
        returned = loop.return_expired_leases()
        if JourneyRun.objects.due(clock.now()).exists():
            run_journeys.enqueue()
        return returned
    finally:
        if reschedule:
            sweep_journey_runs.using(run_after=timezone.now() + ROUND_INTERVAL).enqueue()


def wake_engine_at(times: set[datetime]) -> None:
    """Kick the engine when waits end: one kick per WAKE_GRANULARITY window (a wait ends at
    most that late; the minute sweep is the safety net), real time plus the clock's offset."""
    offset = clock.now() - timezone.now()
    windows = {int((at - offset).timestamp()) // WAKE_GRANULARITY_SECONDS + 1 for at in times}
    for window in sorted(windows):
        at = datetime.fromtimestamp(window * WAKE_GRANULARITY_SECONDS, tz=UTC)
        ttl = max(int((at - timezone.now()).total_seconds()) + 60, 60)
        if cache.add(f"events:wake:{window}", 1, timeout=ttl):
            run_journeys.using(run_after=at).enqueue()


def wake_engine() -> None:
    """Kick the engine for runs due now: at most one kick per process in WAKE_WINDOW_SECONDS,
    because a running loop sees the runs started meanwhile."""
    if cache.add("events:wake:now", 1, timeout=WAKE_WINDOW_SECONDS):
        run_journeys.enqueue()
