from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from segmentflow.tasks import ensure_housekeeping_scheduled


class Command(BaseCommand):
    help = (
        "Queue the hourly housekeeping task (expired Idempotency-Keys) unless it is queued already."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = ensure_housekeeping_scheduled()
        self.stdout.write("Housekeeping queued." if queued else "Housekeeping already queued.")
