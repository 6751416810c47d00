"""Housekeeping tasks of the API plumbing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .models import IdempotencyRecord

PURGE_INTERVAL = timedelta(hours=1)


@task()
def purge_expired_idempotency_keys(reschedule: bool = True) -> int:
    """Delete Idempotency-Key records past their 24 h; with `reschedule`, run again in an hour."""
    cutoff = timezone.now() - timedelta(seconds=settings.SEGMENTFLOW_IDEMPOTENCY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    if reschedule:
        purge_expired_idempotency_keys.using(run_after=timezone.now() + PURGE_INTERVAL).enqueue()
    return deleted


def ensure_housekeeping_scheduled() -> bool:
    """Enqueue the purge unless one is already waiting; returns whether it enqueued."""
    from django_tasks_db.models import DBTaskResult

    pending = DBTaskResult.objects.filter(
        status="READY", task_path=purge_expired_idempotency_keys.module_path
    ).exists()
    if not pending:
        purge_expired_idempotency_keys.enqueue()
    return not pending
