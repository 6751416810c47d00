"""Running the database task queue inside a test, as `manage.py db_worker --batch` does."""

from __future__ import annotations

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def drain_tasks(backend: str = "default", limit: int = 100) -> int:
    """Run every ready task of the database backend in this thread; return how many ran.

    `db_worker --batch` closes the database connection between tasks, which on PostgreSQL ends
    the transaction a TestCase runs in, so this claims the tasks as the worker does and runs each
    through the worker's own `run_task`: a task that raises is recorded as FAILED, as in
    production.
    """
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=None,
        worker_id="tests.drain_tasks",
        excluded_queue_names=[],
    )
    for ran in range(limit):
        with transaction.atomic():
            result = DBTaskResult.objects.ready().filter(backend_name=backend).get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)
        worker.run_task(result)
    raise AssertionError(f"the queue was not empty after {limit} tasks")
