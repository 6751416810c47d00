from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.events.engine import loop


class Command(BaseCommand):
    help = (
        "Run the Journey engine in this process: claim due runs in batches, take their steps, "
        "return expired leases. Runs until stopped (any number may run side by side); --once "
        "drains what is due and exits. `db_worker` runs the same loop when kicked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Exit when nothing is due.")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            totals, more = loop.run_due(
                max_seconds=60.0,
                idle_seconds=0.0 if options["once"] else 60.0,
                batch_size=options["batch_size"],
            )
            if options["verbosity"] > 1 or (options["once"] and options["verbosity"]):
                self.stdout.write(
                    f"runs {totals.runs}, steps {totals.steps}, completed {totals.completed}, "
                    f"waiting {totals.waiting}, failed {totals.errors}"
                )
            # --once drains: a round ends after 60 s with work left, then the next one goes on.
            if options["once"] and not more:
                return
