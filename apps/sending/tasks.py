"""Background work of sending domains: the periodic DNS re-check."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from . import actions

ROUND_INTERVAL = timedelta(minutes=1)


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
