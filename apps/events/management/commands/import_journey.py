from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import Organization
from apps.events.definition import DefinitionError
from apps.events.journeys import save_journey
from apps.events.models import Journey


class Command(BaseCommand):
    help = (
        "Import a Journey definition (README → Journeys) from FILE, or '-' for stdin: validate "
        "it, save it, and print the Journey id (jrn_…) as the last line. --replace jrn_… "
        "publishes it as a new version of that Journey; runs in flight keep their version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("file", help="A JSON file, or - for stdin")
        parser.add_argument("--replace", metavar="JOURNEY_ID", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"--org: no Organization with slug {options['org']!r}")
        replace = None
        if options["replace"]:
            replace = Journey.objects.for_org(org).filter(pk=options["replace"]).first()
            if replace is None:
                raise CommandError(f"--replace: no Journey {options['replace']} in {org.slug}")
        try:
            if options["file"] == "-":
                raw = json.load(sys.stdin)
            else:
                with open(options["file"], encoding="utf-8") as source:
                    raw = json.load(source)
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{options['file']}: not JSON ({exc})") from exc
        try:
            journey = save_journey(org, raw, replace=replace)
        except DefinitionError as exc:
            problems = "\n".join(
                f"  {p['path'] or '(definition)'}: {p['message']}" for p in exc.problems
            )
            raise CommandError(f"the definition is refused:\n{problems}") from exc
        self.stderr.write(
            f"Saved Journey {journey.name!r} version {journey.version} ({journey.status})"
        )
        self.stdout.write(journey.pk)
