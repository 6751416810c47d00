from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.sending.delivery import loop


class Command(BaseCommand):
    help = (
        "Run the delivery loop in this process: claim due email sends in batches, deliver them, "
        "return expired leases. Runs until stopped (any number of these may run side by side); "
        "--once drains what is due and exits. `db_worker` runs the same loop when kicked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Exit when nothing is due.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while True:
            totals, more = loop.deliver_due(
                max_seconds=60.0,
                idle_seconds=0.0 if options["once"] else 60.0,
                batch_size=options["batch_size"],
            )
            total += totals.sent
            if options["verbosity"] > 1 or (options["once"] and options["verbosity"]):
                self.stdout.write(
                    f"sent {totals.sent}, retrying {totals.retrying}, failed {totals.failed}, "
                    f"suppressed {totals.suppressed}"
                )
            # --once drains: a round ends after 60 s with work left, then the next one goes on.
            if options["once"] and not more:
                return
