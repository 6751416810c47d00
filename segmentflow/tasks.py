"""Housekeeping tasks of the API plumbing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import IdempotencyRecord

PURGE_INTERVAL = timedelta(hours=1)
STALE_RUNNING_AFTER = timedelta(minutes=15)


@task()
def purge_expired_idempotency_keys(reschedule: bool = True) -> int:
    """Delete Idempotency-Key records past their 24 h; with `reschedule`, run again in an hour."""
    cutoff = timezone.now() - timedelta(seconds=settings.SEGMENTFLOW_IDEMPOTENCY_TTL_SECONDS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    if reschedule:
        purge_expired_idempotency_keys.using(run_after=timezone.now() + PURGE_INTERVAL).enqueue()
    return deleted


def ensure_housekeeping_scheduled() -> list[str]:
    """Enqueue each periodic task (this module's purge and SEGMENTFLOW_PERIODIC_TASKS, each of
    which reschedules itself) unless one is already waiting; returns the ones it enqueued."""
    from django_tasks_db.models import DBTaskResult

    periodic = [purge_expired_idempotency_keys] + [
        import_string(path) for path in settings.SEGMENTFLOW_PERIODIC_TASKS
    ]
    queued = []
    # A task that started a short while ago is running its round; one RUNNING for longer was
    # left by a killed worker (django-tasks-db keeps no lease) and is no reason to wait.
    recently = timezone.now() - STALE_RUNNING_AFTER
    for periodic_task in periodic:
        waiting = DBTaskResult.objects.filter(task_path=periodic_task.module_path).filter(
            Q(status="READY") | Q(status="RUNNING", started_at__gte=recently)
        )
        if not waiting.exists():
            periodic_task.enqueue()
            queued.append(periodic_task.module_path)
    return queued
