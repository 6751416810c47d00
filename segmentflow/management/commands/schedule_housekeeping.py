from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from segmentflow.tasks import ensure_housekeeping_scheduled


class Command(BaseCommand):
    help = (
        "Queue the periodic tasks (expired Idempotency-Keys hourly, sending-domain DNS checks "
        "every minute) unless they are queued already."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        queued = ensure_housekeeping_scheduled()
        self.stdout.write(
            f"Queued: {', '.join(queued)}." if queued else "Housekeeping already queued."
        )
