"""Background work of sending: the periodic DNS re-check of domains, and the tasks that kick
the delivery loop (delivery/loop.py). No state lives only in a task: a lost or killed task
loses nothing, the EmailSend rows are the queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from segmentflow.tasks import ensure_housekeeping_scheduled

from . import actions
from .delivery import loop
from .models import EmailSend

ROUND_INTERVAL = timedelta(minutes=1)
# One kick per web process in this window: a loop that is running sees what is accepted
# meanwhile, because it only stops after IDLE_SECONDS (longer than the window) with nothing due.
WAKE_WINDOW_SECONDS = 2
IDLE_SECONDS = 4.0
# A loop gives the worker back after this long (other tasks wait behind it) and kicks itself.
LOOP_SECONDS = 20.0


@task()
def check_sending_domains(reschedule: bool = True) -> int:
    """Check the domains that are due (pending ones every few minutes for 72 hours, verified
    and failed ones daily); with `reschedule`, run again in a minute."""
    try:
        return actions.check_due_domains()
    finally:
        # Whatever happened in this round, the next one comes.
        if reschedule:
            check_sending_domains.using(run_after=timezone.now() + ROUND_INTERVAL).enqueue()


@task()
def deliver_emails() -> int:
    """Run the delivery loop until nothing is due for a few seconds; returns how many sent."""
    # A periodic chain whose task was killed is queued again by the first traffic after.
    ensure_housekeeping_scheduled()
    totals, more = loop.deliver_due(max_seconds=LOOP_SECONDS, idle_seconds=IDLE_SECONDS)
    if more:
        deliver_emails.enqueue()
    return totals.sent


@task()
def sweep_email_sends(reschedule: bool = True) -> int:
    """Every minute: give expired leases back, drop content past the retention period, and
    kick the loop if sends are due (retries, scheduled sends) and no kick came."""
    try:
        returned = loop.return_expired_leases()
        while loop.drop_old_content():
            pass
        if EmailSend.objects.due().exists():
            deliver_emails.enqueue()
        return returned
    finally:
        if reschedule:
            sweep_email_sends.using(run_after=timezone.now() + ROUND_INTERVAL).enqueue()


def wake(times: Iterable[datetime]) -> None:
    """Kick the delivery loop for sends due at `times`: now for those due, at their time for
    scheduled ones (a retry or a send scheduled within a minute is also caught by the sweep)."""
    now = timezone.now()
    for at in sorted(set(times)):
        if at <= now + timedelta(seconds=1):
            if cache.add("sending:wake:now", 1, timeout=WAKE_WINDOW_SECONDS):
                deliver_emails.enqueue()
            continue
        second = int(at.timestamp())
        ttl = max(int((at - now).total_seconds()) + 60, 60)
        if cache.add(f"sending:wake:{second}", 1, timeout=ttl):
            deliver_emails.using(run_after=at).enqueue()
